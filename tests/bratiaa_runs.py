"""Running bratiaa (a dev extra) in tests: the reference our agreement figures are checked
against."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def bratiaa_f1(root: Path) -> Any:
    """bratiaa's instance-based F1 over the project at ``root`` (numpy's error settings, which
    bratiaa changes when imported, put back)."""
    import numpy as np

    saved = np.geterr()
    try:
        from bratiaa import compute_f1_agreement

        return compute_f1_agreement(str(root))
    finally:
        np.seterr(**saved)
