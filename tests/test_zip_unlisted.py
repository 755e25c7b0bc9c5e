"""A zip is read from its central directory, as unzip and zipfile read it; but its entries' local
headers are what a streaming reader (Java's ZipInputStream, a browser's unzip, ``bsdtar``) reads,
one after another. An entry whose local header and data sit in the file but which the central
directory does not list is a leak in the published bytes that a central-directory reader never
sees: it is one line naming the zip and the entry, and the candidate is ``incomplete``."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest

from tests.test_hostile import JOURNAL, scan

_CENTRAL = b"PK\x01\x02"
_LOCAL_SIZE = 30


def zip_bytes(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


def unlisted(data: bytes, hidden: str) -> bytes:
    """``data`` (a zip) with the central directory record of ``hidden`` taken out: its local
    header and data stay where they are."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start = archive.start_dir
    records, at = [], start
    while data.startswith(_CENTRAL, at):
        names, extra, comment = struct.unpack("<HHH", data[at + 28 : at + 34])
        end = at + 46 + names + extra + comment
        records.append(data[at:end])
        at = end
    kept = [r for r in records if r[46 : 46 + len(hidden)] != hidden.encode()]
    directory = b"".join(kept)
    end_record = bytearray(data[at:])
    struct.pack_into("<HHII", end_record, 8, len(kept), len(kept), len(directory), start)
    return data[:start] + directory + bytes(end_record)


def test_an_entry_the_central_directory_does_not_list_is_said_not_read(store, tmp_path):
    data = unlisted(zip_bytes({"pkg/journal.py": JOURNAL, "pkg/__init__.py": "x = 1\n"}),
                    "pkg/journal.py")  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["pkg/__init__.py"]  # what unzip and zipfile see
    path = tmp_path / "lib.zip"
    path.write_bytes(data)
    done, report, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    [line] = [line for line in done.stderr.splitlines() if "central directory" in line]
    assert "lib.zip: not read: " in line and "'pkg/journal.py'" in line, line


def test_a_zip_inside_a_zip_with_an_unlisted_entry_is_said_not_read_too(store, tmp_path):
    inner = unlisted(zip_bytes({"a.py": JOURNAL, "b.py": "x = 1\n"}), "a.py")
    path = tmp_path / "outer.zip"
    path.write_bytes(zip_bytes({"README": "hi\n"}))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("vendor/inner.whl", inner)
    done, _, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert "vendor/inner.whl: not read: " in done.stderr


class Unseekable(io.BytesIO):
    """Where zipfile writes as to a pipe: each entry's sizes in a data descriptor."""

    def seekable(self) -> bool:
        return False

    def seek(self, *_: object) -> int:
        raise io.UnsupportedOperation("seek")

    def tell(self) -> int:
        raise io.UnsupportedOperation("tell")


def test_a_stub_before_a_zip_that_holds_the_signature_is_no_entry(store, tmp_path):
    """A self-extractor's stub holds the local header's signature as a constant; a zipapp its
    ``#!`` line; entries with data descriptors (streamed zips) leave no gap: none is a line."""
    stub = b"\x7fELF" + b"\0" * 60 + b"PK\x03\x04" + b"\xff" * 200
    streamed = Unseekable()
    with zipfile.ZipFile(streamed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("a.py", "b.py"):  # sizes in a data descriptor after the data
            archive.writestr(name, "x = 1\n" * 100)
    assert zipfile.ZipFile(io.BytesIO(streamed.getvalue())).infolist()[0].flag_bits & 0x08
    launcher = b"#!/usr/bin/env python3\n"
    targets = []
    for name, data in (("sfx.zip", stub + zip_bytes({"a.py": "x = 1\n"})),
                       ("app.pyz", launcher + zip_bytes({"__main__.py": "x = 1\n"})),
                       ("streamed.zip", streamed.getvalue())):  # fmt: skip
        (tmp_path / name).write_bytes(data)
        targets.append(tmp_path / name)
    done, _, _ = scan(store, *targets)
    assert "central directory" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr


def local_header(name: str, data: bytes) -> bytes:
    """A stored entry's local header, its sizes those of ``data``."""
    crc, encoded = zlib.crc32(data), name.encode()
    return struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data),
                       len(encoded), 0) + encoded  # fmt: skip


HIDDEN = local_header("pkg/journal.py", JOURNAL.encode()) + JOURNAL.encode()


def one_entry(local: bytes, data: bytes, crc: int, size: int, flags: int, method: int = 0) -> bytes:
    """A zip of one entry, ``local`` (its local header) then ``data``, all of which its
    directory record counts as the entry's (compressed; ``size`` once inflated)."""
    name = local[_LOCAL_SIZE:]
    directory = struct.pack("<4s6H3I5H2I", _CENTRAL, 20, 20, flags, method, 0, 0, crc,
                            len(data), size, len(name), 0, 0, 0, 0, 0, 0) + name  # fmt: skip
    entries = local + data
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(entries), 0)
    return entries + directory + end


def said_hidden(stderr: str, zip_name: str) -> None:
    [line] = [line for line in stderr.splitlines() if "central directory" in line]
    assert f"{zip_name}: not read: " in line and "'pkg/journal.py'" in line, line


