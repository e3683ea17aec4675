"""`python -m tests.fuzz.count N`: how many of N mutated inputs (seeds 0..N-1) break the exit contract."""

import collections
import sys
import tempfile
from pathlib import Path

from tests.fuzz.harness import SNAPSHOTS, TEMPLATES, check_cli_folder, check_one

if __name__ == "__main__":
    total = int(sys.argv[1])
    for group, sources in (("snapshots", SNAPSHOTS), ("templates", TEMPLATES), ("cli-output folders", None)):
        problems = collections.Counter()
        bad = 0
        with tempfile.TemporaryDirectory() as work:
            for seed in range(total):
                folder = Path(work) / str(seed)
                folder.mkdir()
                problem = (check_one(sources[seed % len(sources)], seed, folder) if sources
                           else check_cli_folder(seed, folder))
                if problem:
                    bad += 1
                    problems[problem[:90]] += 1
        print(f"{group}: {bad} of {total} broke the contract")
        for problem, n in problems.most_common(25):
            print(f"  {n:4d}  {problem}")
