"""Whole-process `apigw-auditor audit` of a 100,000-method REST API snapshot against `json.load` of the same
file (target, issue 21: within 2.5x), through bench_ratio's interleaved measurement.

    python benchmarks/bench_rest.py [--methods 100000] [--functions 20000] [--repeat 5] [--formats json,table]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_rest import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="json,table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rest.json")
        with open(path, "w") as out:
            json.dump(build(args.methods, args.functions), out)
        subprocess.run([sys.executable, str(HERE / "bench_ratio.py"), "--snapshot", path, "--repeat", str(args.repeat),
                        "--formats", args.formats], check=True)


if __name__ == "__main__":
    main()
