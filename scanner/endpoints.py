"""Default locations, importable without the modules that use them (the CLI's option defaults
must not load httpx, the GitHub client or the results database to print ``--help``)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_API = "https://api.github.com"
NPM_REGISTRY = "https://registry.npmjs.org"
PYPI_URL = "https://pypi.org"
DEFAULT_RESULTS = Path("leaktrace-results.db")
