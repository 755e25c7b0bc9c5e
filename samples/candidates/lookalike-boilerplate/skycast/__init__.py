"""skycast: human-friendly formatting for weather readings."""

from .format import compass_point, describe, format_temperature, format_wind

__version__ = "0.1.4"

__all__ = ["compass_point", "describe", "format_temperature", "format_wind", "__version__"]
