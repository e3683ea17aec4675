"""Time `apigw-auditor audit FILE --format json` (all rules, report written) against json.load alone
on the same file, at several sizes, two ways:

- in-process: best of --repeat calls of the CLI's main() in this interpreter, against the best of
  --repeat json.load calls. The first call warms the caches (compiled globs, parsed ARNs) that a
  long-lived process would have; the figure is the audit's own work.
- fresh process: best of --repeat runs of `python -m auditor audit ...` in a new interpreter,
  against `python -c "json.load(...)"` in one; both include interpreter start-up, and the audit
  also its imports and cold caches: what a user at the prompt waits for. The package's bytecode is
  compiled first, as installing the wheel does.

Target (issue 2): a 100,000-route, 20,000-function snapshot audits in under 3x json.load's time.
python benchmarks/bench_audit.py [--sizes 1000:200,10000:2000,100000:20000] [--repeat 5]
"""

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import build  # noqa: E402
from timing import best_of  # noqa: E402

from auditor.cli import main as cli_main  # noqa: E402


def best_process(repeat: int, command: list[str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000:200,10000:2000,100000:20000", help="routes:functions,...")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compileall.compile_dir(str(ROOT / "auditor"), quiet=1)
    print(f"{'':27} {'in-process':^26} {'fresh process':^26}")
    print(f"{'routes':>8} {'functions':>9} {'MB':>6}  {'load s':>7} {'audit s':>7} {'ratio':>6}   "
          f"{'load s':>7} {'audit s':>7} {'ratio':>6}  {'findings':>8}")
    for size in args.sizes.split(","):
        routes, functions = (int(x) for x in size.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "snapshot.json")
            report = os.path.join(tmp, "report.json")
            with open(path, "w") as out:
                json.dump(build(routes, functions), out)
            megabytes = os.path.getsize(path) / 1e6
            audit_args = ["audit", path, "--format", "json", "--output", report, "--fail-on", "never"]

            def load_only():
                with open(path, "rb") as handle:
                    json.load(handle)

            load = best_of(args.repeat, load_only)
            audit = best_of(args.repeat, lambda: cli_main(audit_args))
            fresh_load = best_process(args.repeat, [sys.executable, "-c",
                                                    "import json, sys; json.load(open(sys.argv[1], 'rb'))", path])
            fresh_audit = best_process(args.repeat, [sys.executable, "-m", "auditor", *audit_args])
            with open(report) as handle:
                findings = json.load(handle)["summary"]["findings"]
            print(f"{routes:>8} {functions:>9} {megabytes:>6.1f}  {load:>7.3f} {audit:>7.3f} {audit / load:>6.2f}   "
                  f"{fresh_load:>7.3f} {fresh_audit:>7.3f} {fresh_audit / fresh_load:>6.2f}  {findings:>8}", flush=True)


if __name__ == "__main__":
    main()
