"""Entry point for ``python -m db`` (see ``db.cli``)."""

import sys

from db.cli import main

sys.exit(main())
