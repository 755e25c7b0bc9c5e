"""quarry — a small, dependency-free static site generator."""

__version__ = "0.7.2"

from .builder import BuildError, BuildReport, SiteBuilder  # noqa: E402
from .config import Config, ConfigError, load_config  # noqa: E402

__all__ = [
    "BuildError",
    "BuildReport",
    "Config",
    "ConfigError",
    "SiteBuilder",
    "__version__",
    "load_config",
]
