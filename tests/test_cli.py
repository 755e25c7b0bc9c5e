from __future__ import annotations

import json
import subprocess
import sys
import tarfile

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.code import GO, GO_RENAMED
from tests.conftest import SAMPLES

PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_text()
# The same module with every identifier renamed, comments stripped, re-indented.
RENAMED = (SAMPLES / "candidates" / "renamed-reformatted" / "tallyhub" / "book.py").read_text()

runner = CliRunner()


@pytest.fixture
def store(tree, tmp_path):
    repo = tree("acme", {"ledger/journal.py": JOURNAL, "svc/batch.go": GO})
    db = tmp_path / "store.db"
    done = runner.invoke(app, ["fingerprint", str(repo), "--store", str(db)])
    assert done.exit_code == 0, done.output
    assert "2 file(s) fingerprinted" in done.output
    return db


def test_scan_flags_a_renamed_copy_and_writes_the_report(tree, store, tmp_path):
    leak = tree(
        "leak",
        {
            "src/book.py": RENAMED,
            "src/clearing.go": GO_RENAMED,
            "README.md": "# nothing to see\n",
        },
    )
    clean = tree("clean", {"app.py": "import sys\n\nprint(sys.argv)\n"})
    report = tmp_path / "report.json"
    done = runner.invoke(
        app, ["scan", str(leak), str(clean), "--store", str(store), "--json", str(report)]
    )
    assert done.exit_code == 1, done.output
    data = json.loads(report.read_text())
    assert data["schema"] == "leaktrace/report/1"
    assert data["tool"]["name"] == "leaktrace"
    assert set(data["thresholds"]) == {c["name"] for c in data["candidates"][0]["checks"]}
    flagged, cleared = data["candidates"]
    assert (flagged["target"], flagged["verdict"]) == (str(leak), "derivative")
    assert cleared["verdict"] == "clear" and cleared["files"] == []
    pair = next(f for f in flagged["files"] if f["candidate_path"] == "src/book.py")
    assert pair["private_path"] == "ledger/journal.py"
    assert pair["verbatim"] is False
    assert 0 < pair["containment"] <= 1
    for a, b in pair["candidate_lines"]:
        assert 1 <= a <= b <= RENAMED.count("\n")
    for check in flagged["checks"]:
        assert set(check) >= {"name", "value", "limit", "passed", "source"}
    assert 0 < flagged["score"] <= 1 and flagged["matched_tokens"] > 200


def test_clean_scan_exits_zero_and_json_to_stdout(tree, store):
    clean = tree("clean", {"app.py": "import sys\n\nprint(sys.argv)\n"})
    done = runner.invoke(app, ["scan", str(clean), "--store", str(store), "--json", "-"])
    assert done.exit_code == 0
    payload = done.stdout[: done.stdout.rindex("}") + 1]
    assert json.loads(payload)["candidates"][0]["verdict"] == "clear"


def test_threshold_override_is_recorded(tree, store, tmp_path):
    leak = tree("leak", {"book.py": RENAMED})
    report = tmp_path / "r.json"
    done = runner.invoke(
        app,
        [
            "scan",
            str(leak),
            "--store",
            str(store),
            "--json",
            str(report),
            "--set",
            "derivative_tokens=100000",
        ],
    )
    assert done.exit_code == 0
    data = json.loads(report.read_text())
    assert data["threshold_sources"]["derivative_tokens"] == "command line"
    assert data["candidates"][0]["verdict"] == "review"
    bad = runner.invoke(app, ["scan", str(leak), "--store", str(store), "--set", "nope=1"])
    assert bad.exit_code == 2 and "nope: unknown threshold" in bad.output


