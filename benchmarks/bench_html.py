"""The HTML report against the JSON one, as whole processes: at 10,000 routes in 500 small APIs (as
generate.py lays them out) and in one API of 10,000 and 30,000 routes, which must cost about the same
per route (linear), not grow with its square. CPU and wall, min and median, interleaved.

Target (issue 26): HTML within 3x of JSON at 10,000 routes (either layout) and linear beyond. --before DIR runs
another checkout of the tool beside this one (the HTML of one API with 30,000 routes took minutes
before issue 20: give --skip-before-one-api to leave those runs out).

    python benchmarks/bench_html.py [--repeat 5] [--routes 10000,30000] [--before DIR]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--routes", default="10000,30000", help="route counts of the one-API snapshots")
    parser.add_argument("--before", metavar="DIR", help="another checkout of the tool to run beside this one")
    parser.add_argument("--skip-before-one-api", action="store_true")
    add_load_option(parser)
    args = parser.parse_args()
    trees = {"": ROOT} | ({"before ": Path(args.before).resolve()} if args.before else {})
    for tree in trees.values():
        compileall.compile_dir(str(tree / "auditor"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {"10000 routes, 500 APIs": build(10000, 2000)}
        for count in map(int, args.routes.split(",")):
            inputs[f"{count} routes, one API"] = build(count, max(1, count // 5), routes_per_api=count)
        commands, cwd = {}, {}
        for label, document in inputs.items():
            path = os.path.join(tmp, label.replace(" ", "_").replace(",", "") + ".json")
            with open(path, "w") as out:
                json.dump(document, out)
            for prefix, tree in trees.items():
                if prefix and args.skip_before_one_api and "one API" in label:
                    continue
                for fmt in ("json", "html"):
                    name = f"{prefix}{fmt} {label}"
                    commands[name] = [sys.executable, "-m", "auditor", "audit", path, "--format", fmt, "--fail-on",
                                      "never", "--output", os.path.join(tmp, f"out-{prefix.strip()}.{fmt}")]
                    cwd[name] = str(tree)
        with background_load(args.load):
            runs = Runs(commands, cwd=cwd).run(args.repeat)
            where = machine()
        print(f"{args.repeat} interleaved rounds; {where}{loaded(args.load)}")
        print(runs.table(next(iter(commands)), "x first"))
        for prefix in trees:
            for label in inputs:
                html, json_ = f"{prefix}html {label}", f"{prefix}json {label}"
                if html in commands:
                    low, mid = runs.ratio(html, json_)
                    print(f"  {prefix}{label}: html {low:.2f}x json (CPU, min; median {mid:.2f}x)"
                          + (f", target within 3x: margin {(3 / low - 1) * 100:+.0f}%" if label.startswith("10000 ")
                             else ""))
            one = [label for label in inputs if "one API" in label and f"{prefix}html {label}" in commands]
            if len(one) >= 2:
                (a, b) = one[0], one[-1]
                ra, rb = int(a.split()[0]), int(b.split()[0])
                ca, cb = min(runs.cpu[f"{prefix}html {a}"]), min(runs.cpu[f"{prefix}html {b}"])
                print(f"  {prefix}one API, {ra} -> {rb} routes ({rb / ra:.0f}x): html CPU {ca:.2f} -> {cb:.2f} s "
                      f"({cb / ca:.2f}x; linear would be {rb / ra:.0f}x at most)")


if __name__ == "__main__":
    main()