def test_an_entry_inside_what_the_directory_counts_as_a_listed_one_is_said_not_read(
    store, tmp_path
):
    """The local header of the one listed entry says 4 bytes, the directory 4 and a whole entry
    more: unzip and zipfile read ``pkg/data.bin`` as all of it, a streaming reader (Java's
    ZipInputStream) 4 bytes of it, then the next local header, ``pkg/journal.py``."""
    data = b"\0\1\2\3" + HIDDEN
    path = tmp_path / "lib.jar"
    path.write_bytes(
        one_entry(local_header("pkg/data.bin", data[:4]), data, zlib.crc32(data), len(data), 0)
    )
    with zipfile.ZipFile(path) as archive:
        assert [(i.filename, len(archive.read(i))) for i in archive.infolist()] == [
            ("pkg/data.bin", len(data))
        ]
    done, report, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    said_hidden(done.stderr, "lib.jar")


def test_an_entry_after_a_deflate_stream_the_directory_counts_on_is_said_not_read(store, tmp_path):
    """A deflated entry whose sizes come after its data (a data descriptor): a streaming reader
    inflates to the stream's end, reads the descriptor, then the next local header, which the
    directory counts as more of the entry's data. A streamed zip holding a wheel (whose local
    headers its deflate stream keeps as they are: a stored block) gives no line."""
    plain = b"hello world\n" * 10
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflater.compress(plain) + deflater.flush()
    descriptor = struct.pack("<4s3I", b"PK\x07\x08", zlib.crc32(plain), len(packed), len(plain))
    data = packed + descriptor + HIDDEN
    name = b"pkg/readme.txt"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0x08, 8, 0, 0, 0, 0, 0, len(name), 0)
    path = tmp_path / "lib.zip"
    path.write_bytes(one_entry(local + name, data, zlib.crc32(plain), len(plain), 0x08, 8))
    with zipfile.ZipFile(path) as archive:
        assert archive.read("pkg/readme.txt") == plain and archive.testzip() is None
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as archive:  # stored noise: deflate keeps it as it is
        archive.writestr("lib/data.bin", random.Random(7).randbytes(1 << 16))
        archive.writestr("lib/a.py", "x = 1\n")
    streamed = Unseekable()
    with zipfile.ZipFile(streamed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dist/lib.whl", wheel.getvalue())
    assert streamed.getvalue().count(b"PK\x03\x04") >= 2  # the wheel's own, as it is
    (tmp_path / "artifact.zip").write_bytes(streamed.getvalue())
    done, report, _ = scan(store, path, tmp_path / "artifact.zip")
    assert done.returncode == 3, done.stderr
    verdicts = {c["target"].rsplit("/", 1)[-1]: c["verdict"] for c in report["candidates"]}
    assert verdicts == {"lib.zip": "incomplete", "artifact.zip": "clear"}
    said_hidden(done.stderr, "lib.zip")


def deflated_zeros(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes, not closed (a sync flush: byte-aligned), so
    that more blocks may follow it."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    return deflater.compress(bytes(size)) + deflater.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize(("options", "bound"), [
    ((), "max_ratio 200 times"),
    (("--max-total-bytes", str(8 << 20)), "what is left of max_total_bytes"),
])  # fmt: skip
def test_a_deflate_bomb_whose_end_is_looked_for_is_said_not_read_not_inflated_to_its_end(
    store, tmp_path, options, bound
):
    """A deflated entry whose sizes come after its data, and whose bytes hold a local header
    (in a stored block: its data, as a streaming reader sees it): its stream is inflated to find
    where it ends, but 64 MiB of zeros (a 64 KiB stream) is past ``max_ratio`` times its size:
    inflated no further, one unread line naming the entry (whether an entry is hidden after it
    is not known), never its end taken silently. Its directory record claims 1,000 bytes, which
    zipfile reads with a good CRC: the entry itself is read, clear before. What is inflated
    counts against ``max_total_bytes``, and stops there too."""
    inner = local_header("pad.bin", b"\0" * 16) + b"\0" * 16
    stored = b"\x01" + struct.pack("<2H", len(inner), 0xFFFF ^ len(inner)) + inner  # final block
    data = deflated_zeros(64 << 20) + stored
    claimed = 1000
    crc = zlib.crc32(bytes(claimed))
    data += struct.pack("<4s3I", b"PK\x07\x08", crc, len(data), claimed)
    name = b"pkg/zeros.bin"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0x08, 8, 0, 0, 0, 0, 0, len(name), 0)
    path = tmp_path / "bomb.zip"
    path.write_bytes(one_entry(local + name, data, crc, claimed, 0x08, 8))
    with zipfile.ZipFile(path) as archive:
        assert archive.read("pkg/zeros.bin") == bytes(claimed)
    inflater = zlib.decompressobj(-15)
    assert len(inflater.decompress(data)) == (64 << 20) + len(inner) and inflater.eof
    done, report, _ = scan(store, path, options=options)
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    [line] = [line for line in done.stderr.splitlines() if "deflate stream" in line]
    assert "bomb.zip:pkg/zeros.bin: not read: " in line and bound in line, line
