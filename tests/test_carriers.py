"""Every carrier a leak travels in is opened, and the evidence says where inside it the copy is.

Each test builds the carrier from a real private file of samples/ (wheels, jars, tarballs in
every compression, nested archives, a ``docker save`` image whose later layer deletes the leak,
an OCI layout, a notebook, re-encoded text, a padded file) and scans it through the CLI.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import pytest
import zstandard
from typer.testing import CliRunner

from scanner.cli import app
from scanner.sources.carriers import _inflated
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_bytes()
JAVA_PATH = "android/src/main/java/com/acmepay/ledger/FraudScoreEvaluator.java"
JAVA = (PRIVATE / JAVA_PATH).read_bytes()
README = b"# acme tools\n\nNothing to see here.\n"


def scan(store: Path, target: Path | str, *extra: str) -> tuple[int, dict, str]:
    done = runner.invoke(app, ["scan", str(target), "--store", str(store), "--json", "-",
                               "--results", str(store.parent / "results.db"), *extra])  # fmt: skip
    text = done.stdout
    report = json.loads(text[: text.rindex("}") + 1])
    [candidate] = report["candidates"]
    return done.exit_code, candidate, done.stderr


def evidence(candidate: dict) -> set[str]:
    return {pair["candidate_path"] for pair in candidate["files"]}


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def wheel() -> bytes:
    """A wheel as pip builds them: the package, and a dist-info with METADATA, WHEEL, RECORD."""
    files = {
        "acme_tools/__init__.py": b'__version__ = "1.0"\n',
        "acme_tools/journal.py": JOURNAL,
        "acme_tools-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: acme-tools\n"
        b"Version: 1.0\n",
        "acme_tools-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},sha256={hashlib.sha256(data).hexdigest()},{len(data)}\n"
                     for name, data in files.items())  # fmt: skip
    files["acme_tools-1.0.dist-info/RECORD"] = record.encode()
    return zip_bytes(files)


def test_a_wheel_is_read_as_the_zip_it_is(store, tmp_path):
    path = tmp_path / "acme_tools-1.0-py3-none-any.whl"
    path.write_bytes(wheel())
    code, candidate, _ = scan(store, path)
    assert code == 1 and candidate["verdict"] == "derivative"
    assert "acme_tools/journal.py" in evidence(candidate)
    assert candidate["complete"] is True


def test_a_jar_inside_a_folder_names_the_jar_in_the_evidence(store, tmp_path):
    jar = zip_bytes({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n",
                     "com/acmepay/ledger/FraudScoreEvaluator.java": JAVA})  # fmt: skip
    folder = tmp_path / "app"
    (folder / "libs").mkdir(parents=True)
    (folder / "libs" / "ledger-sources.jar").write_bytes(jar)
    code, candidate, _ = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative"
    assert evidence(candidate) == {
        "libs/ledger-sources.jar!/com/acmepay/ledger/FraudScoreEvaluator.java"
    }


@pytest.mark.parametrize("suffix", ["tar.xz", "tar.bz2", "tar.zst", "tgz"])
def test_every_tar_compression(store, tmp_path, suffix):
    plain = tar_bytes({"pkg/README.md": README, "pkg/ledger/journal.py": JOURNAL})
    if suffix == "tar.zst":
        data = zstandard.ZstdCompressor().compress(plain)
    else:
        mode = {"tar.xz": "w:xz", "tar.bz2": "w:bz2", "tgz": "w:gz"}[suffix]
        data = tar_bytes({"pkg/README.md": README, "pkg/ledger/journal.py": JOURNAL}, mode)
    path = tmp_path / f"leak.{suffix}"
    path.write_bytes(data)
    code, candidate, _ = scan(store, path)
    assert code == 1 and evidence(candidate) == {"pkg/ledger/journal.py"}


def test_single_compressed_file_and_a_misleading_name(store, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "journal.py.gz").write_bytes(gzip.compress(JOURNAL))
    (folder / "photo.jpg").write_bytes(zip_bytes({"src/journal.py": JOURNAL}))  # a zip by bytes
    code, candidate, _ = scan(store, folder)
    assert code == 1
    assert evidence(candidate) == {"journal.py.gz!/journal.py", "photo.jpg!/src/journal.py"}


def test_archives_inside_archives_to_the_depth_limit(store, tmp_path):
    inner = tar_bytes({"package/lib/journal.py": JOURNAL}, "w:gz")
    outer = zip_bytes({"bundle/README.md": README, "bundle/vendor/pkg-1.0.tgz": inner})
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "release.zip").write_bytes(outer)
    code, candidate, _ = scan(store, folder)
    assert code == 1
    assert evidence(candidate) == {"release.zip!/bundle/vendor/pkg-1.0.tgz!/package/lib/journal.py"}

    # One level too deep for --max-depth 1: not opened, said so, and never "clear".
    code, candidate, stderr = scan(store, folder, "--max-depth", "1")
    assert code == 3 and candidate["verdict"] == "incomplete"
    [unread] = candidate["unread"]
    assert unread["path"] == "release.zip!/bundle/vendor/pkg-1.0.tgz"
    assert "nested 2 deep (max_depth is 1)" in unread["message"]
    assert "release.zip!/bundle/vendor/pkg-1.0.tgz: not read:" in stderr


def docker_save(layers: list[dict[str, bytes]]) -> bytes:
    """A ``docker save`` tarball: one folder per layer with its layer.tar, a manifest.json."""
    members: dict[str, bytes] = {}
    names = []
    for number, files in enumerate(layers):
        layer = tar_bytes(files)
        digest = hashlib.sha256(layer).hexdigest()
        members[f"{digest}/VERSION"] = b"1.0"
        members[f"{digest}/layer.tar"] = layer
        names.append(f"{digest}/layer.tar")
        members[f"{digest}/json"] = json.dumps({"id": digest, "layer": number}).encode()
    config = json.dumps({"rootfs": {"type": "layers"}}).encode()
    members["config.json"] = config
    manifest = [{"Config": "config.json", "RepoTags": ["acme/app:1"], "Layers": names}]
    members["manifest.json"] = json.dumps(manifest).encode()
    return tar_bytes(members)


def test_a_docker_image_is_read_layer_by_layer_deleted_files_included(store, tmp_path):
    image = docker_save([
        {"app/main.py": b"print('hello')\n", "app/journal.py": JOURNAL},
        {"app/.wh.journal.py": b""},  # the next layer deletes it: still published in the image
    ])  # fmt: skip
    path = tmp_path / "app-image.tar"
    path.write_bytes(image)
    code, candidate, _ = scan(store, path)
    assert code == 1 and candidate["verdict"] == "derivative"
    [where] = evidence(candidate)
    assert where.endswith("/layer.tar!/app/journal.py")


def test_the_links_of_an_image_layer_are_one_line_counted_first_names_given(store, tmp_path):
    """A ``docker save`` layer holds thousands of links (``/usr/lib`` alone): one line for the
    layer, counting them and naming the first three; before, one line each. A tar with a
    single link still names it on its own line."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as layer:
        for number in range(40):
            info = tarfile.TarInfo(f"usr/lib/libz.so.{number}")
            info.type, info.linkname = tarfile.SYMTYPE, f"libz.so.{number}.0"
            layer.addfile(info)
        info = tarfile.TarInfo("app/main.py")
        info.size = len(b"print('hello')\n")
        layer.addfile(info, io.BytesIO(b"print('hello')\n"))
    path = tmp_path / "app-image.tar"
    manifest = json.dumps([{"Config": "c.json", "Layers": ["0123abcd/layer.tar"]}]).encode()
    path.write_bytes(tar_bytes({"0123abcd/layer.tar": buffer.getvalue(),
                                "manifest.json": manifest}))  # fmt: skip
    _, candidate, stderr = scan(store, path)
    lines = [line for line in stderr.splitlines() if "not followed" in line]
    assert lines == [
        f"leaktrace: {path}:0123abcd/layer.tar: 40 links, not followed: 'usr/lib/libz.so.0' -> "
        "'libz.so.0.0', 'usr/lib/libz.so.1' -> 'libz.so.1.0', 'usr/lib/libz.so.2' -> "
        "'libz.so.2.0' and 37 more"
    ], stderr
    assert candidate["verdict"] == "clear"


