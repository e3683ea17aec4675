"""Time each report format on one audited synthetic snapshot, and what it costs beyond `--format json`.

The snapshot is written twice: compact (one line, as `json.dump` writes it and bench_ratio.py measures)
and indented (as `apigw-auditor snapshot` writes it). The CI formats point each finding at its line,
which for snapshot JSON means indexing the file; a compact file is one line, so that costs one look
for a line break, while an indented one is split by msgspec along the findings' paths. Each render
starts cold: the line index and the per-file caches are emptied first.

Target (issue 15): every format's extra over json at most ~0.10 s at 100,000 routes.

python benchmarks/bench_reports.py [--routes 100000] [--functions 20000] [--repeat 3]
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import build  # noqa: E402
from timing import best_of  # noqa: E402

from auditor.cli import build_parser  # noqa: E402
from auditor.commands.audit import audit  # noqa: E402
from auditor.reports import FORMAT_MODULES, pointers, sarif  # noqa: E402
from auditor.reports.common import RenderOptions  # noqa: E402


def _cold() -> None:
    for cache in (pointers._index, pointers._display_path, pointers._absolute, sarif._artifact_location):
        cache.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="json,table,sarif,junit,markdown,github",
                        help="comma-separated (html: see bench_html.py for it as a whole process)")
    args = parser.parse_args()
    formats = ["json", *(name for name in args.formats.split(",") if name != "json")]
    document = build(args.routes, args.functions)
    with tempfile.TemporaryDirectory() as folder:
        for layout, indent in (("compact", None), ("indented", 2)):
            path = os.path.join(folder, f"snapshot-{layout}.json")
            with open(path, "w") as out:
                json.dump(document, out, indent=indent)
            load = best_of(args.repeat, lambda: json.load(open(path)))
            result = audit(build_parser().parse_args(["audit", path]))  # as the command builds it
            print(f"{layout}: {args.routes} routes, {args.functions} functions, {os.path.getsize(path) / 1e6:.1f} MB, "
                  f"{len(result.findings)} findings; json.load {load:.2f}s")

            def lines():
                _cold()
                for finding in result.findings:
                    pointers.finding_line(finding)

            print(f"  line of every finding: {best_of(args.repeat, lines):.3f}s")
            times = {}
            for name in formats:
                def render(module=FORMAT_MODULES[name]):
                    _cold()
                    module.render(result, RenderOptions())
                times[name] = best_of(args.repeat, render)
            for name, seconds in times.items():
                print(f"  {name:9} {seconds:.3f}s  extra over json {seconds - times['json']:+.3f}s")


if __name__ == "__main__":
    main()
