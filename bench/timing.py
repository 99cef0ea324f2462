"""``timed``: how the bench scripts time a call, as (best, median) seconds.

One helper for every script that reports a call's time this way (``bench/agreement.py``,
``bench/curation.py``), so that their figures in ``bench/RESULTS.md`` are measured alike.
Imported as ``bench.timing``: each script puts the repository root on ``sys.path`` first.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) seconds of ``repeat`` calls, after one call to warm up."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)
