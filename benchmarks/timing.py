"""What the benchmark scripts share: best-of-N wall time with the collector settled first; the wall time,
CPU time and peak memory of one child process; whole commands run interleaved (one run of each per
round, so a machine other work keeps busy slows all of them alike) and summarised as min and median.

CPU time (user + system of that child alone, from wait4) is the figure to compare on a loaded machine:
wall time there measures the other processes too. Every report names the machine's core count and
load, so a figure can be read against the machine it was taken on.
"""

import contextlib
import gc
import os
import statistics
import subprocess
import sys
import time


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_run(command: list[str], repeat: int) -> tuple[float, int, str]:
    """(best wall seconds, exit code, stderr) of a whole command run repeat times: one tool against another."""
    times, code, err = [], 0, ""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        code, err = proc.returncode, proc.stderr
    return min(times), code, err


def measure_process(command: list[str], ok=(0, 1), cwd: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, max RSS in MB) of one child process, measured by wait4 for that child
    alone. CPU time (user + system) is the steadier figure on a machine other work keeps busy."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


# What a neighbour on a shared CI runner does to our caches and memory bandwidth: copy 64 MB, over and over.
_NEIGHBOUR = "buf = bytearray(64 << 20)\nwhile True:\n    bytes(buf)\n"


@contextlib.contextmanager
def background_load(processes: int):
    """`processes` busy neighbours for the duration: the measured commands then share the cores, caches and
    memory bandwidth as on a loaded machine (a CPU-time ratio that holds only on a quiet one has no margin)."""
    neighbours = [subprocess.Popen([sys.executable, "-c", _NEIGHBOUR]) for _ in range(processes)]
    try:
        time.sleep(0.5 if processes else 0)  # (started and busy before the first measurement)
        yield
    finally:
        for neighbour in neighbours:
            neighbour.kill()
            neighbour.wait()


def add_load_option(parser) -> None:
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="N busy neighbour processes (each copying 64 MB over and over) during the runs: "
                             "the figures on a loaded machine")


def loaded(load: int) -> str:
    return f"; {load} busy neighbour process(es)" if load else ""


def machine() -> str:
    """The machine a figure was taken on: cores this process may use, all cores, load average."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{usable} usable core(s) of {os.cpu_count()}; load average {load}"


class Runs:
    """Whole commands run interleaved: wall, CPU and max RSS of every run of each."""

    def __init__(self, commands: dict, ok=None, cwd: dict | None = None):
        self.commands = commands
        self.ok = ok or {}
        self.cwd = cwd or {}
        self.wall = {name: [] for name in commands}
        self.cpu = {name: [] for name in commands}
        self.rss = {name: [] for name in commands}

    def run(self, repeat: int) -> "Runs":
        for _ in range(repeat):  # interleaved: one run of each per round
            for name, command in self.commands.items():
                wall, cpu, rss = measure_process(command, self.ok.get(name, (0, 1)), self.cwd.get(name))
                self.wall[name].append(wall)
                self.cpu[name].append(cpu)
                self.rss[name].append(rss)
        return self

    def ratio(self, name: str, base: str, kind: str = "cpu") -> tuple[float, float]:
        """(ratio of the minima, median of the per-round ratios): the pairs ran back to back."""
        mine, theirs = getattr(self, kind)[name], getattr(self, kind)[base]
        return min(mine) / min(theirs), statistics.median(a / b for a, b in zip(mine, theirs))

    def table(self, base: str, label: str = "x base") -> str:
        """One row per command: wall and CPU min/median, each min and per-round median against `base`."""
        width = max(len(name) for name in self.commands)
        rows = [f"{'':{width}} {'wall min':>8} {'median':>7} {'CPU min':>8} {'median':>7} "
                f"{label + ' (min)':>13} {'(median)':>9} {'max RSS MB':>10}"]
        for name in self.commands:
            low, mid = self.ratio(name, base)
            rows.append(f"{name:{width}} {min(self.wall[name]):8.3f} {statistics.median(self.wall[name]):7.3f} "
                        f"{min(self.cpu[name]):8.3f} {statistics.median(self.cpu[name]):7.3f} "
                        f"{low:13.2f} {mid:9.2f} {max(self.rss[name]):10d}")
        return "\n".join(rows)
