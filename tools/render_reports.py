"""Render every example in every report format, and its wiring drawings (`graph --format mermaid|dot`),
into reports/ (checked by tests/ci/test_reports_fresh.py).

    python tools/render_reports.py           # (re)write reports/<example>.<extension>
    python tools/render_reports.py --check   # exit 1 and name the stale files, write nothing

Rendering runs from the repository root with repo-relative paths, so the files hold no absolute
path and no timestamp: the same tree always renders the same bytes.
"""

import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.engine import all_rules, run_audit  # noqa: E402
from auditor.inputs import load_inputs  # noqa: E402
from auditor.reports import FORMAT_MODULES  # noqa: E402
from auditor.reports.common import RenderOptions  # noqa: E402
from auditor.reports.dot import dot_document  # noqa: E402
from auditor.reports.mermaid import mermaid_document  # noqa: E402
from auditor.reports.wiring_graph import build_graphs, simulators_for_result  # noqa: E402

DRAWINGS = {"mmd": mermaid_document, "dot": dot_document}  # reports/<example>.wiring.<extension>


def examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.json"))


def rendered() -> dict[Path, str]:
    """reports/<example>.<extension> -> its content, rendered from paths relative to the repo."""
    out = {}
    with contextlib.chdir(ROOT):
        for example in examples():
            relative = example.relative_to(ROOT).as_posix()
            result = run_audit(load_inputs([relative]), all_rules())
            for module in FORMAT_MODULES.values():
                out[ROOT / "reports" / f"{example.stem}.{module.EXTENSION}"] = module.render(result, RenderOptions())
            graphs = build_graphs(result.snapshot, simulators=simulators_for_result(result))
            for extension, draw in DRAWINGS.items():
                out[ROOT / "reports" / f"{example.stem}.wiring.{extension}"] = draw(graphs)
    return out


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
