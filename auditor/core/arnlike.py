"""IAM's ArnLike comparison, shared by every permission rule and by `explain`.

Per aws-semantics.md: both ARNs are split on ':' and compared part by part, case-sensitively;
in a part, `*` matches any run of characters except ':' and `?` exactly one. A pattern is
never translated into a regex: its `*`-free pieces are matched leftmost-first, which is
correct for glob patterns and needs no backtracking. Patterns are compiled once and cached,
because an audit checks the same few patterns against many routes.
"""

from functools import lru_cache
from typing import Callable

Matcher = Callable[[str], bool]


def _piece_at(piece: str, text: str, pos: int) -> bool:
    """Does `piece` (literal characters and '?') match `text` starting at `pos`?"""
    if pos + len(piece) > len(text):
        return False
    if "?" not in piece:
        return text.startswith(piece, pos)
    return all(ch == "?" or text[pos + offset] == ch for offset, ch in enumerate(piece))


@lru_cache(maxsize=1 << 12)
def _masks(piece: str) -> tuple[dict, int]:
    """Shift-And masks of a piece with `?`: bit i of masks[c] is set where piece[i] is c or `?`."""
    anything = 0
    for index, ch in enumerate(piece):
        if ch == "?":
            anything |= 1 << index
    masks: dict[str, int] = {}
    for index, ch in enumerate(piece):
        if ch != "?":
            masks[ch] = masks.get(ch, anything) | 1 << index
    return masks, anything


def _find_piece(piece: str, text: str, start: int, end: int) -> int:
    """Leftmost position >= start where `piece` matches inside text[:end], or -1.

    A piece with `?` is found with the Shift-And automaton: one pass over the text, each step a few
    operations on an integer as wide as the piece, never a restart per position (a long run of `?`
    against a long ARN took seconds that way)."""
    if "?" not in piece:
        return text.find(piece, start, end)
    masks, anything = _masks(piece)
    found = 1 << (len(piece) - 1)
    state = 0
    for pos in range(start, end):
        state = ((state << 1) | 1) & masks.get(text[pos], anything)
        if state & found:
            return pos - len(piece) + 1
    return -1


def _match_pieces(pieces: tuple[str, ...], text: str) -> bool:
    first, last = pieces[0], pieces[-1]
    if len(first) + len(last) > len(text) or not _piece_at(first, text, 0):
        return False
    end = len(text) - len(last)
    if not _piece_at(last, text, end):
        return False
    pos = len(first)
    for piece in pieces[1:-1]:
        if piece:
            found = _find_piece(piece, text, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
    return True


@lru_cache(maxsize=1 << 16)
def compile_glob(pattern: str) -> Matcher:
    """A matcher for one ARN part: `*` is any run of characters, `?` one character."""
    if "*" not in pattern:
        if "?" not in pattern:
            return pattern.__eq__
        return lambda text: len(text) == len(pattern) and _piece_at(pattern, text, 0)
    if pattern == "*":
        return lambda text: True
    pieces = tuple(pattern.split("*"))
    if len(pieces) == 2 and "?" not in pattern:
        prefix, suffix = pieces
        if not suffix:
            return lambda text: text.startswith(prefix)
        return lambda text: len(text) >= len(pattern) - 1 and text.startswith(prefix) and text.endswith(suffix)
    return lambda text: _match_pieces(pieces, text)


def glob_match(pattern: str, text: str) -> bool:
    return compile_glob(pattern)(text)


@lru_cache(maxsize=1 << 16)
def compile_arn(pattern: str) -> tuple[Matcher, ...]:
    return tuple(compile_glob(part) for part in pattern.split(":"))


def arn_like(pattern: str, arn: str) -> bool:
    """True when `arn` matches the ArnLike `pattern` (wildcards never cross ':')."""
    if pattern == arn:
        return True
    matchers = compile_arn(pattern)
    parts = arn.split(":")
    if len(matchers) != len(parts):
        return False
    for match, part in zip(matchers, parts):
        if not match(part):
            return False
    return True


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text
