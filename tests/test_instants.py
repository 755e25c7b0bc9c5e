"""One helper writes instants as comparable UTC text for both sides: registry publication times
(``scanner.sources.answers``) and the dates ``fingerprints.direction`` weighs. Years below 1000
keep four digits (``strftime`` wrote ``999``, which sorts after ``2026``), and the years 1 and
9999 round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fingerprints import (
    HOLDS_PRIVATE_CODE,
    PUBLIC,
    Dates,
    Overlap,
    RepoOverlap,
    iso_utc_text,
    utc_text,
)
from fingerprints.direction import date_evidence
from fingerprints.instants import second_key
from scanner.sources.answers import npm_versions_by_time


@pytest.mark.parametrize(
    "moment",
    [datetime(999, 6, 1, 12, 30, 5, 250, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC),
     datetime(1, 1, 1, 23, 59, 59, 999999, tzinfo=UTC),
     datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
     datetime(2026, 12, 2, 4, 0, tzinfo=timezone(timedelta(hours=-5)))],
)  # fmt: skip
def test_years_999_and_1_round_trip(moment):
    text = utc_text(moment)
    assert len(text) == len("0001-01-01T00:00:00.000000Z") and text.endswith("Z")
    assert datetime.fromisoformat(text) == moment  # the same instant back
    assert iso_utc_text(text) == text == iso_utc_text(moment.isoformat())


def test_the_texts_sort_as_the_times_do():
    moments = [datetime(1, 1, 1, tzinfo=UTC), datetime(999, 1, 1, tzinfo=UTC),
               datetime(1000, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]  # fmt: skip
    texts = [utc_text(m) for m in moments]
    assert texts == sorted(texts)
    assert texts[1] == "0999-01-01T00:00:00.000000Z"


def test_scanner_and_fingerprints_use_the_one_helper():
    assert iso_utc_text("0999-01-01T00:00:00") == "0999-01-01T00:00:00.000000Z"  # no zone: UTC
    for outside in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday"):
        assert iso_utc_text(outside) is None
    dated, undated = npm_versions_by_time({"time": {"1.0.0": "0999-01-01T00:00:00Z",
                                           "2.0.0": "2026-01-01T00:00:00+02:00"},
                                  "versions": {"1.0.0": {}, "2.0.0": {}}}, "packument")  # fmt: skip
    assert dated == [("0999-01-01T00:00:00.000000Z", "1.0.0"),
                     ("2025-12-31T22:00:00.000000Z", "2.0.0")] and undated == []  # fmt: skip


def _overlap(first_commit: str) -> Overlap:
    repo = RepoOverlap("ledger", 1000, 100, 1, 10, "", first_commit, 1)
    return Overlap(5000, 100, 20, 1, (repo,))


def _decided(first_commit: str, published: str) -> str:
    """The direction one private repository's first commit and a publication time give."""
    return date_evidence(_overlap(first_commit), Dates(published=published))[0]


def test_direction_weighs_a_year_999_publication_as_before_a_2020_commit():
    """The direction wrote year 999 as ``999``: published in 999 looked later than a 2020
    commit (and the commit earlier than the package): called ``holds-private-code``."""
    assert _decided("2020-01-01T10:00:00+00:00", "0999-06-01T00:00:00Z") == PUBLIC
    assert _decided("0999-01-01T10:00:00+00:00", "2020-06-01T00:00:00Z") == HOLDS_PRIVATE_CODE


def test_direction_does_not_crash_on_a_time_outside_the_years():
    """Year 1 before UTC raised OverflowError in the direction; it is compared as its text."""
    assert _decided("2020-01-01T10:00:00+00:00", "0001-01-01T00:30:00+01:00") == PUBLIC


def test_direction_compares_to_the_second():
    """Git dates have whole seconds: a package published half a second into the commit's
    second is not evidence that the private side committed first."""
    assert _decided("2020-01-01T00:00:00+00:00", "2020-01-01T00:00:00.500Z") == PUBLIC
    assert _decided("0999-01-01T00:00:00+00:00", "0999-01-01T00:00:00.999Z") == PUBLIC
    assert second_key("0999-01-01T00:00:00.999+00:00") == "0999-01-01T00:00:00Z"
    assert second_key("not a time") == "not a time"


def test_the_first_commit_is_the_earliest_instant_not_the_smallest_text():
    """``06:00-01:00`` (07:00Z) sorts before ``10:00+05:00`` (05:00Z) as text; the earliest
    commit is the second, before a 06:00Z publication."""
    firsts = ["2020-01-01T06:00:00-01:00", "2020-01-01T10:00:00+05:00"]
    repos = tuple(RepoOverlap(f"r{i}", 1000, 100, 1, 10, "", d, 1) for i, d in enumerate(firsts))
    decision, said = date_evidence(Overlap(5000, 200, 20, 2, repos),
                                   Dates(published="2020-01-01T06:00:00Z"))  # fmt: skip
    assert decision == HOLDS_PRIVATE_CODE, said
    assert min(firsts, key=second_key) == firsts[1]
