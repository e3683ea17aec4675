"""IAM's ArnLike comparison, shared by every permission rule and by `explain`.

Per aws-semantics.md: both ARNs are split on ':' and compared part by part, case-sensitively;
in a part, `*` matches any run of characters except ':' and `?` exactly one. A pattern is
never translated into a regex: `*`-free pieces are matched leftmost-first, which is correct
for glob patterns and needs no backtracking.
"""

from functools import lru_cache


def _piece_at(piece: str, text: str, pos: int) -> bool:
    """Does `piece` (literal characters and '?') match `text` starting at `pos`?"""
    if pos + len(piece) > len(text):
        return False
    if "?" not in piece:
        return text.startswith(piece, pos)
    for offset, ch in enumerate(piece):
        if ch != "?" and text[pos + offset] != ch:
            return False
    return True


def _find_piece(piece: str, text: str, start: int, end: int) -> int:
    """Leftmost position >= start where `piece` matches inside text[:end], or -1."""
    if "?" not in piece:
        return text.find(piece, start, end)
    for pos in range(start, end - len(piece) + 1):
        if _piece_at(piece, text, pos):
            return pos
    return -1


@lru_cache(maxsize=65536)
def _split_glob(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("*"))


def glob_match(pattern: str, text: str) -> bool:
    """Match one ARN part: `*` is any run of characters, `?` one character."""
    if "*" not in pattern and "?" not in pattern:
        return pattern == text
    pieces = _split_glob(pattern)
    if len(pieces) == 1:
        return len(pattern) == len(text) and _piece_at(pattern, text, 0)
    first, last = pieces[0], pieces[-1]
    if len(first) + len(last) > len(text):
        return False
    if not _piece_at(first, text, 0):
        return False
    end = len(text) - len(last)
    if not _piece_at(last, text, end):
        return False
    pos = len(first)
    for piece in pieces[1:-1]:
        if not piece:
            continue
        found = _find_piece(piece, text, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def arn_like(pattern: str, arn: str) -> bool:
    """True when `arn` matches the ArnLike `pattern` (wildcards never cross ':')."""
    if pattern == arn:
        return True
    pattern_parts = pattern.split(":")
    arn_parts = arn.split(":")
    if len(pattern_parts) != len(arn_parts):
        return False
    return all(glob_match(p, a) for p, a in zip(pattern_parts, arn_parts))


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text
