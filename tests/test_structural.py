"""The structural second signal: a copy rewritten so that no token run is left is found by its
functions' calls, constants and control flow (``review``, with the function pairs in the JSON),
while an independent implementation of the same API stays ``clear``.

The private module is a real one, the Python standard library's ``textwrap.py`` (whatever
version runs the tests); the rewrite is done by ``tests/rewriting.py`` with ``ast`` (renames,
swapped branches, ``for`` as ``while``, comprehensions, reordered functions, no docstrings), and
checked to behave like the original; the unrelated project is the samples' ``unrelated-large``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import textwrap
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from fingerprints import DamagedStoreError, Structure, open_store, tokenize
from fingerprints.languages import load_language
from fingerprints.structure import CONTROL_CODES, LOCAL, LOOP
from scanner import FingerprintIndex, structural
from scanner.cli import app
from scanner.index_file import IndexFile, index_path
from scanner.matcher import PublicLines
from scanner.structural import Excluded, StructureIndex, features, match_structure, similarity
from scanner.thresholds import Thresholds
from tests.conftest import SAMPLES
from tests.rewriting import rewrite

runner = CliRunner()
PRIVATE_MODULE = Path(textwrap.__file__)
INDEPENDENT = Path(__file__).parent / "data" / "structural" / "textfmt.py"
HOST = SAMPLES / "candidates" / "unrelated-large"
TEXT = 3 * (
    "Structural signals survive renaming: a rewrite keeps the calls, the constants and the "
    "shape of the control flow of every function it rewrites.\n\n  Indented   text\n"
    "\twith tabs and a verylongwordthatdoesnotfitonanylineatallwhateverthewidth. "
)


def _load(path: Path, name: str):  # a module
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store of the samples' private repository and a private tree holding textwrap.py."""
    root = tmp_path_factory.mktemp("structural")
    private = root / "toolkit"
    (private / "toolkit").mkdir(parents=True)
    shutil.copy(PRIVATE_MODULE, private / "toolkit" / "textwrap.py")
    path = root / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(SAMPLES / "private" / "acme-ledger"),
                               str(private), "--store", str(path), "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    return path


def _candidate(tmp_path: Path, name: str, source: str) -> Path:
    """The unrelated project with one more module, ``quarry/<name>``."""
    target = tmp_path / "project"
    shutil.copytree(HOST, target)
    (target / "quarry" / name).write_text(source)
    return target


