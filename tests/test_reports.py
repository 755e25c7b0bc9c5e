"""Reports in every format, review decisions and the takedown notice (issue: evidence)."""

from __future__ import annotations

import io
import json
import re
import tarfile
from importlib import resources

import jsonschema
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
CANDIDATES = SAMPLES / "candidates"
TARGETS = [
    str(CANDIDATES / n)
    for n in (
        "subset-copy",
        "renamed-reformatted",
        "pasted-into-large.tar.gz",
        "lookalike-independent",
        "fork-of-public-sdk",
    )
]
TOKEN = "ghp_" + "Z9" * 18  # a GitHub-token-shaped secret that must never reach a report
FORMATS = ("json", "html", "md", "sarif")


def candidate_texts() -> str:
    """Every byte of every sample candidate (folders and the archive), as text."""
    parts = [
        p.read_text(errors="replace")
        for p in CANDIDATES.rglob("*")
        if p.is_file() and not p.name.endswith(".tar.gz")
    ]
    with tarfile.open(CANDIDATES / "pasted-into-large.tar.gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                parts.append(tar.extractfile(member).read().decode(errors="replace"))
    return "\n".join(parts)


def private_only_strings() -> list[str]:
    """Distinctive words of the private code that no candidate contains: if a report holds one,
    it came from the private side."""
    public = candidate_texts()
    words: set[str] = set()
    for path in PRIVATE.rglob("*.py"):
        if "_vendor" in path.parts or "proto" in path.parts:
            continue
        words |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]{11,}", path.read_text()))
        words |= {s for s in re.findall(r'"([^"\n]{16,})"', path.read_text())}
    found = sorted(w for w in words if w not in public)
    assert len(found) > 50
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    store, results = folder / "store.db", folder / "results.db"
    done = runner.invoke(
        app,
        ["fingerprint", str(PRIVATE), "--public", str(PUBLIC), "--store", str(store)],
        env={"GITHUB_TOKEN": TOKEN},
    )
    assert done.exit_code == 0, done.output
    outputs = {fmt: folder / f"report.{fmt}" for fmt in FORMATS}
    done = runner.invoke(
        app,
        [
            "scan",
            *TARGETS,
            "--store",
            str(store),
            "--results",
            str(results),
            "--json",
            str(outputs["json"]),
            "--html",
            str(outputs["html"]),
            "--md",
            str(outputs["md"]),
            "--sarif",
            str(outputs["sarif"]),
        ],
        env={"GITHUB_TOKEN": TOKEN},
    )
    assert done.exit_code == 1, done.output
    return {"folder": folder, "store": store, "results": results, "outputs": outputs}


