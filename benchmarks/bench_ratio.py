"""Whole-process cost of `apigw-auditor audit` in every report format against `json.load` of the same
snapshot: wall time and peak memory (max RSS) of each process, runs interleaved so a busy machine
slows all of them alike, minimum of --repeat.

Targets (issue 15): at 100,000 routes `--format json` under 2x json.load and every other format under
2.5x; at 1,000,000 routes json under 2x and peak memory under 1.3x json.load's.

    python benchmarks/bench_ratio.py [--routes 100000] [--functions 20000] [--repeat 7]
                                     [--formats json,table,sarif,...] [--snapshot FILE]
"""

import argparse
import compileall
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import build  # noqa: E402
from timing import measure_process  # noqa: E402

LOAD = "import json, sys; json.load(open(sys.argv[1], 'rb'))"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--formats", default="json,table,sarif,junit,markdown,github")
    parser.add_argument("--snapshot", help="use this snapshot file instead of generating one")
    args = parser.parse_args()
    compileall.compile_dir(str(ROOT / "auditor"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.snapshot
        if path is None:
            path = os.path.join(tmp, "snapshot.json")
            with open(path, "w") as out:
                json.dump(build(args.routes, args.functions), out)
        commands = {"json.load": [sys.executable, "-c", LOAD, path]}
        for name in args.formats.split(","):
            commands[name] = [sys.executable, "-m", "auditor", "audit", path, "--format", name, "--fail-on", "never",
                              "--output", os.path.join(tmp, f"report.{name}")]
        times = {name: [] for name in commands}
        cpu = {name: [] for name in commands}
        memory = {name: [] for name in commands}
        for _ in range(args.repeat):  # interleaved: one run of each per round
            for name, command in commands.items():
                elapsed, seconds, rss = measure_process(command)
                times[name].append(elapsed)
                cpu[name].append(seconds)
                memory[name].append(rss)
        load_time, load_cpu, load_rss = min(times["json.load"]), min(cpu["json.load"]), min(memory["json.load"])
        print(f"{os.path.getsize(path) / 1e6:.1f} MB snapshot; min of {args.repeat} interleaved runs")
        print(f"{'':10} {'wall s':>7} {'x load':>7} {'CPU s':>7} {'x load':>7} {'max RSS MB':>11} {'x load':>7}")
        for name in commands:
            t, c, m = min(times[name]), min(cpu[name]), max(memory[name])
            print(f"{name:10} {t:7.3f} {t / load_time:7.2f} {c:7.3f} {c / load_cpu:7.2f} {m:11d} {m / load_rss:7.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
