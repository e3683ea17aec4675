"""Reading the user's files: the one place that turns OS and decoding errors into InputError."""

import codecs
import json
import os
import re
from bisect import bisect_right

from auditor.errors import InputError


def read_bytes(path: str | os.PathLike, what: str = "file", missing_hint: str = "") -> bytes:
    file = str(path)
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
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=str(path), line=exc.lineno) from None


class LineIndex:
    """Line numbers (1-based) of character offsets in a text: one scan, then a binary search each."""

    def __init__(self, text: str):
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect_right(self.newlines, pos - 1) + 1
