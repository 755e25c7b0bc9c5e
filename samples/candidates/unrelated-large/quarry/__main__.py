"""Allow ``python -m quarry``."""

import sys

from .cli import main

sys.exit(main())
