"""``leaktrace report``: a summary without --format, the format from --out, and private source
only from what was fingerprinted (issue 9)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.reports import WRITERS
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
COPY = SAMPLES / "candidates" / "renamed-reformatted"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    db, recorded = folder / "s.db", folder / "results.db"
    assert runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)]).exit_code == 0
    done = runner.invoke(app, ["scan", str(COPY), "--store", str(db), "--results", str(recorded)])
    assert done.exit_code == 1, done.output
    return recorded


def report(results, *args: str) -> tuple[int, str]:
    done = runner.invoke(app, ["report", "latest", "--results", str(results), *args])
    return done.exit_code, done.output


def test_without_format_a_summary_or_the_format_of_the_file(results, tmp_path):
    code, output = report(results)
    assert code == 0, output
    assert "leaktrace verdicts" in output and "derivative" in output
    assert "the full report: --out FILE.html" in output
    out = tmp_path / "r.json"
    assert report(results, "--out", str(out)) == (0, "")
    assert json.loads(out.read_text())["candidates"][0]["verdict"] == "derivative"
    code, output = report(results, "--out", str(tmp_path / "r.txt"))
    assert code == 2 and "cannot tell the format" in output
    code, output = report(results, "--include-private-source", str(PRIVATE))
    assert (code, output) == (2, "leaktrace: --include-private-source needs --out FILE or "
                                 "--format\n")  # fmt: skip


def excerpts(results, source: str) -> list[str | None]:
    code, output = report(results, "--format", "json", "--include-private-source", source)
    assert code == 0, output
    data = json.loads(output)
    assert data["provenance"]["private_source_included"] is True
    return [f["private_excerpt"] for p in data["candidates"][0]["files"] for f in p["fragments"]]


def test_private_source_must_be_what_was_fingerprinted(results, tree, tmp_path):
    wrong = tree("other-checkout", {"acme_ledger/journal.py": "print('something else')\n"})
    page = tmp_path / "internal.html"
    code, output = report(results, "--out", str(page), "--include-private-source", str(wrong))
    assert code == 2
    assert output.startswith(f"leaktrace: {wrong}: holds none of the ")
    assert "private file(s) this run matched" in output and output.count("\n") == 1
    assert not page.exists()
    assert report(results, "--format", "json", "--include-private-source",
                  str(tmp_path / "missing"))[0] == 2  # fmt: skip

    assert all(excerpts(results, str(PRIVATE)))
    assert all(excerpts(results, str(PRIVATE.parent)))  # the folder above: REPO/PATH

    archive = tmp_path / "acme-ledger.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(PRIVATE, arcname="acme-ledger")
    assert all(excerpts(results, str(archive)))


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_private_source_from_a_git_url(results, tmp_path):
    checkout = tmp_path / "acme-ledger"
    shutil.copytree(PRIVATE, checkout)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(checkout), *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x")
    assert all(excerpts(results, f"file://{checkout}"))


def test_a_report_imports_no_candidate_reader(results, tmp_path):
    """A recorded run's summary or report (any format, no private source) is read from the
    results database alone: neither numpy nor tree-sitter, the store, the matcher or the
    candidate readers are imported for it."""
    from tests.test_package import _imported_after

    readers = {"numpy", "tree_sitter", "fingerprints.store", "scanner.matcher", "scanner.targets"}
    for out in ([], *(["--out", str(tmp_path / f"r.{fmt}")] for fmt in WRITERS)):
        argv = ["leaktrace", "report", "latest", "--results", str(results), *out]
        loaded = _imported_after(f"sys.argv = {argv!r}\nfrom scanner.cli import main\n"
                                 "try:\n    main()\nexcept SystemExit as stop:\n"
                                 "    assert not stop.code, stop.code")  # fmt: skip
        assert "scanner.resultsdb" in loaded and not readers & loaded, out


def test_reasons_an_earlier_leaktrace_stored_escaped_are_shown_as_meant(store, tmp_path):
    """A results database written before reasons were stored as made (an earlier leaktrace put
    each name in a reason through ``printable`` as it made it: ``a\\x1bb.py``) gives the same
    reports as one that stored them as made: the escape shown once, not its backslash doubled
    (``a\\\\x1bb.py``), and JSON gives the reason itself. A run stored now is left as it is."""
    import sqlite3

    from fingerprints import printable

    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a\x1bb.py").write_bytes(b"x\x00\x01")  # binary: an incomplete reason names it
    now = tmp_path / "now.db"
    done = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--results", str(now)])
    assert done.exit_code == 3, done.output
    old = tmp_path / "old.db"
    shutil.copy(now, old)
    with sqlite3.connect(old) as db:  # as the earlier leaktrace left it
        db.execute("DELETE FROM meta WHERE key = 'raw_reasons_from_run'")
        [(data,)] = db.execute("SELECT data FROM candidates")
        candidate = json.loads(data)
        made = candidate["reasons"]
        assert "a\x1bb.py" in made[0]
        candidate["reasons"] = [printable(reason) for reason in made]
        db.execute("UPDATE candidates SET data = ?", (json.dumps(candidate),))
    for fmt in ("md", "html"):
        shown = [runner.invoke(app, ["report", "1", "--format", fmt, "--results", str(db)]).stdout
                 for db in (now, old)]  # fmt: skip
        assert shown[0].replace(str(now), "") == shown[1].replace(str(old), ""), fmt
    reasons = [json.loads(runner.invoke(app, ["report", "1", "--format", "json", "--results",
                                              str(db)]).stdout)["candidates"][0]["reasons"]
               for db in (now, old)]  # fmt: skip
    assert reasons == [made, made]
    again = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--results", str(old)])
    assert again.exit_code == 3, again.output
    second = runner.invoke(app, ["report", "2", "--format", "json", "--results", str(old)])
    assert json.loads(second.stdout)["candidates"][0]["reasons"] == made  # stored as made


def test_a_report_module_imports_no_other_format():
    """``json_report`` (a scan imports it before its workers are forked) does not bring the
    HTML, Markdown and SARIF writers: each is imported when its report is written."""
    from tests.conftest import loaded_modules

    loaded = loaded_modules("import scanner.reports.json_report", "scanner.reports.")
    assert [m for m in loaded if m.endswith("_report")] == ["scanner.reports.json_report"]
