"""Lone CR line ends (classic Mac OS; Python, editors and JavaScript engines read them as line
ends) are read as line ends on both sides: a copy of real code rewritten so is still a copy."""

from __future__ import annotations

import json
import shutil

from fingerprints import FingerprintParams
from fingerprints.fingerprinter import analyze, fingerprint_file
from tests.benchmarks.corpus import npm_package, pypi_sdist
from tests.conftest import leaktrace


def _cr_only(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def test_a_cr_only_file_has_the_tokens_and_lines_of_its_lf_original():
    rich = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich"
    reaction = npm_package("mobx", "6.13.5") / "src" / "core" / "reaction.ts"
    params = FingerprintParams()
    for path, language in ((rich / "console.py", "python"), (reaction, "typescript")):
        original = path.read_bytes()
        lf = fingerprint_file(path.name, original, language, params)
        cr = fingerprint_file(path.name, _cr_only(original), language, params)
        assert cr.warning is None, cr.warning
        assert (cr.tokens, cr.lines) == (lf.tokens, lf.lines) and lf.tokens > 1000
        assert cr.fingerprints.tobytes() == lf.fingerprints.tobytes()
        lf_tokens = analyze(original, language, params).tokens  # the candidate side's reading
        cr_tokens = analyze(_cr_only(original), language, params).tokens
        assert (len(cr_tokens), cr_tokens.lines) == (lf.tokens, lf.lines)
        assert cr_tokens.error_line is None
        assert (cr_tokens.line_start == lf_tokens.line_start).all()


def test_a_cr_only_copy_of_private_code_is_derivative_and_guard_fails(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the results database
    rich = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich"
    private, leak = tmp_path / "acme-console", tmp_path / "leak"
    for name in ("console.py", "table.py", "progress.py"):
        (private / "acme_console").mkdir(parents=True, exist_ok=True)
        shutil.copy(rich / name, private / "acme_console" / name)
        (leak / "pkg").mkdir(parents=True, exist_ok=True)
        (leak / "pkg" / name).write_bytes(_cr_only((rich / name).read_bytes()))
    store = tmp_path / "acme.db"
    done = leaktrace("fingerprint", str(private), "--store", str(store))
    assert done.exit_code == 0, done.output
    report = tmp_path / "r.json"
    done = leaktrace("scan", str(leak), "--store", str(store), "--json", str(report))
    assert done.exit_code == 1, done.output
    [candidate] = json.loads(report.read_text())["candidates"]
    assert candidate["verdict"] == "derivative"
    assert {f["candidate_path"] for f in candidate["files"]} == {
        "pkg/console.py", "pkg/table.py", "pkg/progress.py"}  # fmt: skip
    assert "syntax error" not in done.output
    done = leaktrace("guard", str(leak), "--store", str(store))
    assert done.exit_code == 1, done.output
    assert "private-code" in done.output


def test_a_candidate_file_mostly_not_read_is_unread_and_says_so(tmp_path, monkeypatch):
    """rich's console.py with U+2028 line ends (JavaScript's line separator, not Python's):
    the first comment runs to the end of the file, 137 tokens of 10,267 cover 1 % of it. The
    candidate was ``clear`` (one syntax-error warning, the rest passed as read); it is
    ``incomplete`` now with one line, and a file read whole beside it is not the reason."""
    monkeypatch.chdir(tmp_path)  # the results database
    rich = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich"
    private = tmp_path / "acme"
    (private / "acme").mkdir(parents=True)
    shutil.copy(rich / "console.py", private / "acme" / "console.py")
    store = tmp_path / "acme.db"
    done = leaktrace("fingerprint", str(private), "--store", str(store))
    assert done.exit_code == 0, done.output
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "console.py").write_bytes((rich / "console.py").read_bytes().replace(
        b"\n", "\u2028".encode()))  # fmt: skip
    shutil.copy(rich / "markup.py", leak / "markup.py")
    report = tmp_path / "r.json"
    done = leaktrace("scan", str(leak), "--store", str(store), "--json", str(report))
    assert done.exit_code == 3, done.output
    [candidate] = json.loads(report.read_text())["candidates"]
    assert candidate["verdict"] == "incomplete"
    assert [u["path"] for u in candidate["unread"]] == ["console.py"]
    said = " ".join(done.output.split())
    assert "console.py: syntax error near line 1, and its tokens cover 1% of its text" in said
    done = leaktrace("guard", str(leak), "--store", str(store))
    assert done.exit_code == 3, done.output
