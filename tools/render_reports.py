"""Render every example in every report format, and its wiring drawings (`graph --format mermaid|dot`),
into reports/ (checked by tests/ci/test_reports_fresh.py against the installed CLI's own output).
Each file is exactly what `apigw-auditor audit examples/<x>.json --format <format>` prints.

    python tools/render_reports.py           # (re)write reports/<example>.<extension>
    python tools/render_reports.py --check   # exit 1 and name the stale files, write nothing

Rendering runs from the repository root with repo-relative paths, so the files hold no absolute
path and no timestamp: the same tree always renders the same bytes.
"""

import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.cli import main as cli  # noqa: E402
from auditor.reports import FORMAT_MODULES  # noqa: E402

DRAWINGS = {"mmd": "mermaid", "dot": "dot"}  # reports/<example>.wiring.<extension>: `graph --format FORMAT`


def examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.json"))


def commands() -> dict[Path, list[str]]:
    """reports/<file> -> the command line (after `apigw-auditor`) whose stdout it is."""
    out = {}
    for example in examples():
        relative = example.relative_to(ROOT).as_posix()
        for name, module in FORMAT_MODULES.items():
            out[ROOT / "reports" / f"{example.stem}.{module.EXTENSION}"] = ["audit", relative, "--format", name]
        for extension, name in DRAWINGS.items():
            out[ROOT / "reports" / f"{example.stem}.wiring.{extension}"] = ["graph", relative, "--format", name]
    return out


def run_cli(argv: list[str]) -> str:
    """What `apigw-auditor ARGV` prints on stdout, run from the repository root: the CLI's own code path
    (the remediation step, the terminal net, everything), in a file-like context (no COLUMNS, no colour)."""
    stdout = io.StringIO()
    columns = os.environ.pop("COLUMNS", None)
    try:
        with contextlib.chdir(ROOT), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
            code = cli(argv)
    finally:
        if columns is not None:
            os.environ["COLUMNS"] = columns
    if code not in (0, 1):
        raise SystemExit(f"apigw-auditor {' '.join(argv)} exited {code}")
    return stdout.getvalue()


def rendered() -> dict[Path, str]:
    """reports/<example>.<extension> -> its content: `apigw-auditor audit <example> --format X` (and `graph`)."""
    return {path: run_cli(argv) for path, argv in commands().items()}


def stale() -> list[Path]:
    """The report files that are missing or differ from what the examples render today."""
    return [path for path, text in rendered().items()
            if not path.is_file() or path.read_bytes() != text.encode("utf-8")]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--check"]:
        paths = stale()
        for path in paths:
            print(f"stale: {path.relative_to(ROOT)}")
        if paths:
            print("run: python tools/render_reports.py")
        return 1 if paths else 0
    if argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    (ROOT / "reports").mkdir(exist_ok=True)
    for path, text in rendered().items():
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