def test_json_report_validates_against_the_shipped_schema(run):
    schema = json.loads(
        resources.files("scanner.schemas").joinpath("report-1.schema.json").read_text()
    )
    report = json.loads(run["outputs"]["json"].read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["provenance"]["private_source_included"] is False
    assert len(report["provenance"]["store_digest"]) == 64
    verdicts = {c["target"].rsplit("/", 1)[-1]: c["verdict"] for c in report["candidates"]}
    assert verdicts == {
        "subset-copy": "derivative",
        "renamed-reformatted": "derivative",
        "pasted-into-large.tar.gz": "derivative",
        "lookalike-independent": "clear",
        "fork-of-public-sdk": "clear",
    }
    archive = next(c for c in report["candidates"] if c["kind"] == "archive")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", archive["revision"])
    fragment = report["candidates"][0]["files"][0]["fragments"][0]
    assert fragment["fingerprint_hashes"] and fragment["fingerprints"] >= 1


def test_sarif_validates_against_the_sarif_2_1_0_schema(run):
    schema = json.loads((SAMPLES.parent / "tests/schemas/sarif-2.1.0-rtm.5.json").read_text())
    sarif = json.loads(run["outputs"]["sarif"].read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    report = json.loads(run["outputs"]["json"].read_text())
    pairs = sum(len(c["files"]) for c in report["candidates"])
    assert len(sarif["runs"][0]["results"]) == pairs > 0
    levels = {r["level"] for r in sarif["runs"][0]["results"]}
    assert levels == {"error"}


def test_html_is_self_contained(run):
    page = run["outputs"]["html"].read_text()
    assert page.startswith("<!doctype html>")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(", page)
    assert "private-source-banner" not in page
    assert page.count('class="summary-row"') == len(TARGETS)


def test_markdown_summary_names_flagged_candidates(run):
    text = run["outputs"]["md"].read_text()
    assert text.startswith("# leaktrace: 3 derivative, 0 to review, 0 incomplete, 2 clear")
    assert "invoicer_lite/core/bankmatch.py" in text and "acme_ledger/reconciliation.py" in text


def test_no_report_holds_private_source_or_the_token_unless_asked(run):
    secrets = private_only_strings()
    for fmt in FORMATS:
        text = run["outputs"][fmt].read_text()
        assert TOKEN not in text, fmt
        leaked = [s for s in secrets if s in text]
        assert leaked == [], (fmt, leaked[:5])
    # Reports made later from the results database: the same, and the database too.
    for fmt in FORMATS:
        done = runner.invoke(
            app, ["report", "latest", "--format", fmt, "--results", str(run["results"])]
        )
        assert done.exit_code == 0, done.output
        assert not [s for s in secrets if s in done.stdout] and TOKEN not in done.stdout
    assert not [s for s in secrets if s.encode() in run["results"].read_bytes()]

    # With --include-private-source the private code is there, and the report says so at the top.
    html = run["folder"] / "internal.html"
    done = runner.invoke(
        app,
        [
            "report",
            "latest",
            "--out",
            str(html),
            "--results",
            str(run["results"]),
            "--include-private-source",
            str(PRIVATE),
        ],
    )
    assert done.exit_code == 0, done.output
    page = html.read_text()
    assert 'id="private-source-banner"' in page[:3500]
    assert [s for s in secrets if s in page]
    done = runner.invoke(
        app,
        [
            "report",
            "latest",
            "--format",
            "json",
            "--results",
            str(run["results"]),
            "--include-private-source",
            str(PRIVATE),
        ],
    )
    data = json.loads(done.stdout)
    assert data["provenance"]["private_source_included"] is True
    excerpts = [
        f["private_excerpt"] for c in data["candidates"] for p in c["files"] for f in p["fragments"]
    ]
    assert all(excerpts) and [s for s in secrets if any(s in e for e in excerpts)]


def _json(args: list[str]) -> dict:
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_review_decisions_drive_the_notice_and_survive_a_rescan(run, tmp_path):
    results = str(run["results"])
    queue = runner.invoke(app, ["review", "latest", "--results", results])
    assert queue.exit_code == 0
    for name in ("subset-copy", "renamed-reformatted", "pasted-into-large.tar.gz"):
        assert name in queue.stdout
    refused = runner.invoke(app, ["notice", "latest", "--results", results])
    assert refused.exit_code == 2 and "nothing is confirmed" in refused.stderr

    subset = str(CANDIDATES / "subset-copy")
    done = runner.invoke(
        app,
        [
            "review",
            "latest",
            subset,
            "--confirm",
            "--reason",
            "checked line by line",
            "--by",
            "analyst@acme",
            "--files",
            "invoicer_lite/core/money.py",
            "--files",
            "tools/payout-batcher/batch.go",
            "--results",
            results,
        ],
    )
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        app,
        [
            "review",
            "latest",
            "renamed-reformatted",
            "--dismiss",
            "--reason",
            "our own contractor's sanctioned copy",
            "--results",
            results,
        ],
    )
    assert done.exit_code == 0, done.output
    bad = runner.invoke(app, ["review", "latest", subset, "--confirm", "--results", results])
    assert bad.exit_code == 2 and "--reason is required" in bad.stderr

    def notice_text() -> str:
        out = tmp_path / "notice.md"
        done = runner.invoke(app, ["notice", "latest", "--out", str(out), "--results", results])
        assert done.exit_code == 0, done.output
        return out.read_text()

    text = notice_text()
    assert "`invoicer_lite/core/money.py`, lines" in text
    assert "`tools/payout-batcher/batch.go`, lines" in text
    assert "bankmatch.py" not in text  # matched, but not confirmed
    assert "renamed-reformatted" not in text and "tallyhub" not in text  # dismissed
    assert "pasted-into-large" not in text  # awaiting a decision
    assert "representative number" not in text.lower()
    assert "penalty of perjury" in text and "[SIGNATURE]" in text
    assert "Confirmed by `analyst@acme" in text

    # A re-scan of the same candidates: the decisions still apply, and show in every report.
    done = runner.invoke(
        app, ["scan", *TARGETS, "--store", str(run["store"]), "--results", results]
    )
    assert done.exit_code == 1
    data = _json(["report", "latest", "--format", "json", "--results", results])
    assert data["run"]["id"] == 2
    by_name = {c["target"].rsplit("/", 1)[-1]: c for c in data["candidates"]}
    assert sorted(by_name["subset-copy"]["review"]["confirmed"]) == [
        "invoicer_lite/core/money.py",
        "tools/payout-batcher/batch.go",
    ]
    assert by_name["subset-copy"]["review"]["awaiting"] == ["invoicer_lite/core/bankmatch.py"]
    assert by_name["renamed-reformatted"]["review"]["dismissed_whole"] is True
    assert notice_text() == text.replace("run 1,", "run 2,")
    page = io.StringIO()
    done = runner.invoke(app, ["report", "latest", "--format", "html", "--results", results])
    page.write(done.stdout)
    assert "checked line by line" in page.getvalue()


def test_a_history_path_cannot_break_out_of_its_markdown_code_span():
    from scanner.reports.md_report import _history

    seen = {"commit": "a" * 40, "date": "2026-01-01 [x](https://evil.example)",
            "path": "src/`[click](https://evil.example)`.py"}  # fmt: skip
    text = _history({"seen": [seen, seen], "at_tip": False, "commits": 2})
    assert "[x](" not in text and r"\[x\]\(" in text  # the date: plain text, escaped
    assert " at ``src/`[click](https://evil.example)`.py``," in text  # one span, whole name


def test_the_json_report_text_is_what_json_writes():
    """The JSON report is written by orjson, its text as ``json.dumps(report, indent=2)``: ASCII
    only (BMP and astral characters escaped as json escapes them, so a hostile name cannot
    smuggle raw control or bidi characters), what orjson refuses (a lone surrogate, an integer
    beyond 64 bits) written by json itself, and after what the stream already holds, whatever
    its encoding."""
    from scanner.reports import Sources
    from scanner.reports.json_report import dumps, write

    report = {"target": "caf\u00e9/\u202etxt.py\U0001f600", "score": 0.25, "none": None,
              "lines": [[1, 2], []], "nested": {"\u00fc": ["\x00\n\t\"\\"], "empty": {}},
              "flag": True, "tokens": 2**63 - 1}  # fmt: skip
    assert dumps(report) == json.dumps(report, indent=2).encode("ascii")
    for refused in ({"name": "bad\udc80name"}, {"tokens": 2**70}):
        assert dumps(refused) == json.dumps(refused, indent=2).encode("ascii")
    assert json.loads(dumps({"small": 1e-05})) == {"small": 1e-05}
    expected = "before " + json.dumps(report, indent=2) + "\n"
    for encoding in ("utf-8", "utf-16"):
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding=encoding)
        out.write("before ")
        write(report, out, Sources())
        out.flush()
        assert raw.getvalue().decode(encoding) == expected
    text = io.StringIO()
    text.write("before ")
    write(report, text, Sources())
    assert text.getvalue() == expected


def test_the_json_report_escapes_runs_beyond_ascii_across_the_chunks_they_are_found_in():
    """The runs of bytes beyond ASCII are found a chunk at a time: a run that straddles two
    chunks (a character cut in two, or a run of several) is one run, and a report of several
    chunks is still what json writes."""
    import re

    from scanner.reports.json_report import _non_ascii_runs, dumps

    data = "ab\u00e9\u65e5c\U0001f600\u00fc".encode() + b"x" * 5 + "\u20ac".encode()
    expected = [m.span() for m in re.finditer(rb"[\x80-\xff]+", data)]
    for chunk in (1, 2, 3, 4, 7, 1 << 20):
        assert list(_non_ascii_runs(data, chunk)) == expected
    assert list(_non_ascii_runs(b"plain", 2)) == []
    report = {"names": [f"\u65e5{n}\u00e9" * (n % 7) for n in range(120_000)]}  # ~2 MB
    assert dumps(report) == json.dumps(report, indent=2).encode("ascii")


def test_the_json_report_is_whole_through_a_stream_that_takes_part_of_each_write(tmp_path):
    """``python -u`` makes stdout's binary layer a raw ``FileIO``, whose ``write`` may take part
    of the bytes, or none (``None``) on a full non-blocking pipe: every byte still goes out, in
    order (a piece left out would still be valid JSON, with other contents)."""
    from scanner.reports import Sources
    from scanner.reports.json_report import write

    class Stingy(io.RawIOBase):
        """Takes at most 7 bytes a call and, every third call, none."""

        def __init__(self) -> None:
            self.got, self.calls = bytearray(), 0

        def writable(self) -> bool:
            return True

        def fileno(self) -> int:
            return 1  # select() on it: a terminal or pipe that is writable here

        def write(self, data) -> int | None:
            self.calls += 1
            if self.calls % 3 == 0:
                return None
            self.got += bytes(data[:7])
            return min(7, len(data))

    report = {"candidates": [{"path": f"file{n}.py", "excerpt": "\u00e9\n" * n}
                             for n in range(50)]}  # fmt: skip
    raw = Stingy()
    out = io.TextIOWrapper(raw, encoding="utf-8")  # type: ignore[arg-type]
    write(report, out, Sources())
    assert raw.got.decode("ascii") == json.dumps(report, indent=2) + "\n"


def test_the_notice_names_the_confirmations_that_cover_each_file(store, tmp_path):
    """A location confirmed file by file (--files) by one person, and one of its files' content
    confirmed elsewhere (--everywhere, as serve confirms) by another: each file's record names
    the confirmation that covers it, and a file both cover is under both. Before, the latest
    content confirmation was named for every file of the location, whatever it covered."""
    import shutil

    copy = tmp_path / "suspects" / "acme-copy"
    shutil.copytree(SAMPLES / "private" / "acme-ledger" / "acme_ledger", copy / "acme_ledger")
    subset = tmp_path / "subset-copy"
    shutil.copytree(SAMPLES / "candidates" / "subset-copy", subset)
    results = str(tmp_path / "results.db")

    def cli(*args: str) -> str:
        done = runner.invoke(app, [*args, "--results", results])
        assert done.exit_code in (0, 1), done.output
        return done.stdout

    cli("scan", str(subset), str(copy), "--store", str(store))
    cli("review", "latest", str(copy), "--confirm", "--reason", "checked", "--by", "alice",
        "--files", "acme_ledger/**/*.py")  # fmt: skip
    shared = "acme_ledger/money.py"  # byte-identical to subset-copy's core/money.py
    assert (copy / shared).read_bytes() == (subset / "invoicer_lite/core/money.py").read_bytes()
    cli("review", "latest", str(subset), "--confirm", "--everywhere", "--by", "bob",
        "--reason", "same code as bankmatch", "--files", "invoicer_lite/core/money.py")  # fmt: skip
    text = cli("notice", "latest")
    section = text[text.index(f"`{copy}`") : text.index("## 3.")]
    listed = re.findall(r"^- `(acme_ledger/[^`]+)`, lines", section, re.MULTILINE)
    assert len(listed) == 9  # the 10 Python files of acme_ledger/ but the MIT compat/iso8601.py
    [alice] = [line for line in section.splitlines() if "Confirmed by `alice`" in line]
    [bob] = [line for line in section.splitlines() if "Confirmed by `bob`" in line]
    assert alice.endswith(": checked") and ", here, for " in alice
    assert re.findall(r"`(acme_ledger/[^`]+)`", alice) == listed  # every file, by path
    assert bob.endswith(": same code as bankmatch") and "wherever it appears" in bob
    assert re.findall(r"`(acme_ledger/[^`]+)`", bob) == [shared]  # only the file it matches