def test_a_tar_with_one_link_names_it_on_its_own_line(store, tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("lib/current")
        info.type, info.linkname = tarfile.SYMTYPE, "v2"
        archive.addfile(info)
    path = tmp_path / "one.tar"
    path.write_bytes(buffer.getvalue())
    _, _, stderr = scan(store, path)
    assert f"leaktrace: {path}:lib/current: link to 'v2'; not followed" in stderr, stderr


def test_an_oci_layout_reads_its_nameless_gzip_blobs(store, tmp_path):
    layer = tar_bytes({"srv/ledger/journal.py": JOURNAL}, "w:gz")
    digest = hashlib.sha256(layer).hexdigest()
    layout = tmp_path / "oci"
    (layout / "blobs" / "sha256").mkdir(parents=True)
    (layout / "blobs" / "sha256" / digest).write_bytes(layer)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": []}))
    code, candidate, _ = scan(store, layout)
    assert code == 1 and evidence(candidate) == {f"blobs/sha256/{digest}!/srv/ledger/journal.py"}


def test_a_notebook_is_read_cell_by_cell(store, tmp_path):
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"language": "python", "name": "python3"},
                     "language_info": {"name": "python", "file_extension": ".py"}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Exploring the ledger\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["%matplotlib inline\n", "x = 1\n"],
             "outputs": [], "execution_count": 1},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
             "source": JOURNAL.decode().splitlines(keepends=True)},
        ],
    }  # fmt: skip
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "analysis.ipynb").write_text(json.dumps(notebook))
    code, candidate, _ = scan(store, folder)
    assert code == 1 and evidence(candidate) == {"analysis.ipynb!/cell-3.py"}
    [pair] = candidate["files"]
    assert pair["candidate_lines"][0][0] >= 1  # lines are the cell's own


