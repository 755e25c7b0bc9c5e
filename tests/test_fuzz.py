"""Fuzzing, fast enough for CI (issue 11): the normalizer on arbitrary and mutated bytes in every
language, the carrier reader on mutated archives and notebooks, the source-map reader on
mutated maps, and every report writer on hostile names; plus every saved failing input of the
long mode (``tests/benchmarks/fuzz_long.py``) replayed. The targets live in ``tests.fuzzing``.

The examples are derandomized: CI sees the same inputs every run, and new ones come from the
long mode, which saves what fails into ``tests/fuzz_seeds/``.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fingerprints import LANGUAGES, ParseLimits, isolation
from tests import fuzzing

FAST = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REPLAY_LIMITS = ParseLimits(seconds=2)

integers = st.integers(min_value=0, max_value=2**20)
byte_ops = st.lists(st.tuples(integers, integers, integers, integers), max_size=8)
json_ops = st.lists(st.tuples(integers, integers, integers, integers), min_size=1, max_size=5)


@pytest.fixture(scope="module", autouse=True)
def parsers():
    yield
    isolation.close_parsers()


@pytest.mark.parametrize("language", LANGUAGES)
@settings(FAST, max_examples=25)
@given(data=st.one_of(st.binary(max_size=600), byte_ops))
def test_the_normalizer_returns_on_any_bytes(language, data):
    if isinstance(data, list):  # mutations of real code in the language
        data = fuzzing.mutate_bytes(fuzzing.CODE[language], data)
    fuzzing.check_normalize(data, "f" + fuzzing.SUFFIX[language])


_CARRIERS = fuzzing.carrier_seeds()


@settings(FAST, max_examples=120)
@given(name=st.sampled_from(sorted(_CARRIERS)), ops=byte_ops)
def test_the_carrier_reader_on_mutated_archives(name, ops):
    fuzzing.check_carriers(fuzzing.mutate_bytes(_CARRIERS[name], ops), name)


@settings(FAST, max_examples=100)
@given(ops=json_ops)
def test_the_carrier_reader_on_mutated_notebooks(ops):
    fuzzing.check_carriers(fuzzing.mutate_json(fuzzing.notebook(), ops), "report.ipynb")


@settings(FAST, max_examples=120)
@given(indexed=st.booleans(), ops=json_ops, raw=byte_ops)
def test_the_source_map_reader_on_mutated_maps(indexed, ops, raw):
    data = fuzzing.indexed_map() if indexed else fuzzing.source_map()
    data = fuzzing.mutate_json(data, ops)
    fuzzing.check_sourcemap(data)
    fuzzing.check_sourcemap(fuzzing.mutate_bytes(data, raw))


hostile_text = st.lists(
    st.one_of(st.sampled_from(fuzzing.HOSTILE), st.text(max_size=4)), min_size=1, max_size=6
).map("".join)


@settings(FAST, max_examples=40)
@given(strings=st.lists(hostile_text, min_size=1, max_size=12))
def test_report_writers_on_hostile_names(strings):
    fuzzing.check_reports_against(fuzzing.base_report(), strings)


def test_every_hostile_piece_at_once():
    fuzzing.check_reports_against(fuzzing.base_report(), ["".join(fuzzing.HOSTILE)])
    fuzzing.check_reports_against(fuzzing.base_report(), fuzzing.HOSTILE)


@pytest.mark.parametrize(
    ("target", "path"),
    fuzzing.saved_seeds(),
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_saved_inputs_replay(target, path):
    if target == "normalize":  # some are saved for hanging the parser: a shorter limit will do
        fuzzing.check_normalize(path.read_bytes(), fuzzing.seed_name(path), REPLAY_LIMITS)
    else:
        fuzzing.CHECKS[target](path.read_bytes(), fuzzing.seed_name(path))


def test_seed_folders_hold_only_known_targets():
    folders = {p.name for p in fuzzing.SEEDS.iterdir() if p.is_dir()}
    assert folders <= set(fuzzing.TARGETS)
    for target, path in fuzzing.saved_seeds():
        if target == "normalize":
            assert fuzzing.language_for_path(fuzzing.seed_name(path)), path
        if target == "reports":
            assert isinstance(json.loads(path.read_bytes()), list), path
