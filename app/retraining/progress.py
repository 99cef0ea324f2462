"""What a running retraining job says about itself: its progress, message and log line from the
worker's progress events, and the time left.

Why a module of its own: the monitor writes these into the job row and the Model screen reads
the time left back out of the message (``time_left_of``); both sides of that text live here.
"""

from __future__ import annotations

import math
import re
from typing import Any

from db.views import JobInfo


def time_left(elapsed: float, done: float) -> str:
    """ "about N min left" from the time so far and the share done ('' while too early to
    say). Early stopping can end a run sooner: this is what the planned epochs would take."""
    if done < 0.02 or elapsed < 5:
        return ""
    seconds = elapsed * (1.0 - done) / done
    if seconds < 60:
        return "less than a minute left"
    return f"about {math.ceil(seconds / 60)} min left"


_TIME_LEFT = re.compile(r"(about \d+ min|less than a minute) left")


def time_left_of(job: JobInfo) -> str:
    """The time left that ``time_left`` wrote into a running job's message ('' if none)."""
    found = _TIME_LEFT.search(job.message or "")
    return found.group(0) if found else ""


#: the worker's phases after the training loop: (job progress, message)
AFTER_TRAINING: dict[str, tuple[float, str]] = {
    "compare": (0.96, "evaluating the active version on the same dev documents"),
    "calibrate": (0.97, "choosing the suggestion thresholds on the dev documents"),
}


def describe_progress(e: dict[str, Any], elapsed: float) -> tuple[float, str, str | None]:
    """The job's progress, message and log line (None: none) for a worker's ``progress`` event,
    ``elapsed`` seconds after the run started."""
    phase = e.get("phase")
    if phase in AFTER_TRAINING:
        progress, message = AFTER_TRAINING[phase]
        return progress, message, None
    epoch, epochs = int(e.get("epoch") or 1), int(e.get("epochs") or 1)
    step, steps = int(e.get("step") or 0), max(1, int(e.get("steps") or 1))
    done = ((epoch - 1) * steps + step) / (epochs * steps)
    message = f"epoch {epoch}/{epochs} · step {step}/{steps} · loss {float(e['loss']):.4f}"
    left = time_left(elapsed, done)
    if left:
        message += f" · {left}"
    line = None
    if phase == "eval" and e.get("dev_f1") is not None:
        message += f" · dev F1 {100 * float(e['dev_f1']):.1f}"
        line = f"epoch {epoch}/{epochs}: mean loss {float(e['loss']):.4f}, dev F1 " + (
            f"{100 * float(e['dev_f1']):.1f}"
        )
    return 0.95 * done, message, line
