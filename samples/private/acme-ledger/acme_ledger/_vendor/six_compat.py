# -*- coding: utf-8 -*-
# Vendored from compatkit 1.2.0 (https://pypi.org/project/compatkit/), MIT License.
# Subset of the six-style helpers still used by the legacy CSV importer.
# Do not edit by hand; re-vendor with scripts/vendor.sh or delete once the
# importer is retired.
"""Tiny Python 2/3 text and bytes helpers."""

import sys

__version__ = "1.2.0"

PY3 = sys.version_info >= (3,)

if PY3:
    text_type = str
    binary_type = bytes
    string_types = (str,)
    integer_types = (int,)
else:  # pragma: no cover - py2 only
    text_type = unicode  # noqa: F821
    binary_type = str
    string_types = (basestring,)  # noqa: F821
    integer_types = (int, long)  # noqa: F821


def to_text(value, encoding="utf-8", errors="strict"):
    """Return ``value`` as text, decoding bytes with ``encoding``."""
    if isinstance(value, text_type):
        return value
    if isinstance(value, (binary_type, bytearray)):
        return bytes(value).decode(encoding, errors)
    raise TypeError("to_text() expected bytes or text, got %s" % type(value).__name__)


def to_bytes(value, encoding="utf-8", errors="strict"):
    """Return ``value`` as bytes, encoding text with ``encoding``."""
    if isinstance(value, binary_type):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, text_type):
        return value.encode(encoding, errors)
    raise TypeError("to_bytes() expected bytes or text, got %s" % type(value).__name__)


def items(mapping):
    """Iterate over (key, value) pairs without building a list on py2."""
    getter = getattr(mapping, "iteritems", None) or mapping.items
    return iter(getter())


def is_string(value):
    return isinstance(value, string_types)
