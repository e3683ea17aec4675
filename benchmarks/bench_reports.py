"""Time each report format on one audited synthetic snapshot, beside json.load of the same file.

The CI formats (sarif, junit, markdown, github) point each finding at its line, which for snapshot
JSON means indexing the file; this shows what that costs on a big one.
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

from auditor.engine import all_rules, run_audit  # noqa: E402
from auditor.inputs import load_inputs  # noqa: E402
from auditor.reports import FORMAT_MODULES, pointers  # noqa: E402
from auditor.reports.common import RenderOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "snapshot.json")
        with open(path, "w") as out:
            json.dump(build(args.routes, args.functions), out, indent=1)
        size = os.path.getsize(path)
        load = best_of(args.repeat, lambda: json.load(open(path)))
        result = run_audit(load_inputs([path]), all_rules())
        print(f"{args.routes} routes, {args.functions} functions, {size / 1e6:.1f} MB, "
              f"{len(result.findings)} findings; json.load {load:.2f}s")

        def lines():
            pointers._index.cache_clear()
            for finding in result.findings:
                pointers.finding_line(finding)

        t = best_of(args.repeat, lines)
        print(f"  line lookup for every finding: {t:.2f}s ({t / load:.1f}x json.load)")
        for name, module in sorted(FORMAT_MODULES.items()):
            def render(module=module):
                pointers._index.cache_clear()
                module.render(result, RenderOptions())
            t = best_of(args.repeat, render)
            print(f"  {name:9} {t:.2f}s ({t / load:.1f}x json.load)")


if __name__ == "__main__":
    main()
