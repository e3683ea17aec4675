"""Time `apigw-auditor audit FILE --format json` (in-process, all rules, report written) against
json.load alone on the same file, at several sizes.

Target (issue 2): a 100,000-route, 20,000-function snapshot audits in under 3x json.load's time.
python benchmarks/bench_audit.py [--sizes 1000:200,10000:2000,100000:20000] [--repeat 3]
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

from auditor.cli import main as cli_main  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000:200,10000:2000,100000:20000", help="routes:functions,...")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'routes':>8} {'functions':>9} {'MB':>6} {'json.load s':>11} {'audit s':>8} {'ratio':>6} {'findings':>8}")
    for size in args.sizes.split(","):
        routes, functions = (int(x) for x in size.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "snapshot.json")
            report = os.path.join(tmp, "report.json")
            with open(path, "w") as out:
                json.dump(build(routes, functions), out)
            megabytes = os.path.getsize(path) / 1e6

            def load_only():
                with open(path, "rb") as handle:
                    json.load(handle)

            def full_audit():
                cli_main(["audit", path, "--format", "json", "--output", report, "--fail-on", "never"])

            baseline = best_of(args.repeat, load_only)
            audit = best_of(args.repeat, full_audit)
            with open(report) as handle:
                findings = json.load(handle)["summary"]["findings"]
            print(f"{routes:>8} {functions:>9} {megabytes:>6.1f} {baseline:>11.3f} {audit:>8.3f} "
                  f"{audit / baseline:>6.2f} {findings:>8}", flush=True)


if __name__ == "__main__":
    main()
