"""The measurements of ``bench/load_annotators.py``: log records, latencies, job timings.

Split out of ``bench/load_annotators.py`` to keep what the summary reports about the run
("database is locked" in any log record, latency percentiles, how long each job ran and how
much of it overlapped the edits) apart from the run itself. Imported through
``bench/load_annotators.py``, which re-exports every name.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bench.load_annotators_config import LOCKED


class LockedCounter(logging.Handler):
    """Counts every log record (any logger) by level, and those mentioning a locked database."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.locked: list[str] = []
        self.busy_retries = 0
        self.by_level: Counter = Counter()
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f" {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        except Exception:  # a record that cannot be formatted is still counted
            text = str(record.msg)
        self.by_level[record.levelname] += 1
        if LOCKED in text.lower():
            self.locked.append(f"{record.name}: {text[:300]}")
        if "database busy, retrying" in text:
            self.busy_retries += 1
        if record.levelno >= logging.ERROR and len(self.errors) < 20:
            self.errors.append(f"{record.name}: {text[:300]}")


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return round(ordered[k], 1)


def _latency(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": _pct(values, 50),
        "p95": _pct(values, 95),
        "p99": _pct(values, 99),
        "max": round(max(values), 1) if values else None,
    }


def _spread(values: Sequence[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "min": ordered[0] if ordered else None,
        "median": ordered[len(ordered) // 2] if ordered else None,
        "max": ordered[-1] if ordered else None,
        "total": round(sum(ordered), 1),
    }


def _job_dict(job: Any, window: tuple[datetime, datetime]) -> dict[str, Any]:
    start, end = job.started_at or job.created_at, job.finished_at
    overlap = None
    if start is not None:
        stop = end or window[1]
        overlap = max(0.0, (min(stop, window[1]) - max(start, window[0])).total_seconds())
    return {
        "id": job.id,
        "state": job.state,
        "seconds": round((end - start).total_seconds(), 1) if end and start else None,
        "overlap_with_edits_s": round(overlap, 1) if overlap is not None else None,
        "message": job.message[:200],
        "result": {k: v for k, v in (job.result or {}).items() if not isinstance(v, dict | list)},
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # the store's timestamps are naive UTC
