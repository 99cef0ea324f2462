"""The benchmark scripts under ``bench/`` as modules, for tests that reuse their pieces.

``bench/`` is not a package (its scripts run by hand, by path), so a test loads a script from
its file; registered in ``sys.modules`` first because dataclasses look their module up while
being built.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_bench(script: str) -> ModuleType:
    """``bench/<script>.py`` loaded as the module ``bench_<script>``."""
    spec = importlib.util.spec_from_file_location(f"bench_{script}", BENCH / f"{script}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
