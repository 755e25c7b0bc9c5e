"""Turn raw weather readings into short strings for dashboards and chat bots."""

from __future__ import annotations

_COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
            "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")

# Upper bounds (m/s) of the Beaufort scale, forces 0-11; anything above is 12.
_BEAUFORT = (0.5, 1.6, 3.4, 5.5, 8.0, 10.8, 13.9, 17.2, 20.8, 24.5, 28.5, 32.7)
_BEAUFORT_NAMES = ("calm", "light air", "light breeze", "gentle breeze", "moderate breeze",
                   "fresh breeze", "strong breeze", "near gale", "gale", "strong gale",
                   "storm", "violent storm", "hurricane force")


def compass_point(degrees: float) -> str:
    """Map a bearing in degrees to one of 16 compass points (0 = north)."""
    index = int((degrees % 360) / 22.5 + 0.5) % 16
    return _COMPASS[index]


def format_temperature(celsius: float, unit: str = "C") -> str:
    unit = unit.upper()
    if unit == "C":
        value = celsius
    elif unit == "F":
        value = celsius * 9 / 5 + 32
    elif unit == "K":
        return f"{celsius + 273.15:.1f} K"
    else:
        raise ValueError(f"unknown temperature unit {unit!r}")
    rounded = round(value)
    return f"{0 if rounded == 0 else rounded}°{unit}"  # avoid "-0°C"


def beaufort(speed_ms: float) -> int:
    for force, limit in enumerate(_BEAUFORT):
        if speed_ms < limit:
            return force
    return 12


def format_wind(speed_ms: float, bearing: float | None = None, *, unit: str = "km/h") -> str:
    if speed_ms < 0:
        raise ValueError("wind speed cannot be negative")
    factors = {"m/s": 1.0, "km/h": 3.6, "mph": 2.236936, "kn": 1.943844}
    if unit not in factors:
        raise ValueError(f"unknown wind unit {unit!r}; expected one of {', '.join(factors)}")
    name = _BEAUFORT_NAMES[beaufort(speed_ms)]
    if beaufort(speed_ms) == 0:
        return name.capitalize()
    direction = f" from the {compass_point(bearing)}" if bearing is not None else ""
    return f"{name.capitalize()}, {speed_ms * factors[unit]:.0f} {unit}{direction}"


def describe(reading: dict) -> str:
    """One-line summary of a reading such as ``{"temp_c": 11.4, "wind_ms": 6.2,
    "wind_deg": 250, "condition": "light rain"}``."""
    parts = []
    if reading.get("condition"):
        parts.append(str(reading["condition"]).capitalize())
    if reading.get("temp_c") is not None:
        parts.append(format_temperature(reading["temp_c"], reading.get("unit", "C")))
    if reading.get("wind_ms") is not None:
        wind = format_wind(reading["wind_ms"], reading.get("wind_deg"))
        parts.append(wind[0].lower() + wind[1:])
    return ", ".join(parts) if parts else "No data"
