"""Escaping for each medium our output reaches: a shell, a terminal, Markdown.

Names in the input (route keys, statement ids, function and authorizer names) are the input author's text.
A newline in one must not end a `#` comment of the fix script, an escape sequence in one must not clear the
user's screen, a `[x](y)` in one must not become a link in a pull-request comment. Each writer calls the one
function of its medium here, so no writer has its own idea of what is safe.
"""

import re
import shlex

# C0 and C1 controls, DEL, and the characters that reorder or break lines on screen (bidi overrides and
# isolates, line/paragraph separators): none of them is ever shown as itself.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                                  "\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape_one(match) -> str:
    return _escape_char(match.group(0))


def visible(text) -> str:
    """One line for a person: every control character written as an escape (`\\n`, `\\x1b`), never sent."""
    text = "" if text is None else str(text)
    return _CONTROL.sub(_escape_one, text) if _CONTROL.search(text) else text


def visible_all(value):
    """A JSON-like document with `visible` applied to every string in it (a text renderer's input)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible_all(k): visible_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [visible_all(v) for v in value]
    return value


def visible_lines(text) -> str:
    """Text whose own newlines are its lines (a report we laid out): every other control character escaped."""
    text = "" if text is None else str(text)
    return _CONTROL_BUT_NEWLINE.sub(_escape_one, text) if _CONTROL_BUT_NEWLINE.search(text) else text


# The colours our own table prints (auditor.reports.table): the only escape sequences a terminal gets from us.
_OWN_COLOURS = re.compile("\x1b\\[(?:0|1;3[15]|3[36]|2)m")


def terminal(text) -> str:
    """What a terminal writer sends: `visible_lines`, except the colour codes of our own table."""
    text = "" if text is None else str(text)
    if not _CONTROL_BUT_NEWLINE.search(text):
        return text
    pieces, at = [], 0
    for match in _OWN_COLOURS.finditer(text):
        pieces += [visible_lines(text[at:match.start()]), match.group(0)]
        at = match.end()
    return "".join(pieces) + visible_lines(text[at:])


_ANSI_C = {"\\": "\\\\", "'": "\\'"}


def _shell_escape(char: str) -> str:
    """Inside `$'...'`: ASCII controls by name or `\\xHH`; others as their UTF-8 bytes, whatever the locale."""
    if ord(char) < 0x80:
        return _escape_char(char)
    return "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8"))


_SHELL_UNSAFE = re.compile(r'[^\w@%+=:,./-]', re.ASCII).search  # the characters shlex.quote leaves bare


def shell_word(value) -> str:
    """One POSIX shell word that is exactly `value`, on one line: shlex's quoting, or bash's `$'...'` (also
    zsh's and POSIX 2024 sh's) when it holds a control character, so no word spans lines or hides one."""
    value = str(value)
    if value and _SHELL_UNSAFE(value) is None:  # shlex's own test: nothing to quote (most ids, names and ARNs)
        return value
    if not _CONTROL.search(value):
        return shlex.quote(value)
    inner = "".join(_ANSI_C.get(c) or (_shell_escape(c) if _CONTROL.match(c) else c) for c in value)
    return f"$'{inner}'"


def shell_comment(text) -> str:
    """A `#` comment line of a script: one line whatever the text holds."""
    return "# " + visible(text)


_MARKDOWN_SPECIAL = "\\`*_[]<>#!|~&$"  # `$`: GitHub renders $...$ as math
# Each special character backslash-escaped and `@` followed by a zero-width space, in one pass in C.
_MARKDOWN_ESCAPES = str.maketrans({**{char: "\\" + char for char in _MARKDOWN_SPECIAL}, "@": "@\u200b"})
_AUTOLINK_START = re.compile(r"(:)(?=//)|(?<=www)(\.)", re.IGNORECASE)


def markdown_text(text) -> str:
    """Inline Markdown (GFM) that renders as the literal text, on one line: every punctuation character
    Markdown, HTML or GFM's autolinks give a meaning is backslash-escaped (an escaped `:` or `.` starts no
    URL or `www.` link), and a zero-width space follows `@` (GFM links e-mail addresses after escapes)."""
    return _AUTOLINK_START.sub(_escaped, visible(text).translate(_MARKDOWN_ESCAPES))


def _escaped(match) -> str:
    return "\\" + match.group(0)

