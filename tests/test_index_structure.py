"""A full index build streams the structural arrays from the store (batches of files, features
scattered into partitions of a scratch file, each sorted and packed): the arrays are the ones
``StructureIndex.build`` of every file's structure makes in memory, byte for byte, whatever the
batch and partition sizes; a damaged structure is named by its file, when the index is built
and when a scan reads it from the store."""

from __future__ import annotations

import random
import re
import sqlite3

import numpy as np
import pytest
from typer.testing import CliRunner

from fingerprints import DamagedStoreError, open_store
from scanner import index_file
from scanner.cli import app
from scanner.index_file import IndexFile, write_index
from scanner.structural import ARRAYS, StructureIndex, structures_of
from tests import test_index_file

runner = CliRunner()
bare_store = test_index_file.bare_store  # the samples' store, a fixture


def in_memory(store_path) -> dict[str, np.ndarray]:
    """The structural arrays as the build made them before streaming: every private (distinct)
    and public file's structure read at once, ``StructureIndex.build`` of each side."""
    with open_store(store_path, read_only=True) as store:
        ids = store.distinct_private_files()[0].tolist()
        public = sorted(store.public_file_ids())
        stored = dict(store.structures(set(ids) | set(public)))
        paths = dict(store.file_paths(set(ids) | set(public)))

        def built(chosen: list[int], prefix: str) -> dict[str, np.ndarray]:
            found = structures_of([(paths[i], stored.get(i)) for i in chosen], store.path)
            return StructureIndex.build(found).arrays(prefix)

        return built(ids, "") | built(public, "public_")


def streamed(store_path, tmp_path, name: str) -> dict[str, np.ndarray]:
    with open_store(store_path, read_only=True) as store:
        write_index(store, tmp_path / name, update=False)
    opened = IndexFile.open(tmp_path / name)
    return {n: opened.arrays[n] for n in (*ARRAYS, *(f"public_{a}" for a in ARRAYS))}


def assert_same(expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> None:
    assert set(expected) == set(got)
    for name, values in expected.items():
        want = np.ascontiguousarray(values)
        assert got[name].dtype == want.dtype, name
        assert got[name].tobytes() == want.tobytes(), name


def generated_tree(root, files: int, seed: int) -> None:
    """``files`` Python modules of generated functions (loops, branches, calls, constants)."""
    rng = random.Random(seed)
    calls = ["post", "fetch", "round", "sorted", "encode", "update", "lookup", "emit", "retry"]
    for f in range(files):
        lines = []
        for g in range(rng.randint(1, 6)):
            args = ", ".join(f"a{i}" for i in range(rng.randint(0, 4)))
            lines.append(f"def fn_{f}_{g}({args}):")
            lines.append(f"    total = {rng.randint(3, 999)}")
            for _ in range(rng.randint(2, 9)):
                call = rng.choice(calls)
                match rng.randint(0, 3):
                    case 0:
                        lines += [f"    for item in {call}(total):",
                                  f"        total += item * {rng.randint(2, 50)}"]  # fmt: skip
                    case 1:
                        lines += [f"    if total > {rng.randint(2, 500)}:",
                                  f"        total = {call}(total, '{g}')"]  # fmt: skip
                    case 2:
                        lines += [f"    while total < {rng.randint(600, 900)}:",
                                  f"        total = {call}(total) + {g}"]  # fmt: skip
                    case _:
                        lines.append(f"    total = {call}(total, {rng.random():.3f})")
            lines.append("    return total\n")
        (root / f"mod_{f}.py").write_text("\n".join(lines) + "\n")


@pytest.fixture
def generated_store(tmp_path):
    private, public = tmp_path / "generated-private", tmp_path / "generated-public"
    private.mkdir()
    public.mkdir()
    generated_tree(private, 60, seed=7)
    generated_tree(public, 15, seed=8)
    (private / "copy_of_mod_3.py").write_text((private / "mod_3.py").read_text())  # a duplicate
    (private / "empty.py").write_text("X = 1\n")  # no function
    path = tmp_path / "generated.db"
    done = runner.invoke(app, ["fingerprint", str(private), "--public", str(public),
                               "--store", str(path), "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    return path


@pytest.mark.parametrize("small", [False, True])
def test_streamed_structural_arrays_are_the_in_memory_ones_on_the_samples(
    bare_store,
    tmp_path,
    monkeypatch,
    small,
):
    if small:  # many batches and partitions
        monkeypatch.setattr(index_file, "CHUNK", 40)
        monkeypatch.setattr(index_file, "PARTITION", 16)
    expected = in_memory(bare_store)
    assert len(expected["struct_sizes"]) and len(expected["public_struct_sizes"])
    assert_same(expected, streamed(bare_store, tmp_path, "samples.index"))


def test_streamed_structural_arrays_are_the_in_memory_ones_on_a_generated_store(
    generated_store, tmp_path, monkeypatch
):
    expected = in_memory(generated_store)
    assert len(expected["struct_feature_records"]) > 1000
    assert_same(expected, streamed(generated_store, tmp_path, "default.index"))
    monkeypatch.setattr(index_file, "CHUNK", 100)
    monkeypatch.setattr(index_file, "PARTITION", 64)
    small = streamed(generated_store, tmp_path, "small.index")
    assert_same(expected, small)
    whole = (tmp_path / "default.index").read_bytes(), (tmp_path / "small.index").read_bytes()
    assert whole[0] == whole[1]  # the whole file, header included


def damage_a_structure(store_path, offset: int) -> tuple[int, str]:
    """Overwrite the structure of the ``offset``-th private file that has one with bytes that
    are not a structure; its (id, path)."""
    con = sqlite3.connect(store_path)
    file_id, path = con.execute(
        "SELECT f.id, f.path FROM files f JOIN repos r ON r.id = f.repo_id WHERE r.public = 0"
        " AND f.structure IS NOT NULL ORDER BY f.id LIMIT 1 OFFSET ?",
        (offset,),
    ).fetchone()
    con.execute("UPDATE files SET structure = x'01ffffffff' WHERE id = ?", (file_id,))
    con.commit()
    con.close()
    return file_id, path


def test_a_damaged_structure_is_named_by_its_file(generated_store, tmp_path):
    _, path = damage_a_structure(generated_store, 5)
    named = f"damaged structure of file {re.escape(repr(path))}"
    with (
        open_store(generated_store, read_only=True) as store,
        pytest.raises(DamagedStoreError, match=named),
    ):
        write_index(store, tmp_path / "damaged.index", update=False)


def test_a_damaged_structure_read_at_scan_time_is_named_by_its_file(generated_store):
    """A scan reads the compared functions' events from the store: damage there is named too."""
    from scanner.index import StoredStructures

    file_id, path = damage_a_structure(generated_store, 0)
    with open_store(generated_store, read_only=True) as store:
        stamp = store.stamp()
    reader = StoredStructures(str(generated_store), np.array([file_id]), stamp)
    named = f"damaged structure of file {re.escape(repr(path))}"
    with pytest.raises(DamagedStoreError, match=named):
        reader(0)
