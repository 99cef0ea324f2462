"""Start the spanrel web app: ``python launch.py [--db URL] [--host H] [--port P]``.

The Gradio annotation UI is not built yet (it is issue #6). Until it lands this script says so
and exits instead of starting a page that would pretend to work.
"""

from __future__ import annotations

import logging
import sys


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("spanrel").warning(
        "spanrel: the web app is not built yet (issue #6).\n"
        "What works today:\n"
        "  python -m converters convert --from brat --to spert SRC DST   # format conversion\n"
        "  python -m converters validate --format brat SRC               # input checks\n"
        "See README.md."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
