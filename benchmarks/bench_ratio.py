"""Whole-process cost of `apigw-auditor audit` in every report format against `json.load` of the same
snapshot: wall and CPU time (min and median) and peak memory of each process, runs interleaved so a
busy machine slows all of them alike; CPU time is the figure to trust on a loaded machine.

Targets (issue 26), with margin on a small loaded machine: at 100,000 routes / 20,000 functions
`--format json` under 1.8x json.load and every CI format under 2.2x (CPU, min of --repeat; the
median of the per-round ratios is printed beside it). --before DIR also runs another checkout of
the tool (e.g. `git worktree add /tmp/before <commit>`) on the same snapshot, interleaved, so a
change is measured against where it started on the same machine at the same time. --load N runs N busy
neighbours meanwhile (each copying 64 MB over and over): the figures on a loaded machine.

    python benchmarks/bench_ratio.py [--routes 100000] [--functions 20000] [--repeat 9]
                                     [--formats json,table,sarif,...] [--snapshot FILE] [--before DIR]
                                     [--load N]
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
from timing import Runs, add_load_option, background_load, loaded, machine  # noqa: E402

LOAD = "import json, sys; json.load(open(sys.argv[1], 'rb'))"
CI_FORMATS = "json,table,sarif,junit,markdown,github"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--formats", default=CI_FORMATS)
    parser.add_argument("--snapshot", help="use this snapshot file instead of generating one")
    parser.add_argument("--before", metavar="DIR", help="another checkout of the tool to run beside this one")
    add_load_option(parser)
    args = parser.parse_args()
    trees = {"": ROOT} | ({"before ": Path(args.before).resolve()} if args.before else {})
    for tree in trees.values():
        compileall.compile_dir(str(tree / "auditor"), quiet=1)  # as a wheel installs it
    with tempfile.TemporaryDirectory() as tmp:
        path = args.snapshot and os.path.abspath(args.snapshot)
        if path is None:
            path = os.path.join(tmp, "snapshot.json")
            with open(path, "w") as out:
                json.dump(build(args.routes, args.functions), out)
        commands, cwd = {"json.load": [sys.executable, "-c", LOAD, path]}, {}
        for prefix, tree in trees.items():
            for name in args.formats.split(","):
                label = f"{prefix}{name}"
                commands[label] = [sys.executable, "-m", "auditor", "audit", path, "--format", name, "--fail-on",
                                   "never", "--output", os.path.join(tmp, f"report-{prefix.strip()}.{name}")]
                cwd[label] = str(tree)  # `python -m auditor` imports the tree it runs in
        with background_load(args.load):
            runs = Runs(commands, cwd=cwd).run(args.repeat)
            where = machine()
        print(f"{os.path.getsize(path) / 1e6:.1f} MB snapshot; {args.repeat} interleaved rounds; {where}"
              f"{loaded(args.load)}")
        print(runs.table("json.load", "x load"))
        targets = {"json": 1.8, **{name: 2.2 for name in CI_FORMATS.split(",") if name != "json"}}
        for name in args.formats.split(","):
            if name in targets:
                low, mid = runs.ratio(name, "json.load")
                print(f"  {name}: {low:.2f}x json.load (CPU, min; median {mid:.2f}x), target under {targets[name]}x: "
                      f"margin {(targets[name] / low - 1) * 100:+.0f}% (median {(targets[name] / mid - 1) * 100:+.0f}%)")


if __name__ == "__main__":
    main()
