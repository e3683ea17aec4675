"""Where `audit` writes its reports: `--format` and the repeatable `--output [FORMAT=]FILE`.

- no --output: the --format report goes to stdout;
- `--output FILE` (once): the --format report goes to FILE instead;
- `--output FORMAT=FILE` (any number): that format goes to FILE, while the --format report still
  goes to stdout (or to the plain FILE); `FORMAT=-` sends that format to stdout instead.
A value is FORMAT=FILE when the text before its first `=` looks like a format name (letters,
digits, `-`, `_`); name a file such as `a=b.json` as `./a=b.json`.

Every report is rendered before any is written, and each file is written whole or not at all.
"""

import os
import re
from dataclasses import dataclass, replace

from auditor.errors import UsageError, did_you_mean
from auditor.output import check_output_path, write_text

_FORMAT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Destination:
    """One report to write: its format, and the file (or stdout) it goes to."""

    format: str
    path: str | None  # None: stdout

    @property
    def to_stdout(self) -> bool:
        return self.path is None


def plan(default_format: str, outputs: list[str] | None, known_formats) -> list[Destination]:
    """The reports to write, from --format and the --output values; UsageError when they clash."""
    known = sorted(known_formats)
    plain: list[str] = []
    chosen: list[Destination] = []
    for value in outputs or []:
        name, sep, target = value.partition("=")
        if sep and _FORMAT_NAME.fullmatch(name):
            name = next((k for k in known if k.casefold() == name.casefold()), name)
            if name not in known:
                raise UsageError(f"--output {value}: unknown format {name!r}{did_you_mean(name, known)} "
                                 f"(use one of {', '.join(known)})")
            if not target:
                raise UsageError(f"--output {value}: no file after '='")
            chosen.append(Destination(name, None if target == "-" else target))
        else:
            plain.append(value)
    if len(plain) > 1:
        raise UsageError(f"--output given {len(plain)} plain files ({', '.join(plain)}); "
                         "name each format: --output FORMAT=FILE")
    if plain:
        chosen.insert(0, Destination(default_format, None if plain[0] == "-" else plain[0]))
    elif not any(d.to_stdout for d in chosen):
        chosen.insert(0, Destination(default_format, None))
    if sum(d.to_stdout for d in chosen) > 1:
        raise UsageError("more than one report would go to stdout; give the others a file (--output FORMAT=FILE)")
    seen: dict[str, str] = {}
    for d in chosen:
        if d.path is None:
            continue
        key = os.path.normcase(os.path.abspath(d.path))
        if key in seen:
            raise UsageError(f"--output names {d.path} twice ({seen[key]} and {d.format})")
        seen[key] = d.format
    return chosen


def write_reports(result, options, destinations: list[Destination], render) -> None:
    """Render every report first, then write each (files atomically, stdout last).

    options.color says whether stdout may be coloured; only a table on stdout is.
    """
    texts = []
    for d in destinations:
        color = options.color and d.to_stdout and d.format == "table"
        texts.append((d, render(d.format, result, replace(options, color=color))))
    for d, _ in texts:
        if d.path is not None:
            check_output_path(d.path)
    for d, text in sorted(texts, key=lambda item: item[0].to_stdout):
        write_text(text, d.path)