def test_bad_input_one_line_each_scan_goes_on(tree, store, tmp_path):
    leak = tree(
        "leak",
        {
            "book.py": RENAMED,
            "blob.py": b"\0\0binary",
            "empty.js": "",
            "latin.py": "x = 'caf\xe9'\n".encode("latin-1"),
            "broken.py": "def broken(:\n    pass\n",
        },
    )
    corrupt = tmp_path / "broken.tgz"
    corrupt.write_bytes(b"not an archive at all")
    done = runner.invoke(
        app, ["scan", str(corrupt), str(leak), str(tmp_path / "missing"), "--store", str(store)]
    )
    assert done.exit_code == 1  # the derivative is the finding that matters
    lines = done.stderr.splitlines()
    assert f"leaktrace: {leak}:blob.py: binary file (NUL byte)" in lines
    assert f"leaktrace: {leak}:empty.js: empty file" in lines
    assert (
        f"leaktrace: {leak}:broken.py: syntax error near line 1; fingerprinted what parsed" in lines
    )
    assert any(line.startswith(f"leaktrace: {leak}:latin.py: not UTF-8: decoded as ")
               for line in lines)  # fmt: skip
    assert [line for line in lines if "corrupt" in line] == [
        f"leaktrace: {corrupt}: corrupt or unreadable archive (its bytes are no archive, "
        "package or notebook format)"
    ]  # one line, not the library's five
    assert f"leaktrace: {tmp_path / 'missing'}: no such file or folder" in lines


def test_input_errors_exit_two(tmp_path):
    not_store = tmp_path / "x.db"
    not_store.write_text("hello")
    done = runner.invoke(app, ["scan", str(tmp_path), "--store", str(not_store)])
    assert done.exit_code == 2
    assert "not a leaktrace store" in done.stderr
    done = runner.invoke(app, ["scan", str(tmp_path), "--store", str(tmp_path / "none.db")])
    assert done.exit_code == 2 and "no such store" in done.stderr
    assert runner.invoke(app, ["scan"]).exit_code == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["guard", ".", "--store", ""], "'--store'"),
        (["scan", ".", "--store", ""], "'--store'"),
        (["fingerprint", ".", "--store", ""], "'--store'"),
        (["watch", "--once", "--store", ""], "'--store'"),
        (["background", "x.tar.gz", "--store", ""], "'--store'"),
        (["inventory", ""], "'STORE'"),
    ],
)
def test_an_empty_store_is_refused_by_name_not_read_as_the_current_folder(tmp_path, args, named):
    """``--store "$STORE"`` with STORE unset in CI: the empty value was ``Path("")``, which is
    ``.``, and the refusal named the folder (``.: is a folder, not a leaktrace store``)."""
    (tmp_path / "a.py").write_text("x = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"Invalid value for {named}" in done.stderr
    assert "is empty" in done.stderr and "is a folder" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]  # nothing made or written


def test_archive_target_and_console_script(tree, store, tmp_path):
    leak = tree("leak", {"pkg/book.py": RENAMED})
    archive = tmp_path / "leak.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(leak, arcname="leak-1.0")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            str(archive),
            "--store",
            str(store),
            "--json",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["candidates"][0]["files"][0]["candidate_path"] == "leak-1.0/pkg/book.py"