@pytest.mark.parametrize(
    "encoded",
    [
        JOURNAL.decode().encode("utf-16"),  # with a BOM
        JOURNAL.decode().encode("utf-16-le"),  # without one
        JOURNAL.decode().encode("utf-16-be"),
        JOURNAL.decode().encode("utf-32"),
    ],
    ids=["utf-16-bom", "utf-16-le", "utf-16-be", "utf-32-bom"],
)
def test_wide_encodings_are_decoded_never_called_binary(store, tmp_path, encoded):
    folder = tmp_path / "wide"
    folder.mkdir()
    (folder / "journal.py").write_bytes(encoded)
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and evidence(candidate) == {"journal.py"}
    assert "decoded" in stderr and "binary" not in stderr


def test_a_copy_padded_with_megabytes_of_comments_is_found(store, tmp_path):
    """tree-sitter-python is quadratic in a run of comment lines after code: 5 MB of them would
    take hours; comment-only lines are blanked before parsing, so this takes seconds."""
    padding = b"# " + b"x" * 60 + b"\n"
    folder = tmp_path / "padded-py"
    folder.mkdir()
    (folder / "journal.py").write_bytes(JOURNAL + padding * 80_000)
    code, candidate, _ = scan(store, folder)
    assert code == 1 and candidate["complete"] and evidence(candidate) == {"journal.py"}


