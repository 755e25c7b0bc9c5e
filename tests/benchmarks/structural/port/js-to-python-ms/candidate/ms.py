"""Helpers: parse or format a duration in milliseconds (a port of the ms npm package)."""

import json
import math
import re
from decimal import Decimal

s = 1000
m = s * 60
h = m * 60
d = h * 24
w = d * 7
y = d * 365.25

_PATTERN = re.compile(
    r"^(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?"
    r"|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?\Z",
    re.IGNORECASE | re.ASCII,
)


def ms(val, options=None):
    """Parse or format the given `val`.

    Options:

     - `long` verbose formatting [False]

    :param val: str or number
    :param options: dict
    :raises ValueError: if val is not a non-empty string or a number
    :return: str or number
    """
    options = options or {}
    if isinstance(val, str) and len(val) > 0:
        return parse(val)
    if isinstance(val, (int, float)) and not isinstance(val, bool) and math.isfinite(val):
        return fmt_long(val) if options.get("long") else fmt_short(val)
    raise ValueError(
        "val is not a non-empty string or a valid number. val=" + json.dumps(val)
    )


def parse(string):
    """Parse the given `string` and return milliseconds (None when it is not a duration)."""
    string = str(string)
    if len(string) > 100:
        return None
    match = _PATTERN.match(string)
    if not match:
        return None
    n = float(match.group(1))
    unit = (match.group(2) or "ms").lower()
    if unit in ("years", "year", "yrs", "yr", "y"):
        return n * y
    if unit in ("weeks", "week", "w"):
        return n * w
    if unit in ("days", "day", "d"):
        return n * d
    if unit in ("hours", "hour", "hrs", "hr", "h"):
        return n * h
    if unit in ("minutes", "minute", "mins", "min", "m"):
        return n * m
    if unit in ("seconds", "second", "secs", "sec", "s"):
        return n * s
    if unit in ("milliseconds", "millisecond", "msecs", "msec", "ms"):
        return n
    return None


def _round(x):
    """JavaScript's Math.round: halves round up, towards +Infinity."""
    return math.floor(x + 0.5)


def _js_number(x):
    """A number as JavaScript's String(x) writes it (Number::toString)."""
    x = float(x)
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits, exponent = Decimal(repr(abs(x))).as_tuple()[1:]
    text = "".join(map(str, digits)).rstrip("0")
    exponent += len(digits) - len(text)
    k = len(text)
    n = k + exponent
    if k <= n <= 21:
        return sign + text + "0" * (n - k)
    if 0 < n <= 21:
        return sign + text[:n] + "." + text[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + text
    power = f"e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + (text if k == 1 else text[0] + "." + text[1:]) + power


def fmt_short(ms_value):
    """Short format for `ms_value`."""
    ms_abs = abs(ms_value)
    if ms_abs >= d:
        return _js_number(_round(ms_value / d)) + "d"
    if ms_abs >= h:
        return _js_number(_round(ms_value / h)) + "h"
    if ms_abs >= m:
        return _js_number(_round(ms_value / m)) + "m"
    if ms_abs >= s:
        return _js_number(_round(ms_value / s)) + "s"
    return _js_number(ms_value) + "ms"


def fmt_long(ms_value):
    """Long format for `ms_value`."""
    ms_abs = abs(ms_value)
    if ms_abs >= d:
        return plural(ms_value, ms_abs, d, "day")
    if ms_abs >= h:
        return plural(ms_value, ms_abs, h, "hour")
    if ms_abs >= m:
        return plural(ms_value, ms_abs, m, "minute")
    if ms_abs >= s:
        return plural(ms_value, ms_abs, s, "second")
    return _js_number(ms_value) + " ms"


def plural(ms_value, ms_abs, n, name):
    """Pluralization helper."""
    is_plural = ms_abs >= n * 1.5
    return _js_number(_round(ms_value / n)) + " " + name + ("s" if is_plural else "")
