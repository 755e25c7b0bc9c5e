"""Every threshold a verdict depends on, in one typed, frozen object.

Evidence is counted in *private tokens covered*: normalized tokens of private files that lie
inside a shared fragment long enough to count. Percentages alone mislead (a 30-line file that is
all template, against 3 files of a 2,000-file repository copied exactly), so the verdict rests
on absolute token counts, and the score (the fraction of all private tokens found) is reported
beside them, never used alone.

- ``min_fragment_tokens`` (70): a fragment (a run of k-grams shared in order, on one diagonal of
  the two token streams) shorter than this is not evidence. 70 tokens is ~14 lines of Python; the
  winnowing guarantee (k + w - 1 = 31 by default) sits well below it, so every such run is seen.
- ``max_fanout`` (16): a fingerprint found at more than this many places of the private code is a
  private template or idiom, not a fingerprint of any one file; it is ignored.
- ``background_files`` (2): a fingerprint seen in at least this many files of the background
  (unrelated public code learned with ``leaktrace background``) is common code, not evidence.
  Two, not one: a background sampled from public code may itself hold one copy of the leak.
- ``min_distinct_tokens`` (6): a k-gram with fewer distinct token kinds than this is data (a
  table, a list, an enum): after folding, ``{"AUD": 2, "BRL": 2}`` and ``{"or": 1, "and": 2}``
  are the same ``STR : NUM ,`` over and over. About 6 % of the k-grams of real Python fall below
  6 (measured on the standard library), nearly all of them such literals.
- ``review_tokens`` (120): at least this many private tokens covered puts a candidate up for
  review.
- ``derivative_tokens`` (250): at least this many covered private tokens, *and*
- ``derivative_fragment_tokens`` (120): a longest fragment of at least this length, make it a
  derivative. Requiring one long fragment keeps a scatter of short common snippets from adding up
  to a verdict; 120 tokens is ~25 lines of code copied in one piece.

The structural signal (``scanner/structural.py``: functions matched by their calls, constants and
control flow, for copies rewritten so that no token run is left) has its own:

- ``structural_min_events`` (10): functions with fewer events are not compared (a three-line
  getter looks like every other one). The store keeps functions of 6 events and more.
- ``structural_min_shared`` (2) and ``structural_max_fanout`` (1000): the cheap filter. A pair of
  functions is compared only when it shares at least this many features (calls, constants,
  runs of three events) and at least 30 % of the smaller function's, each held by at most
  ``structural_max_fanout`` private functions (more: an idiom such as ``append``).
- ``structural_similarity`` (70): percent of both event sequences that line up, in order or as
  multisets, for a function pair to match.
- ``structural_review_pairs`` (2), ``structural_review_events`` (40) and
  ``structural_review_share`` (50): on structure alone a candidate is up for review when, for
  one private file, at least this many of its functions are matched, lining up at least this
  many of its events and at least this percent of the events of its functions. Independent
  implementations of the same specification match a few functions that the specification
  forces (an HTML escape, a currency check) but not most of a file; a rewrite keeps most of
  them. A structural match alone never makes a ``derivative``: nothing calibrates an
  "overwhelming" bar yet.

The defaults come from a calibration over unrelated code (README, "Calibration"): scanning
1.07 million lines of unrelated Python (Pygments 2.18.0, Werkzeug 3.0.3, Flask 3.0.3, HTTPX 0.27.0
and the CPython 3.11 standard library) against a store of 639,000 lines (SQLAlchemy 2.0.30,
rich 13.7.1, click 8.1.7, Jinja2 3.1.4), the longest unrelated fragment was 85 tokens, and with
fragments of at least 70 tokens no candidate covered more than 85 private tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from scanner.errors import ConfigError


@dataclass(frozen=True)
class Thresholds:
    min_fragment_tokens: int = 70
    max_fanout: int = 16
    background_files: int = 2
    min_distinct_tokens: int = 6
    review_tokens: int = 120
    derivative_tokens: int = 250
    derivative_fragment_tokens: int = 120
    structural_min_events: int = 10
    structural_min_shared: int = 2
    structural_max_fanout: int = 1000
    structural_similarity: int = 70
    structural_review_pairs: int = 2
    structural_review_events: int = 40
    structural_review_share: int = 50
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Where each value came from: "default", a config file path, or "command line"."""

    def __post_init__(self) -> None:
        for name in self.names():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(name, f"must be a whole number of at least 1, got {value!r}")
        if self.review_tokens > self.derivative_tokens:
            raise ConfigError("review_tokens", "must not exceed derivative_tokens")
        for name in ("structural_similarity", "structural_review_share"):
            if getattr(self, name) > 100:
                raise ConfigError(name, "is a percentage: at most 100")
        if self.structural_min_events < 6:
            raise ConfigError("structural_min_events", "the store keeps functions of 6 events")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "origins"]

    def origin(self, name: str) -> str:
        return self.origins.get(name, "default")

    def with_overrides(self, values: Mapping[str, object], source: str) -> Thresholds:
        """A copy with ``values`` applied, each recorded as coming from ``source``."""
        known = set(self.names())
        for key in values:
            if key not in known:
                raise ConfigError(key, f"unknown threshold (known: {', '.join(sorted(known))})")
        converted: dict[str, int] = {}
        for key, value in values.items():
            try:
                converted[key] = int(str(value), 10)
            except ValueError:
                raise ConfigError(key, f"must be a whole number, got {value!r}") from None
        origins = dict(self.origins) | {key: source for key in converted}
        return replace(self, **converted, origins=origins)

    def as_dict(self) -> dict[str, dict[str, object]]:
        return {
            name: {"value": getattr(self, name), "source": self.origin(name)}
            for name in self.names()
        }


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["name=value", ...]`` from the command line into a mapping."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(item, "expected NAME=VALUE")
        out[key.strip().replace("-", "_")] = value.strip()
    return out
