"""The launcher's safety checks. An app that annotators reach over a network must not start open
by accident nor take unbounded uploads: ``launch.py --help`` lists its flags (beyond loopback
with no account it asks for a first manager instead of serving open:
tests/security/test_access.py), and the --max-upload-mb limit reaches Gradio, which
refuses a larger upload before anything is stored.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ui.conftest import REPO


def test_launch_help(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SPANREL_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    help_text = subprocess.run(
        [sys.executable, "launch.py", "--help"], cwd=REPO, env=env, capture_output=True, text=True
    ).stdout
    for flag in (
        "--db",
        "--host",
        "--port",
        "--auth",
        "--models-dir",
        "--insecure",
        "--max-upload-mb",
        "--sign-in",
    ):
        assert flag in help_text


def test_uploads_over_the_size_limit_are_refused(serve_app, tmp_path: Path) -> None:
    """``--max-upload-mb`` reaches Gradio: a larger upload is refused before it is stored."""
    import httpx

    served = serve_app(tmp_path, demo_project=False, max_file_size="2kb")
    url = f"{served.url}gradio_api/upload"
    small = httpx.post(url, files={"files": ("a.txt", b"x" * 500)}, timeout=30)
    assert small.status_code == 200, small.text
    big = httpx.post(url, files={"files": ("b.txt", b"x" * 50_000)}, timeout=30)
    assert big.status_code == 413, big.text
