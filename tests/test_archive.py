from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from scanner.sources import Archive, Limits
from tests.code import GO, PYTHON


def make_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def test_tar_gz_files_are_read_in_memory(tmp_path):
    path = make_tar(
        tmp_path / "c.tar.gz",
        [
            ("pkg/ledger.py", PYTHON.encode()),
            ("./svc/batch.go", GO.encode()),
            ("README.md", b"# hi\n"),
        ],
    )
    archive = Archive(path)
    files = {f.path: f for f in archive.iter_files()}
    assert set(files) == {"pkg/ledger.py", "svc/batch.go"}
    assert files["pkg/ledger.py"].data == PYTHON.encode()
    assert archive.problems == []


def test_hostile_tar_entries_are_read_in_memory_or_refused_entry_by_entry(tmp_path):
    device = tarfile.TarInfo("dev/null.py")
    device.type = tarfile.CHRTYPE
    path = make_tar(tmp_path / "evil.tgz", [
        ("../escape.py", b"x = 1\n"),
        ("/etc/cron.d/evil.py", b"x = 1\n"),
        ("ok/../../up.py", b"x = 1\n"),
        link("etc_link.py", "/etc/passwd"),
        link("hard.py", "../../outside.py", tarfile.LNKTYPE),
        device,
        ("good.py", PYTHON.encode()),
    ])  # fmt: skip
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    archive = Archive(path)
    files = [f.path for f in archive.iter_files()]
    # A hostile name cannot hide a leak: nothing is extracted, so the entry is read in memory.
    assert files == ["../escape.py", "/etc/cron.d/evil.py", "ok/../../up.py", "good.py"]
    messages = {p.path: p.message for p in archive.problems}
    assert messages["../escape.py"].startswith("unsafe name ('..' in path): read in memory only")
    assert messages["/etc/cron.d/evil.py"].startswith("unsafe name (absolute path)")
    assert messages[""] == ("2 links, not followed: 'etc_link.py' -> '/etc/passwd', 'hard.py' "
                            "-> '../../outside.py'")  # one line for the tar's links  # fmt: skip
    assert messages["dev/null.py"].startswith("device, FIFO or special file")
    assert not any(p.partial for p in archive.problems)  # links and devices hold no code
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before  # nothing written


def test_bombs_are_stopped_by_the_caps(tmp_path):
    zeros = b"\0" * (50 * 1024 * 1024)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.py", PYTHON)
        archive.writestr("bomb.py", zeros)
    assert path.stat().st_size < 200_000
    archive_ = Archive(path)
    assert [f.path for f in archive_.iter_files()] == ["a.py"]
    assert "compression ratio" in archive_.problems[0].message and archive_.problems[0].partial

    many = make_tar(tmp_path / "many.tar.gz", [(f"f{i}.py", b"x = 1\n") for i in range(30)])
    capped = Archive(many, limits=Limits(max_files=10))
    assert len(list(capped.iter_files())) == 10
    assert "more than 10 entries" in capped.problems[-1].message

    big = make_tar(tmp_path / "big.tar.gz", [("z.py", zeros)])
    total = Archive(big, limits=Limits(max_total_bytes=10 * 1024 * 1024))
    assert list(total.iter_files()) == []
    assert "bytes read" in total.problems[-1].message


def test_corrupt_archive_is_one_problem(tmp_path):
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00 this is not really gzip")
    archive = Archive(bad)
    assert list(archive.iter_files()) == []
    [problem] = archive.problems
    assert problem.path == "" and problem.message.startswith("corrupt or unreadable gzip")

    truncated = make_tar(tmp_path / "t.tar.gz", [("a.py", PYTHON.encode() * 50)])
    truncated.write_bytes(truncated.read_bytes()[:300])
    archive = Archive(truncated)
    list(archive.iter_files())
    assert archive.problems and archive.problems[-1].message.startswith("corrupt")


def test_zip_links_are_never_followed_and_traversal_names_read_in_memory(tmp_path):
    path = tmp_path / "z.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../evil.py", "x = 1\n")
        info = zipfile.ZipInfo("link.py")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
        archive.writestr("src/fine.go", GO)
    archive_ = Archive(path)
    assert [f.path for f in archive_.iter_files()] == ["../../evil.py", "link.py", "src/fine.go"]
    assert {p.path: p.message for p in archive_.problems} == {
        "../../evil.py": "unsafe name ('..' in path): read in memory only, never extracted",
        "link.py": "a link by its mode, holding 11 bytes: read as the regular file zip tools "
        "extract",  # zipfile writes it as one: never followed, its bytes read as a file's
    }
