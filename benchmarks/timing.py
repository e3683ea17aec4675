"""What the benchmark scripts share: best-of-N wall time with the collector settled first."""

import gc
import time


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
