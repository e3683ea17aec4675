"""Reading the user's files: the one place that turns OS and decoding errors into InputError."""

import codecs
import json
import os
import re
from bisect import bisect_right

from auditor.errors import InputError

# The file being read or turned into the model, for the one-line message of a failure that surfaces later
# (a document nested deeply enough to exhaust a recursive pass); set by every reader in this module.
current_file: str | None = None


def read_bytes(path: str | os.PathLike, what: str = "file", missing_hint: str = "") -> bytes:
    global current_file
    file = current_file = str(path)
    try:
        with open(file, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"no such {what}{missing_hint}", file=file) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}" if what != "file" else "is a directory", file=file) from None
    except PermissionError:
        raise InputError("permission denied", file=file) from None


# Byte-order marks Windows editors and PowerShell (`>` writes UTF-16) put in front of text files.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 text, or the UTF-8/16/32 its byte-order mark announces; InputError otherwise."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"not {encoding.upper().removesuffix('-SIG')} text ({exc.reason})", file=file) from None


def read_text(path: str | os.PathLike, what: str = "file", missing_hint: str = "") -> str:
    return decode_text(read_bytes(path, what, missing_hint), str(path))


def read_json(path: str | os.PathLike, what: str = "file", missing_hint: str = ""):
    """Parsed JSON (bytes go straight to the parser, which also accepts UTF-16/32 and a BOM-less file fast)."""
    data = read_bytes(path, what, missing_hint)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]  # json.loads takes UTF-16/32 with their BOM, but not UTF-8's
    return parse_json(data, str(path))


# JSON allows what Python and the report formats cannot hold: nesting deeper than the interpreter's
# recursion, integers too long to convert, and \uD800-\uDFFF escapes that are not a pair (no UTF-8 exists
# for them). No AWS document comes near these (a policy is at most 20 KB, CloudFormation numbers are small).
MAX_DEPTH = 200
MAX_INT_DIGITS = 4300  # sys.get_int_max_str_digits()' default; a longer integer is no AWS value
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F][0-9a-fA-F]{2}")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def parse_json(data: str | bytes, file: str, **options):
    """json.loads, with every failure (syntax, depth, long integer, lone surrogate) an InputError naming the
    file and the line or JSON path; the one JSON reader of every input kind."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        document = json.loads(data, **options)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=file) from None
    except json.JSONDecodeError as exc:
        if not exc.doc.strip():
            raise InputError("empty file: expected JSON", file=file) from None
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno) from None
    except RecursionError:
        raise InputError(f"JSON nested more than {MAX_DEPTH} levels deep", file=file, line=_deep_line(raw)) from None
    except ValueError:  # an integer too long to convert (CPython's int_max_str_digits)
        match = re.search(rb"-?[0-9]{%d,}" % (MAX_INT_DIGITS + 1), raw)
        line = raw.count(b"\n", 0, match.start()) + 1 if match else None
        raise InputError(f"a number with more than {MAX_INT_DIGITS} digits", file=file, line=line) from None
    if may_nest_deeper(raw) and _depth_over(document):
        raise InputError(f"JSON nested more than {MAX_DEPTH} levels deep", file=file, line=_deep_line(raw))
    if _SURROGATE_ESCAPE.search(raw):
        where = _lone_surrogate(document, "$")
        if where is not None:
            raise InputError("a \\u escape that is half a UTF-16 surrogate pair: no such character exists "
                             "(fix the escape)", file=file, path=where)
    return document


def may_nest_deeper(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """False when the brackets alone nest at most `limit` deep: innermost pairs removed level by level,
    in C (a bracket inside a string can only make this say True, and a full reader then decides)."""
    brackets = raw.translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            return True  # unbalanced (brackets in strings): let the document itself tell
        brackets = shorter
    return bool(brackets)


def _depth_over(document, limit: int = MAX_DEPTH) -> bool:
    """Is the document nested deeper than limit? Breadth-first over containers only, no recursion."""
    level = [document]
    for _ in range(limit):
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())
                 if isinstance(child, (dict, list))]
        if not level:
            return False
    return True


def _deep_line(raw: bytes) -> int | None:
    """Line where the nesting first passes MAX_DEPTH (strings skipped)."""
    depth = 0
    for match in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return raw.count(b"\n", 0, match.start()) + 1
        elif token in (b"]", b"}"):
            depth -= 1
    return None


def _lone_surrogate(node, path: str) -> str | None:
    """JSON path of the first string (or key) holding a lone surrogate, iteratively."""
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if not _encodable(node):
                return path
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and not _encodable(key):
                    return f"{path}.{key.encode('utf-8', 'backslashreplace').decode()}"
                stack.append((value, f"{path}.{key}"))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{index}]") for index, value in enumerate(node))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


class LineIndex:
    """Line numbers (1-based) of character offsets in a text: one scan, then a binary search each."""

    def __init__(self, text: str):
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect_right(self.newlines, pos - 1) + 1
