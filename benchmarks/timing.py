"""What the benchmark scripts share: best-of-N wall time with the collector settled first, and the
wall time, CPU time and peak memory of one child process."""

import gc
import os
import subprocess
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


def measure_process(command: list[str], ok=(0, 1)) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, max RSS in MB) of one child process, measured by wait4 for that child
    alone. CPU time (user + system) is the steadier figure on a machine other work keeps busy."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024