def test_notebook_magics_and_continuation_lines():
    from fingerprints import without_magics

    cell = "%time x = 1\n!pip install x\ny = ('%d'\n     % (1,))\nz = (1\n != 2)\n"
    assert without_magics(cell).split("\n")[:5] == [
        "#%time x = 1", "#!pip install x", "y = ('%d'", "     % (1,))", "z = (1"]  # fmt: skip
    assert without_magics("%%bash\nls -l\n").split("\n")[:2] == ["#%%bash", "#ls -l"]


def test_a_padded_file_is_scanned_in_windows(store, tmp_path):
    padding = b"# " + b"x" * 60 + b"\n"
    before = padding * 2000  # 126 KB of comment, then the code, then more comment
    folder = tmp_path / "padded"
    folder.mkdir()
    (folder / "journal.py").write_bytes(before + JOURNAL + padding * 3000)
    code, candidate, stderr = scan(store, folder, "--max-file-bytes", "65536")
    assert code == 1 and candidate["verdict"] == "derivative" and candidate["complete"]
    [pair] = candidate["files"]
    first, last = pair["candidate_lines"][0][0], pair["candidate_lines"][-1][1]
    journal_lines = JOURNAL.count(b"\n")
    assert first > 2000 and last <= 2000 + journal_lines  # lines of the whole file
    assert "scanned in" in stderr and "windows of at most 65,536 bytes" in stderr


def test_a_refused_entry_does_not_hide_the_entries_after_it(store, tmp_path):
    big = b"# filler\n" * 200_000  # 1.8 MB, over the --max-read-bytes below
    path = tmp_path / "hiding.tar.gz"
    path.write_bytes(tar_bytes({"a/huge.py": big, "b/journal.py": JOURNAL}, "w:gz"))
    code, candidate, _ = scan(store, path, "--max-read-bytes", "1000000",
                              "--max-total-bytes", "1500000")  # fmt: skip
    assert code == 1 and evidence(candidate) == {"b/journal.py"}
    assert [u["path"] for u in candidate["unread"]] == ["a/huge.py"]


def test_a_zip_that_overstates_a_size_does_not_hide_the_next_entry(store, tmp_path):
    data = bytearray(zip_bytes({"a/lie.py": b"x = 1\n", "b/journal.py": JOURNAL}))
    directory = data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x01\x02"))  # a/lie.py's entry
    data[directory + 24 : directory + 28] = (0x7FFF_FFFF).to_bytes(4, "little")
    path = tmp_path / "lying.zip"
    path.write_bytes(bytes(data))
    code, candidate, _ = scan(store, path)
    assert code == 1 and evidence(candidate) == {"b/journal.py"}
    assert [u["path"] for u in candidate["unread"]] == ["a/lie.py"]


def minified_java() -> str:
    """The private Java file on one line, as a minifier leaves it (comments out, newlines out)."""
    text = re.sub(r"/\*.*?\*/", " ", JAVA.decode(), flags=re.S)
    kept = [line.split("//")[0] if "//" in line and '"' not in line else line
            for line in text.splitlines()]  # fmt: skip
    return " ".join(line.strip() for line in kept if line.strip())


def test_evidence_in_a_minified_line_gives_columns(store, tmp_path):
    """A bundle on one line: the evidence names the byte columns, also past a window cut."""
    filler = "/*" + "x" * 150_000 + "*/ "  # 150 KB of the same line before the copy
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "Bundle.java").write_text(filler + minified_java())
    code, candidate, _ = scan(store, folder, "--max-file-bytes", "65536")
    assert code == 1
    [pair] = candidate["files"]
    assert pair["candidate_lines"] == [[1, 1]]
    columns = [f["candidate_columns"] for f in pair["fragments"]]
    assert all(columns) and min(c[0] for c in columns) > len(filler)  # columns of the whole line


