"""``python -m core_model train|eval|predict``."""

import sys

from .cli import main

sys.exit(main())