def _scan(store: Path, target: Path, tmp_path: Path) -> dict:
    report = tmp_path / "report.json"
    results = str(tmp_path / "results.db")
    done = runner.invoke(app, ["scan", str(target), "--store", str(store), "--json", str(report),
                               "--results", results, "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output  # review and clear both exit 0
    data = json.loads(report.read_text())
    schema = json.loads(
        resources.files("scanner.schemas").joinpath("report-1.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(data)
    [candidate] = data["candidates"]
    return candidate


def test_a_rewritten_module_in_an_unrelated_project_is_review_with_its_function_pairs(
    store, tmp_path
):
    source = PRIVATE_MODULE.read_text()
    rewritten = rewrite(source)
    # it is a rewrite: behaves the same, shares no name of a private helper, no docstring
    module = _load(_candidate(tmp_path / "check", "wrapping.py", rewritten) / "quarry" /
                   "wrapping.py", "rewritten_textwrap")  # fmt: skip
    for width in (12, 30, 71):
        assert module.wrap(TEXT, width) == textwrap.wrap(TEXT, width)
        assert module.fill(TEXT, width, max_lines=3) == textwrap.fill(TEXT, width, max_lines=3)
        assert module.shorten(TEXT, width + 10) == textwrap.shorten(TEXT, width + 10)
    assert module.dedent(TEXT) == textwrap.dedent(TEXT)
    assert module.indent(TEXT, "> ") == textwrap.indent(TEXT, "> ")
    assert "_munge_whitespace" in source and "_munge_whitespace" not in rewritten
    assert '"""' in source and '"""' not in rewritten

    candidate = _scan(store, _candidate(tmp_path, "wrapping.py", rewritten), tmp_path)
    assert candidate["verdict"] == "review"
    assert candidate["matched_tokens"] < 120  # the tokens alone find nothing to review
    assert candidate["reasons"][0].startswith("found after rewriting")
    structural = candidate["structural"]
    best = structural["files"][0]
    assert (best["private_repo"], best["private_path"]) == ("toolkit", "toolkit/textwrap.py")
    assert best["share"] >= 50 and best["pairs"] >= 2
    pairs = [f for f in structural["functions"] if f["private_path"] == "toolkit/textwrap.py"]
    assert len(pairs) == best["pairs"] >= 4
    lines = source.splitlines()
    for pair in pairs:
        assert pair["candidate_path"] == "quarry/wrapping.py"
        assert pair["similarity"] >= 0.7
        first = pair["private_lines"][0]
        assert lines[first - 1].lstrip().startswith("def ")  # a private function's lines
        assert 1 <= pair["candidate_lines"][0] <= pair["candidate_lines"][1]
        assert pair["shared"]["calls"] + pair["shared"]["constants"] >= 2
    # what a pair shares is named as the candidate writes it (public text)
    named = {name for pair in pairs for name in pair["shared"]["call_names"]}
    assert {"join", "append"} <= named
    checks = {c["name"]: c for c in candidate["checks"]}
    assert checks["structural_review_share"]["passed"] and not checks["review_tokens"]["passed"]


def test_an_independent_implementation_of_the_same_api_is_clear(store, tmp_path):
    independent = _load(INDEPENDENT, "independent_textwrap")
    plain = " ".join(w for w in TEXT.split() if len(w) < 12)  # the same API, same results
    for width in (12, 30, 71):
        assert independent.wrap(plain, width) == textwrap.wrap(plain, width)
    assert independent.dedent(TEXT) == textwrap.dedent(TEXT)
    assert independent.indent(TEXT, "> ") == textwrap.indent(TEXT, "> ")
    candidate = _scan(store, _candidate(tmp_path, "textfmt.py", INDEPENDENT.read_text()),
                      tmp_path)  # fmt: skip
    assert candidate["verdict"] == "clear", candidate["reasons"]
    assert not any(f["share"] >= 50 for f in candidate["structural"]["files"])


def test_events_are_language_neutral_and_renaming_proof():
    python = b"def f(items, limit):\n    total = 0\n    for x in items:\n" \
             b"        if x > limit:\n            raise ValueError('too big')\n" \
             b"        total += helper(x)\n    return total.to_bytes(4)\n\n" \
             b"def helper(v):\n    return v * 2\n"  # fmt: skip
    javascript = b"function g(list, max) {\n  let sum = 0;\n  for (const y of list) {\n" \
                 b"    if (y > max) {\n      throw new ValueError('too big');\n    }\n" \
                 b"    sum += twice(y);\n  }\n  return sum.toBytes(4);\n}\n" \
                 b"function twice(w) { return w * 2 }\n"  # fmt: skip
    py = tokenize(python, load_language("python")).structure
    js = tokenize(javascript, load_language("javascript")).structure
    assert len(py) == len(js) == 1  # helper and twice are too small to be functions of their own
    assert py.events.tolist() == js.events.tolist()
    assert py.events[0] != LOOP and LOOP in py.events.tolist()
    assert LOCAL in py.events.tolist()  # the call to the file's own helper, whatever its name
    assert (py.events >= CONTROL_CODES).sum() >= 4  # 0, too big, to_bytes, 4 (and ValueError)


def test_stored_structures_round_trip_and_damage_is_named(store, tmp_path):
    with open_store(store, read_only=True) as opened:
        stored = dict(opened.structures({1, 2, 3}))
    blob = next(b for b in stored.values() if b and len(b) > 5)
    structure = Structure.from_bytes(blob)
    assert Structure.from_bytes(structure.to_bytes()).events.tolist() == structure.events.tolist()
    with pytest.raises(ValueError):
        Structure.from_bytes(blob[:-3])
    damaged = tmp_path / "damaged.db"
    shutil.copy(store, damaged)
    con = sqlite3.connect(damaged)
    con.execute("UPDATE files SET structure = x'01ffffffff' WHERE id = 1")
    con.commit()
    con.close()
    opened = open_store(damaged, read_only=True)
    try:
        with pytest.raises(DamagedStoreError, match="structure"):
            FingerprintIndex.in_memory(opened)
    finally:
        opened.close()


def test_a_schema_6_store_keeps_working_and_gets_structures_when_fingerprinted_again(tmp_path):
    private, path = _fingerprinted_module(tmp_path)
    # make it a schema 6 store, as the previous leaktrace left it: no structure column
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER files_update_generation")
    con.execute("ALTER TABLE files DROP COLUMN structure")
    bump = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
    columns = "repo_id, path, language, sha256, tokens, lines, fingerprints, boilerplate"
    con.execute(f"CREATE TRIGGER files_update_generation AFTER UPDATE OF {columns} ON files"
                f" BEGIN {bump}; END")  # fmt: skip
    con.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    index_path(path).unlink()
    target = _candidate(tmp_path, "wrapping.py", rewrite(PRIVATE_MODULE.read_text()))
    with open_store(path) as store:  # migrated: the files have no structure yet
        assert dict(store.structures({1})) == {1: None}
        before = store.stamp()
    candidate = _scan(path, target, tmp_path)
    assert candidate["verdict"] == "clear" and candidate["structural"]["pairs"] == 0
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(path), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    assert "1 file(s) fingerprinted, 0 unchanged" in done.output  # unchanged, but redone
    with open_store(path, read_only=True) as store:
        assert store.stamp()[1] > before[1]  # the new column bumps the generation
        assert IndexFile.open(index_path(path)).matches(store.stamp(), store.params.identity())
        assert np.asarray(IndexFile.open(index_path(path)).arrays["struct_sizes"]).shape[0] > 4
    assert _scan(path, target, tmp_path)["verdict"] == "review"


def test_a_fork_of_the_companys_public_code_is_no_structural_evidence(tmp_path):
    """The company published a rewritten textwrap (``--public``); a project holding that public
    version is a fork of public code, not a rewritten copy of the private one."""
    private, public = tmp_path / "toolkit", tmp_path / "published"
    private.mkdir()
    public.mkdir()
    shutil.copy(PRIVATE_MODULE, private / "textwrap.py")
    rewritten = rewrite(PRIVATE_MODULE.read_text())
    (public / "wrapping.py").write_text(rewritten)
    path = tmp_path / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(private), "--public", str(public),
                               "--store", str(path), "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    candidate = _scan(path, _candidate(tmp_path, "wrapping.py", rewritten), tmp_path)
    assert candidate["verdict"] == "clear", candidate["reasons"]
    assert candidate["structural"]["pairs"] == 0


SPLIT_PRIVATE = """\
import re


def parse_header(text, strict):
    fields = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            if strict:
                raise ValueError(line)
            continue
        key = key.strip().lower()
        if key in fields:
            fields[key] = fields[key] + "," + value.strip()
        else:
            fields[key] = value.strip()
    size = int(fields.get("content-length", "0"))
    if size < 0 or size > 65536:
        raise OverflowError(size)
    kind = fields.get("content-type", "text/plain").split(";")[0]
    if not re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", kind):
        raise TypeError(kind)
    return fields, size, kind


def render(items, width):
    out = []
    for name, value in sorted(items.items()):
        label = name.title().ljust(width)
        if isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        out.append(f"{label}: {value}")
    return "\\n".join(out) + "\\n"
"""

SPLIT_CANDIDATE = """\
import re


def format_fields(mapping, pad):
    lines = []
    for key, val in sorted(mapping.items()):
        head = key.title().ljust(pad)
        if isinstance(val, (list, tuple)):
            val = ", ".join(map(str, val))
        lines.append(f"{head}: {val}")
    return "\\n".join(lines) + "\\n"


def collect_fields(blob, pedantic):
    result = {}
    for row in blob.splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        name, colon, rest = row.partition(":")
        if not colon:
            if pedantic:
                raise ValueError(row)
            continue
        name = name.strip().lower()
        if name in result:
            result[name] = result[name] + "," + rest.strip()
        else:
            result[name] = rest.strip()
    return result


def read_headers(blob, pedantic=False):
    result = collect_fields(blob, pedantic)
    length = int(result.get("content-length", "0"))
    if length < 0 or length > 65536:
        raise OverflowError(length)
    mime = result.get("content-type", "text/plain").split(";")[0]
    if not re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", mime):
        raise TypeError(mime)
    return result, length, mime
"""


def _structure(source: str, language: str = "python") -> Structure:
    return tokenize(source.encode(), load_language(language)).structure


def test_a_function_split_into_helpers_is_matched_by_its_pieces_joined(monkeypatch):
    private = StructureIndex.build([_structure(SPLIT_PRIVATE)])
    candidate = _structure(SPLIT_CANDIDATE)  # render renamed, parse_header split in two
    pairs, _ = match_structure(candidate, private, Thresholds())
    by_private = {p.private_lines: p for p in pairs}
    assert set(by_private) == {(4, 25), (28, 35)}
    split, whole = by_private[(4, 25)], by_private[(28, 35)]
    assert whole.candidate_functions == 1 and whole.candidate_lines == (4, 11)
    assert split.candidate_functions == 2 and split.candidate_lines == (14, 40)
    assert split.similarity >= 0.7 and split.events[0] > split.events[1] / 2
    # the pieces published by the company (--public): public code, no evidence
    public = StructureIndex.build(
        [_structure(SPLIT_CANDIDATE[SPLIT_CANDIDATE.index("def coll") :])]
    )
    forked, _ = match_structure(candidate, private, Thresholds(), public=public)
    assert [(p.private_lines, p.candidate_functions) for p in forked] == [((28, 35), 1)]
    # without joining, the pieces match nothing: each is too unlike the whole
    monkeypatch.setattr(structural, "SPLIT_PARTS", 1)
    alone, _ = match_structure(candidate, private, Thresholds())
    assert [p.private_lines for p in alone] == [(28, 35)]


def test_a_port_calls_the_same_operations_by_their_own_names():
    python = (
        "def section(line, marks):\n"
        "    line = line.rstrip()\n"
        "    found = []\n"
        "    if line[0] == '[' and line[-1] == ']':\n"
        "        found.append(line[1:-1].strip().lower())\n"
        "    return len(found), line.startswith('#'), ','.join(found)\n"
    )
    javascript = (
        "function section(line, marks) {\n"
        "  line = line.trimEnd();\n"
        "  const found = [];\n"
        "  if (line[0] === '[' && line[line.length - 1] === ']') {\n"
        "    found.push(line.slice(1, -1).trim().toLowerCase());\n"
        "  }\n"
        "  return [found.length, line.startsWith('#'), found.join(',')];\n"
        "}\n"
    )
    py, js = _structure(python), _structure(javascript, "javascript")
    assert len(py) == len(js) == 1
    shared = np.intersect1d(features(py.events), features(js.events))
    assert shared.shape[0] >= 8  # rstrip, append, strip, lower, startswith, join, '[', ']', ...
    assert similarity(py.events, js.events) >= 0.85


def _fingerprinted_module(tmp_path: Path) -> tuple[Path, Path]:
    """A private folder holding one module, and a store it was fingerprinted into."""
    private = tmp_path / "toolkit"
    private.mkdir()
    shutil.copy(PRIVATE_MODULE, private / "textwrap.py")
    path = tmp_path / "store.db"
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(path), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    return private, path


def test_a_structure_of_format_1_still_reads_and_is_redone_when_fingerprinted_again(tmp_path):
    """Format 2 changed some event codes (``CALL_ALIASES``): a store written before keeps
    working, and ``fingerprint`` redoes its files like files stored without a structure."""
    private, path = _fingerprinted_module(tmp_path)
    with open_store(path, read_only=True) as store:
        [(file_id, blob)] = store.structures({1})
        key = store.file_keys([file_id])
    assert blob is not None and blob[0] == 2
    con = sqlite3.connect(path)  # as the previous leaktrace wrote it: format 1
    con.execute("UPDATE files SET structure = ? WHERE id = ?", (b"\x01" + blob[1:], file_id))
    con.commit()
    con.close()
    with open_store(path, read_only=True) as store:
        [(_, old)] = store.structures({1})
        assert (
            Structure.from_bytes(old).events.tolist() == Structure.from_bytes(blob).events.tolist()
        )
        assert store.file_keys([file_id]) != key  # the index reads it again
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(path), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    assert "1 file(s) fingerprinted, 0 unchanged" in done.output  # unchanged, but redone
    with open_store(path, read_only=True) as store:
        assert dict(store.structures({1})) == {1: blob} and store.file_keys([file_id]) == key
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(path), "--jobs", "1"])
    assert "0 file(s) fingerprinted, 1 unchanged" in done.output


FIXTURE_VARIANT = SPLIT_PRIVATE.replace(
    "    size = int(", '    if "host" not in fields:\n        fields["host"] = ""\n    size = int('
)


def test_a_pair_that_is_no_evidence_never_takes_the_place_of_a_real_one(tmp_path):
    """The private tree holds parse_header twice: as a test fixture (boilerplate: never
    evidence) and, slightly changed, in the module. A rewrite of it matches the fixture best;
    that pair is set aside before the pairing, so the module's pair stands (it used to be taken
    by the fixture's pair and then dropped with it)."""
    private = tmp_path / "service"
    (private / "service").mkdir(parents=True)
    (private / "tests" / "fixtures").mkdir(parents=True)
    (private / "service" / "headers.py").write_text(FIXTURE_VARIANT)
    (private / "tests" / "fixtures" / "headers_copy.py").write_text(SPLIT_PRIVATE)
    path = tmp_path / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(path), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    candidate_source = rewrite(SPLIT_PRIVATE)
    index = FingerprintIndex.from_store(open_store(path))
    files = {f.path: number for number, f in enumerate(index.files)}
    fixture, module = files["tests/fixtures/headers_copy.py"], files["service/headers.py"]
    assert index.not_evidence()[fixture] and not index.not_evidence()[module]
    # the fixture is the better match: without the filter, the pairing would take it
    pairs, _ = match_structure(_structure(candidate_source), index.structure, Thresholds())
    best = max(pairs, key=lambda p: p.similarity)
    assert best.private_file == fixture and best.private_lines == (4, 25)

    candidate = _scan(path, _candidate(tmp_path, "headers.py", candidate_source), tmp_path)
    functions = candidate["structural"]["functions"]
    assert "tests/fixtures/headers_copy.py" not in {f["private_path"] for f in functions}
    assert {(f["private_path"], tuple(f["private_lines"])) for f in functions
            if f["candidate_path"] == "quarry/headers.py"} == {  # parse_header and render
        ("service/headers.py", (4, 27)), ("service/headers.py", (30, 37))}  # fmt: skip


def test_a_candidate_function_the_tokens_call_public_leaves_its_private_function_free():
    """Two candidate functions match the private ``render``: a verbatim copy that the tokens
    call public code (say, a reference source holds it) and a rewrite. The public one is set
    aside before the pairing, so the rewrite gets ``render``."""
    render = SPLIT_PRIVATE[SPLIT_PRIVATE.index("def render") :]
    rewritten = render.replace("out", "lines").replace("label", "head").replace("\n    ", "\n  ")
    source = render + "\n\n" + rewritten.replace("def render", "def render_again")
    candidate = _structure(source)
    private = StructureIndex.build([_structure(SPLIT_PRIVATE)])
    plain, _ = match_structure(candidate, private, Thresholds())
    assert [(p.candidate_lines, p.private_lines) for p in plain] == [((1, 8), (28, 35))]
    public_lines = {(1, 8)}  # what the tokens say of the verbatim copy
    excluded = Excluded(np.zeros(1, dtype=bool), lambda a, b: (a, b) in public_lines)
    pairs, _ = match_structure(candidate, private, Thresholds(), excluded=excluded)
    assert [(p.candidate_lines, p.private_lines) for p in pairs] == [((11, 18), (28, 35))]
    # a private file that is no evidence pairs with nothing
    nothing = Excluded(np.ones(1, dtype=bool), lambda a, b: False)
    assert match_structure(candidate, private, Thresholds(), excluded=nothing)[0] == []


def test_public_lines_count_the_tokens_on_the_lines_asked():
    kgrams = np.array([0, 4, 6])  # k = 2: tokens 0-1, 4-5 and 6 (the last) are covered
    lines = np.array([1, 1, 2, 2, 3, 5, 4])  # not in order: sorted once
    covered = np.array([1, 1, 0, 0, 1, 1, 1], dtype=bool)
    mostly = PublicLines(kgrams, 2, lines)
    assert mostly(1, 1) and not mostly(2, 2) and mostly(1, 2)  # 2 of 4: half is enough
    assert not mostly(2, 3) and mostly(3, 4) and mostly(5, 5)
    assert not mostly(6, 9)  # no token there: not public
    assert mostly(1, 5) == (covered.sum() * 2 >= covered.shape[0])
    assert not PublicLines(np.zeros(0, dtype=np.int64), 2, lines)(1, 5)


def test_a_structure_older_than_the_current_format_is_redone(tmp_path, monkeypatch):
    """What is stale is any format but ``structure.FORMAT``, not format 1 alone: when FORMAT
    goes to 3, the files stored at format 2 are fingerprinted again, and their index key
    changes once they are (the format byte is part of it)."""
    from fingerprints import structure

    _, path = _fingerprinted_module(tmp_path)
    with open_store(path, read_only=True) as store:
        repo = store.repos()[0].id
        [(file_id, blob)] = store.structures({1})
        assert blob is not None and blob[0] == structure.FORMAT == 2
        assert store.known_files(repo)["textwrap.py"].structured
        key = store.file_keys([file_id])
        monkeypatch.setattr(structure, "FORMAT", 3)
        assert not store.known_files(repo)["textwrap.py"].structured  # redone at format 3
    con = sqlite3.connect(path)  # as a leaktrace at format 3 writes it again
    con.execute("UPDATE files SET structure = ? WHERE id = ?", (b"\x03" + blob[1:], file_id))
    con.commit()
    con.close()
    with open_store(path, read_only=True) as store:
        assert store.known_files(repo)["textwrap.py"].structured
        assert store.file_keys([file_id]) != key  # the index reads it again


def test_shared_features_and_shapes_of_many_pairs_at_once_are_each_pairs_own():
    """``_pairs`` works out the features both sides share and the control-flow shapes of all
    the chosen pairs in one go: each pair's are what its own sequences give alone."""
    from fingerprints import CONTROL_CODES, CONTROL_NAMES
    from scanner.structural import _shapes, _shared_features

    rng = np.random.default_rng(7)
    codes = np.array([*CONTROL_NAMES, *rng.integers(CONTROL_CODES, 2**32, 40)], dtype=np.uint32)
    mine = [rng.choice(codes, int(n)) for n in rng.integers(0, 60, 30)]
    theirs = [np.concatenate([m[: len(m) // 2], rng.choice(codes, 20)]) for m in mine]
    shared = _shared_features(mine, theirs)
    assert any(shared) and not all(shared)
    for at, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        assert shared[at] == np.intersect1d(features(a), features(b)).tolist()
    for sequences in (mine, theirs):
        for events, counts in zip(sequences, _shapes(sequences), strict=True):
            assert counts == [int((events == code).sum()) for code in range(CONTROL_CODES)]


def test_similarities_of_many_pairs_are_each_pairs_similarity_to_the_last_bit():
    """``similarities`` measures the order only where it could round above the multiset share:
    the same floats as ``similarity``, pair by pair (small alphabets: many ties and repeats;
    copies and reversed copies: all or little in order)."""
    from scanner.structural import similarities

    rng = np.random.default_rng(3)
    firsts, seconds = [], []
    for n in range(3000):
        kinds = int(rng.integers(1, 6))
        a = rng.integers(0, kinds, int(rng.integers(1, 80))).astype(np.uint32)
        b = rng.integers(0, kinds, int(rng.integers(1, 80))).astype(np.uint32)
        firsts.append(a)
        seconds.append(a.copy() if n % 3 == 0 else a[::-1].copy() if n % 5 == 0 else b)
    expected = [similarity(a, b) for a, b in zip(firsts, seconds, strict=True)]
    assert similarities(firsts, seconds) == expected
    assert similarities([], []) == []


def test_similarities_hold_a_chunk_of_pairs_at_a_time(monkeypatch):
    """A file compared with many private functions: the events of its pairs are read and
    compared a chunk at a time (they were all held at once), with the same scores."""
    from scanner import structural

    monkeypatch.setattr(structural, "SIMILARITY_CHUNK", 3, raising=False)
    counted, calls = structural._multiset_shared, []
    monkeypatch.setattr(structural, "_multiset_shared",
                        lambda a, b: calls.append(len(a)) or counted(a, b))  # fmt: skip
    rng = np.random.default_rng(5)
    firsts = [rng.integers(0, 4, 20).astype(np.uint32) for _ in range(10)]
    seconds = [rng.integers(0, 4, 20).astype(np.uint32) for _ in range(10)]
    read: list[int] = []  # per pair read: the chunks compared before it

    def events():
        for b in seconds:
            read.append(len(calls))
            yield b

    got = structural.similarities(firsts, events())
    assert got == [similarity(a, b) for a, b in zip(firsts, seconds, strict=True)]
    assert calls == [3, 3, 3, 1] and read == [i // 3 for i in range(10)]