def _read_both_ways(data: bytes, tmp_path: Path) -> tuple[list, list]:
    """Files and problems of one .tgz read from memory (a downloaded package: decompressed in
    one call when it can be) and from disk (streamed)."""
    from scanner.sources.archive import Archive
    from scanner.sources.base import Limits

    file = tmp_path / "pkg.tgz"
    file.write_bytes(data)
    found = []
    for archive in (Archive(file, data=data, limits=Limits()), Archive(file, limits=Limits())):
        files = [(f.path, f.data, f.language) for f in archive.iter_files()]
        found.append((files, [(p.path, p.message, p.partial) for p in archive.problems]))
    return found[0], found[1]


def test_an_archive_in_memory_reads_as_it_streams(tmp_path):
    """A small gzip in memory is decompressed in one call (``carriers.INFLATE_WHOLE``); a
    damaged, cut-short or multi-member one, or one with bytes after it, is read as a stream:
    the files and the lines said are those of the streamed read, whatever the bytes."""
    plain = tar_bytes({"package/lib/journal.py": JOURNAL, "package/README.md": README,
                       "package/a.py.gz": gzip.compress(JOURNAL)})  # fmt: skip
    whole = gzip.compress(plain)
    second = gzip.compress(tar_bytes({"package/java/F.java": JAVA}))
    cases = {
        "whole": whole,
        "two members": gzip.compress(plain[:1024]) + gzip.compress(plain[1024:]),
        "zero padding": whole + b"\0" * 512,
        "garbage after": whole + b"garbage!" * 8,
        "cut short": whole[: len(whole) // 2],
        "bad checksum": whole[:-8] + bytes(8),
        "corrupt deflate": whole[:20] + bytes(64) + whole[84:],
        "tar after tar": gzip.compress(plain[:-1024]) + second,
    }
    for name, data in cases.items():
        in_memory, streamed = _read_both_ways(data, tmp_path)
        assert in_memory == streamed, name
        stream = io.BytesIO(data)
        head = stream.read(512)
        inflated = _inflated("gzip", head, stream)
        assert (inflated == plain) if name == "whole" else (inflated is None), name
        if inflated is None:
            assert stream.tell() == 512, name  # where it was, to be read as a stream
    files, problems = _read_both_ways(whole, tmp_path)[0]
    assert [path for path, _, _ in files] == ["package/lib/journal.py", "package/a.py.gz!/a.py"]
    assert problems == []
    _, cut = _read_both_ways(cases["cut short"], tmp_path)[0]
    assert cut and all(partial for _, _, partial in cut), cut


class _Counted:
    """A decompressor's stream that counts the bytes read off it (inflated)."""

    def __init__(self, stream, counter: list[int]) -> None:
        self._stream, self._counter = stream, counter

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._counter[0] += len(data)
        return data

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def test_a_decompression_bomb_that_is_no_carrier_stops_at_the_read_cap(store, tmp_path,
                                                                         monkeypatch):  # fmt: skip
    """A compressed file whose content is no carrier by its first bytes is read through to its
    end to tell whether a zip ends it: that read counts against the caps, so 1 GiB of zeros in a
    bz2 file of a few KB stops at ``max_read_bytes`` and is said unread, never ``clear``."""
    from scanner.sources import carriers

    inflated = [0]
    decompressor = carriers._decompressor

    def counted(kind: str, stream):
        return _Counted(decompressor(kind, stream), inflated)

    monkeypatch.setattr(carriers, "_decompressor", counted)
    bomb = tmp_path / "blob.bin.bz2"
    bomb.write_bytes(bz2.compress(bytes(16 << 20)) * 64)  # 64 bz2 streams: 1 GiB of zeros
    assert bomb.stat().st_size < 64 * 1024
    cap = 4 << 20
    code, candidate, stderr = scan(store, bomb, "--max-read-bytes", str(cap))
    assert code == 3 and candidate["verdict"] == "incomplete", stderr
    assert "larger than max_read_bytes (4,194,304 bytes)" in json.dumps(candidate["unread"])
    assert cap < inflated[0] <= cap + (2 << 20), inflated[0]
