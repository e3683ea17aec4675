"""Reading the user's files: the one place that turns OS and decoding errors into InputError."""

import json
import os

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


def read_text(path: str | os.PathLike, what: str = "file", missing_hint: str = "") -> str:
    try:
        return read_bytes(path, what, missing_hint).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None


def read_json(path: str | os.PathLike, what: str = "file", missing_hint: str = ""):
    """Parsed JSON (bytes go straight to the parser, which also accepts UTF-16/32 and a BOM-less file fast)."""
    data = read_bytes(path, what, missing_hint)
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=str(path), line=exc.lineno) from None