def test_an_unexpected_error_exits_two_not_one(tmp_path, monkeypatch, capsys):
    import scanner.cli as cli
    import scanner.runners

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(scanner.runners, "make_runner", broken)  # imported by the command
    monkeypatch.setattr(sys, "argv", ["leaktrace", "scan", str(tmp_path), "--store", "x.db"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 2
    assert "leaktrace: internal error: RuntimeError: boom" in capsys.readouterr().err


def test_warnings_on_scanned_files_do_not_make_a_candidate_partial(tree, store):
    odd = tree("odd", {"book.py": RENAMED, "latin.py": "x = 'caf\xe9'\n".encode("latin-1"),
                       "broken.py": "def broken(:\n    pass\n"})  # fmt: skip
    done = runner.invoke(app, ["scan", str(odd), "--store", str(store), "--json", "-"])
    [candidate] = json.loads(done.stdout[: done.stdout.rindex("}") + 1])["candidates"]
    assert candidate["partial"] is False and candidate["verdict"] == "derivative"
    assert {p["path"] for p in candidate["problems"]} == {"latin.py", "broken.py"}
    binary = tree("binary", {"book.py": RENAMED, "blob.py": b"\0\0binary"})
    done = runner.invoke(app, ["scan", str(binary), "--store", str(store), "--json", "-"])
    assert json.loads(done.stdout[: done.stdout.rindex("}") + 1])["candidates"][0]["partial"]


def test_links_in_a_scanned_folder_are_read_inside_and_unread_outside(tree, store, tmp_path):
    """What publishes a folder may follow its links: one to a file inside is read as that file
    (under the link's name); one pointing outside (the leak is there), dangling or looping is
    never followed and leaves the folder unread (``incomplete``, exit 3), one line each."""
    outside = tree("elsewhere", {"journal.py": JOURNAL})
    suspect = tree("suspect", {"app.py": "import sys\n\nprint(sys.argv)\n",
                               "lib/util.py": "VALUE = 1\n"})  # fmt: skip
    (suspect / "copy.py").symlink_to(outside / "journal.py")
    (suspect / "up").symlink_to(outside, target_is_directory=True)
    (suspect / "util.py").symlink_to("lib/util.py")
    (suspect / "libs").symlink_to("lib", target_is_directory=True)
    (suspect / "gone.py").symlink_to("missing.py")
    (suspect / "loop.py").symlink_to("loop.py")
    (suspect / ".git").symlink_to(outside, target_is_directory=True)  # a link, not a repository
    (suspect / ".hg").mkdir()
    (suspect / ".hg" / "leak.py").write_text(JOURNAL)
    (suspect / "meta").symlink_to(".hg", target_is_directory=True)  # its files are not read
    report = tmp_path / "report.json"
    done = runner.invoke(app, ["scan", str(suspect), "--store", str(store), "--json",
                               str(report)])  # fmt: skip
    assert done.exit_code == 3, done.output
    [candidate] = json.loads(report.read_text())["candidates"]
    assert candidate["verdict"] == "incomplete"
    assert candidate["scanned"]["files"] == 3  # app.py, lib/util.py and util.py (the link)
    unread = {u["path"]: u["message"] for u in candidate["unread"]}
    assert unread == {
        "copy.py": "symbolic link to outside the folder; not followed, not read",
        "up": "symbolic link to outside the folder; not followed, not read",
        "gone.py": "symbolic link to nothing (dangling); not read",
        "loop.py": "symbolic link in a loop; not read",
        ".git": "symbolic link to outside the folder; not followed, not read",
        "meta": "symbolic link to '.hg', version-control metadata the scan does not read; not read",
        ".hg/": "Mercurial metadata: leaktrace does not read its history; not read",
    }
    assert "copy.py: symbolic link to outside the folder" in done.output
    assert "util.py: symbolic link to 'lib/util.py' inside the folder; read as that file" in (
        done.output)  # fmt: skip
    assert "libs: symbolic link to the folder 'lib' inside it; its files are read there" in (
        done.output)  # fmt: skip


def test_a_candidate_is_named_by_a_whole_part_of_its_target_never_by_a_few_letters():
    """``review RUN NAME`` decides on the candidate NAME means: the end of a target only as a
    whole part (after ``/`` or ``:``); ``k`` once meant ``github:acme/sdk`` and ``b``
    ``paste/leak-ab``, so a decision could land on a candidate nobody named."""
    from scanner.commands.review_targets import find_candidate
    from scanner.errors import InputError

    report = {"candidates": [{"target": "paste/leak-ab"}, {"target": "github:acme/sdk"},
                             {"target": "npm:left-pad@1.0.0"}]}  # fmt: skip
    assert find_candidate(report, "sdk")["target"] == "github:acme/sdk"
    assert find_candidate(report, "acme/sdk")["target"] == "github:acme/sdk"
    assert find_candidate(report, "leak-ab")["target"] == "paste/leak-ab"
    assert find_candidate(report, "left-pad@1.0.0")["target"] == "npm:left-pad@1.0.0"
    for few_letters in ("k", "b", "ab", "dk"):
        with pytest.raises(InputError, match="no candidate by that name"):
            find_candidate(report, few_letters)
