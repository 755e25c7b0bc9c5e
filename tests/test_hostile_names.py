"""Names from strangers (issue 11, rows 5 and 9): a file name holding a newline, a backtick, an
``<img onerror>``, a terminal escape or bytes that are not UTF-8 is one escaped line wherever it
is shown, runs nothing in any report, crashes nothing, and does not hide the private copy next to
it. Folders deeper than the walk's cap are one problem line, not a RecursionError.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from fingerprints import MAX_TREE_DEPTH, carried_name, printable, walk_tree
from scanner.cli import app
from scanner.reports.html_report import CSP
from scanner.reports.links import permalink
from scanner.reports.text import md_code, md_text, safe_link, uri_path
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_bytes()

IMG = "evil`<img src=x onerror=alert(1)>`\nleaktrace: forged.py: all clear.py"
CLEAR = "clear\x1b[2J\x1b]0;owned\x07.py"
BIDI = "invoice\u202etxt.py"
BAD_UTF8 = os.fsdecode(b"bad\xff\xfe.py")
BINARY = "bin\nleaktrace: forged: line.py"  # a problem line of its own: a binary .py
HOSTILE = [IMG, CLEAR, BIDI, BAD_UTF8]


def _tar(path: Path) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT,
                      errors="surrogateescape") as archive:  # fmt: skip
        for name, data in [*((n, JOURNAL) for n in HOSTILE), (BINARY, b"\0\1\2" * 100),
                           ("copy/journal.py", JOURNAL)]:  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return path


def _tar_of(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    """A tar at ``path`` holding ``entries`` (name, bytes)."""
    with tarfile.open(path, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "store.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)])
    assert done.exit_code == 0, done.output
    return db


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _assert_markdown_runs_nothing(text: str) -> None:
    """Rendered by a real CommonMark renderer with raw HTML allowed (and GFM tables), the
    Markdown holds only the tags the writer meant, with no attribute but table alignment."""
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    allowed = {"h1", "h2", "h3", "p", "ul", "ol", "li", "code", "strong", "em", "table",
               "thead", "tbody", "tr", "th", "td", "hr", "br"}  # fmt: skip
    for tag, attrs in _tags(rendered):
        assert tag in allowed, (tag, rendered)
        assert all(name == "style" and value in ("text-align:right", "text-align:left")
                   for name, value in attrs), (tag, attrs)  # fmt: skip
    assert "onerror" not in rendered or "&lt;img" in rendered


def test_names_are_carried_and_shown_escaped():
    assert carried_name(os.fsdecode(b"a\xffb")) == "a\\xffb"
    assert carried_name("ok/é.py") == "ok/é.py"
    assert carried_name("\ud800x") == "\\ud800x"  # a lone surrogate from a JSON source map
    assert printable("a\nb\x1b[2J\u202ec\td") == "a\\nb\\x1b[2J\\u202ec\\td"
    assert printable("ok/é ü.py") == "ok/é ü.py"
    for name in [*HOSTILE, BINARY, "``", " ` ", "a|b", "\\"]:
        span = md_code(carried_name(name), in_table=True)
        rendered = (
            MarkdownIt("commonmark", {"html": True})
            .enable("table")
            .render(f"| a |\n| --- |\n| {span} |\n\n- {md_code(carried_name(name))}\n")
        )
        shown = printable(carried_name(name))
        # the cell and the list item each hold exactly one code span with the whole name
        codes = re.findall(r"<code>(.*?)</code>", rendered, re.S)
        assert len(codes) == 2, rendered
        assert {html.unescape(c).strip() for c in codes} == {shown.strip()}, rendered
        _assert_markdown_runs_nothing(f"{md_text(name)}\n")
    assert uri_path("a b/#?.py") == "a%20b/%23%3F.py"


def test_hostile_names_in_an_archive_stay_one_line_and_run_nothing(store, tmp_path):
    tar = _tar(tmp_path / "drop.tar")
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "md", "html", "sarif")}
    results = str(tmp_path / "results.db")
    flags = [a for fmt, p in out.items() for a in (f"--{fmt}", str(p))]
    done = runner.invoke(app, ["scan", str(tar), "--store", str(store), "--results", results,
                               *flags])  # fmt: skip
    assert done.exit_code == 1, done.output  # the private copy beside them is still found
    assert "\x1b" not in done.output and "\u202e" not in done.output
    lines = done.output.splitlines()
    assert not any(line.startswith("leaktrace: forged") for line in lines)
    problem = [line for line in lines if line.startswith("leaktrace: ")]
    assert len(problem) == 1 and "bin\\nleaktrace: forged: line.py" in problem[0], problem

    # JSON: valid UTF-8, names as given (bad bytes as \xNN text), the copy found.
    data = json.loads(out["json"].read_bytes().decode("utf-8"))
    (candidate,) = data["candidates"]
    assert candidate["verdict"] == "derivative"
    paths = {pair["candidate_path"] for pair in candidate["files"]}
    assert paths == {IMG, CLEAR, BIDI, "bad\\xff\\xfe.py", "copy/journal.py"}

    # Markdown: rendered with raw HTML allowed, no tag or attribute of a name survives.
    markdown = out["md"].read_text()
    assert "\x1b" not in markdown and "\u202e" not in markdown
    assert not any(line.startswith("leaktrace: forged") for line in markdown.splitlines())
    _assert_markdown_runs_nothing(markdown)

    # HTML: no element from a name, and a CSP that allows only the page's own code.
    page = out["html"].read_text()
    assert "img" not in {tag for tag, _ in _tags(page)}
    assert f'content="{CSP}"' in page
    for tag in ("style", "script"):
        code = re.search(f"<{tag}>(.*?)</{tag}>", page, re.S)[1]
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in CSP
    assert "default-src 'none'" in CSP

    # SARIF: every URI a valid URI reference, percent-encoded.
    sarif = json.loads(out["sarif"].read_text())
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in sarif["runs"][0]["results"]
            for loc in result["locations"] + result["relatedLocations"]]  # fmt: skip
    assert uris and all(re.fullmatch(r"[A-Za-z0-9\-._~%!$&'()*+,;=@/]+", uri) for uri in uris)
    assert "evil%60%3Cimg%20src=x%20onerror=alert(1)%3E%60%0Aleaktrace" in " ".join(uris)

    # Review queue: one line per name, escaped; a decision takes the name as shown.
    queue = runner.invoke(app, ["review", "latest", "--results", results])
    assert queue.exit_code == 0
    assert "\x1b" not in queue.output
    assert not any(line.startswith("leaktrace: forged") for line in queue.output.splitlines())
    assert printable(IMG) in queue.output and printable(CLEAR) in queue.output
    decided = runner.invoke(app, ["review", "latest", str(tar), "--confirm", "--reason",
                                  "copy <b>checked</b>", "--files", printable(IMG), "--files",
                                  printable(CLEAR), "--files", "bad\\xff\\xfe.py",
                                  "--results", results])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert "\x1b" not in decided.output

    # Notice: each confirmed file on its own line, no forged line, nothing runs when rendered.
    notice = runner.invoke(app, ["notice", "latest", "--results", results])
    assert notice.exit_code == 0, notice.output
    text = notice.stdout
    assert "\x1b" not in text
    assert not any(line.startswith("leaktrace: forged") for line in text.splitlines())
    assert text.count("copies `acme-ledger/acme_ledger/journal.py`") == 3
    _assert_markdown_runs_nothing(text)

    # The results database holds the names as TEXT.
    with sqlite3.connect(results) as db:
        stored = db.execute("SELECT path FROM excerpts").fetchall()
    assert ("bad\\xff\\xfe.py",) in stored


def _bad_utf8_tree(root: Path) -> Path:
    folder = root / os.fsdecode(b"sub\xff")
    folder.mkdir(parents=True)
    (folder / os.fsdecode(b"ledger\xfe.py")).write_bytes(JOURNAL)
    (root / os.fsdecode(b"notes\xfd.py")).write_bytes(b"\0\1" * 50)  # binary: a problem line
    return root


def test_names_not_utf8_in_a_folder_a_zip_and_the_private_side(store, tmp_path):
    folder = _bad_utf8_tree(tmp_path / "suspect")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("PLACEH.py", JOURNAL)
    data = buffer.getvalue().replace(b"PLACEH", b"bad\xff\xfe\xfd")  # no UTF-8 flag: cp437
    (tmp_path / "drop.zip").write_bytes(data)
    report = tmp_path / "r.json"
    done = runner.invoke(app, ["scan", str(folder), str(tmp_path / "drop.zip"), "--store",
                               str(store), "--results", str(tmp_path / "r.db"), "--json",
                               str(report)])  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "internal error" not in done.output
    assert f"leaktrace: {folder}:notes\\xfd.py: " in done.output
    data = json.loads(report.read_bytes().decode("utf-8"))
    by_target = {c["target"]: c for c in data["candidates"]}
    assert [p["candidate_path"] for p in by_target[str(folder)]["files"]] == [
        "sub\\xff/ledger\\xfe.py"
    ]
    assert by_target[str(tmp_path / "drop.zip")]["verdict"] == "derivative"

    # A target whose own name is not UTF-8 (a command-line argument).
    target = tmp_path / os.fsdecode(b"t\xffdir")
    folder.rename(target)
    done = runner.invoke(app, ["scan", str(target), "--store", str(store), "--results",
                               str(tmp_path / "r.db"), "--json", str(report)])  # fmt: skip
    assert done.exit_code == 1, done.output
    (candidate,) = json.loads(report.read_bytes().decode("utf-8"))["candidates"]
    assert candidate["target"] == str(tmp_path / "t\\xffdir")
    folder = target

    # The private side: fingerprinted, stored as TEXT, found again by a scan of the same tree.
    private_store = tmp_path / "private.db"
    private = _bad_utf8_tree(tmp_path / "private")
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(private_store)])
    assert done.exit_code == 0, done.output
    assert "1 file(s) fingerprinted" in done.output
    with sqlite3.connect(private_store) as db:
        assert db.execute("SELECT path FROM files").fetchall() == [("sub\\xff/ledger\\xfe.py",)]
    again = runner.invoke(app, ["fingerprint", str(private), "--store", str(private_store)])
    assert "1 unchanged" in again.output
    done = runner.invoke(app, ["scan", str(folder), "--store", str(private_store),
                               "--results", str(tmp_path / "r2.db")])  # fmt: skip
    assert done.exit_code == 1, done.output


def _deep(root: Path, levels: int) -> Path:
    """``levels`` nested folders below ``root`` (by relative steps: no path grows too long)."""
    root.mkdir(parents=True)
    cwd = os.getcwd()
    try:
        os.chdir(root)
        for _ in range(levels):
            os.mkdir("d")
            os.chdir("d")
        Path("deep.py").write_bytes(JOURNAL)
    finally:
        os.chdir(cwd)
    return root


def _remove_deep(root: Path) -> None:
    """Without recursion (shutil.rmtree recurses on Python 3.11)."""
    stack = [root]
    while stack:
        here = stack[-1]
        children = list(os.scandir(here))
        folders = [Path(e.path) for e in children if e.is_dir(follow_symlinks=False)]
        for entry in children:
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        if folders:
            stack.extend(folders)
        else:
            os.rmdir(here)
            stack.pop()


def test_a_folder_1500_levels_deep_is_one_problem_line_on_both_sides(store, tmp_path):
    suspect = tmp_path / "suspect"
    _deep(suspect / "nest", 1500)
    (suspect / "copy.py").write_bytes(JOURNAL)
    try:
        entries = list(walk_tree(suspect, private=False))
        deepest = [e for e in entries if e.problem]
        assert len(deepest) == 1 and deepest[0].path.count("/") == MAX_TREE_DEPTH + 1
        done = runner.invoke(app, ["scan", str(suspect), "--store", str(store),
                                   "--results", str(tmp_path / "r.db")])  # fmt: skip
        assert done.exit_code == 1, done.output  # the copy beside it: derivative
        assert "RecursionError" not in done.output
        lines = [line for line in done.output.splitlines() if line.startswith("leaktrace: ")]
        assert len(lines) == 1 and f"more than {MAX_TREE_DEPTH} levels deep" in lines[0]

        done = runner.invoke(app, ["fingerprint", str(suspect), "--store",
                                   str(tmp_path / "deep.db")])  # fmt: skip
        assert done.exit_code == 0, done.output
        lines = [line for line in done.output.splitlines() if line.startswith("leaktrace: ")]
        assert len(lines) == 1 and f"more than {MAX_TREE_DEPTH} levels deep" in lines[0]
    finally:
        _remove_deep(suspect)


HOSTILE_LINKS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " https://github.com/a/b",  # a leading space: not a URL a reader would open
    "data:text/html,<script>alert(1)</script>",
    "https://github.com/a/b\njavascript:alert(1)",
    "https://github.com/a/b\r",
    'https://github.com/a/b" onmouseover="alert(1)',
    "https://github.com/a/b><img src=x onerror=alert(1)>",
    "https://github.com/a/b`x`",
    "https://github.com/a/\u202etxt.py",  # an RTL override
    "https://github.com/a/b c",
    "https://",
    "https:///path-without-host",
    "https://[::1",
    "http://github.com/a/b",
    None,
    42,
]


def test_one_safe_link_rule_refuses_every_hostile_url():
    for url in HOSTILE_LINKS:
        assert safe_link(url) is None, url
    for url in ("https://github.com/a/b/blob/" + "0" * 40 + "/x.py#L1-L2",
                "https://unpkg.com/@acme/ui@1.0.0/dist/a%0Ab.js",
                "https://pypi.org/project/acme-ledger/1.4.0/"):  # fmt: skip
        assert safe_link(url) == url


def test_a_permalink_escapes_its_path_with_the_one_uri_rule():
    path = "src/it's #1?\nleaktrace: forged.py:\u202etxt.py"
    revision = "a" * 40
    link = permalink("github:acme/ui", revision, path, (3, 4))
    assert link == f"https://github.com/acme/ui/blob/{revision}/{uri_path(path)}#L3-L4"
    assert safe_link(link) == link and "%0A" in link and "%23" in link and "%3A" in link


def test_no_report_and_no_served_page_links_a_hostile_url(tmp_path):
    """A report whose links were tampered with (the JSON, the results database): HTML,
    Markdown, the notice and ``serve``'s pages make no link of any of them."""
    from scanner.reports import Sources, html_report, md_report
    from scanner.reports.notice import draft_notice
    from scanner.serve.app import _environment

    db, results = tmp_path / "s.db", tmp_path / "results.db"
    assert runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)]).exit_code == 0
    copy = SAMPLES / "candidates" / "renamed-reformatted"
    done = runner.invoke(app, ["scan", str(copy), "--store", str(db), "--results", str(results)])
    assert done.exit_code == 1, done.output
    done = runner.invoke(app, ["report", "latest", "--results", str(results), "--format", "json"])
    report = json.loads(done.output)
    candidate = report["candidates"][0]
    fragments = [f for p in candidate["files"] for f in p["fragments"]]
    assert len(fragments) >= 2
    for n, fragment in enumerate(fragments):
        fragment["link"] = HOSTILE_LINKS[n % len(HOSTILE_LINKS)]
    candidate["review"].update(confirmed=[p["candidate_path"] for p in candidate["files"]],
                               awaiting=[])  # fmt: skip
    page, summary = io.StringIO(), io.StringIO()
    html_report.write(report, page, Sources())
    md_report.write(report, summary, Sources())
    hrefs = re.findall(r'href="([^"]*)"', page.getvalue())
    assert all(h.startswith("#") for h in hrefs), hrefs  # anchors inside the page only
    for text in (summary.getvalue(), draft_notice(report)):
        rendered = MarkdownIt("commonmark").render(text)
        assert re.findall(r'href="([^"]*)"', rendered) == []
    shown = _environment().from_string("{% for l in links %}{{ l|https }};{% endfor %}")
    assert shown.render(links=HOSTILE_LINKS) == "None;" * len(HOSTILE_LINKS)


CLIMBING = ["../../react@18.3.1/index.py", "//evil.example/x.py", "a/./../../../b.py"]
"""Names inside a package that would climb out of it, or name another host, once a reader
resolves them as URLs."""


def test_no_link_and_no_sarif_uri_climbs_out_of_the_candidate(store, tmp_path):
    """npm names from a stranger in a notice's unpkg links, the reports' file URLs and the
    SARIF URIs: each stays below the package it is in (a browser resolves ``..`` and ``//``:
    the notice would name react's file, or a file on another host)."""
    from tests.servers import FakeRegistry

    sarif, results = tmp_path / "r.sarif", str(tmp_path / "results.db")
    with FakeRegistry() as registry:
        registry.add_npm("evil-pkg", "1.0.0", {name: JOURNAL for name in CLIMBING})
        done = runner.invoke(app, ["scan", "npm:evil-pkg@1.0.0", "--store", str(store),
                                   "--results", results, "--npm-registry", registry.url,
                                   "--sarif", str(sarif)])  # fmt: skip
    assert done.exit_code == 1, done.output
    decided = runner.invoke(app, ["review", "latest", "npm:evil-pkg@1.0.0", "--confirm",
                                  "--reason", "copy", "--results", results])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    notice = runner.invoke(app, ["notice", "latest", "--results", results])
    assert notice.exit_code == 0, notice.output
    links = re.findall(r"<(https://unpkg[^>]*)>", notice.stdout)
    data = json.loads(sarif.read_text())
    results_ = data["runs"][0]["results"]
    links += [r["properties"]["fileUrl"] for r in results_]
    assert len(links) == 2 * len(CLIMBING), notice.stdout
    for link in links:  # httpx resolves dot segments as a browser does
        assert httpx.URL(link).path.startswith("/evil-pkg@1.0.0/"), link
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results_]
    base = "https://checkout.example/src/"
    assert sorted(unquote(u) for u in uris) == sorted(f"package/{n}" for n in CLIMBING)
    for uri in uris:
        assert urljoin(base, uri).startswith(base), uri
    revision = "a" * 40
    for name in CLIMBING:  # a GitHub permalink stays in its repository at its commit
        link = permalink("github:acme/ui", revision, name, (1, 2))
        assert httpx.URL(link).path.startswith(f"/acme/ui/blob/{revision}/"), link
    assert uri_path("src/a b.py") == "src/a%20b.py"  # a plain name keeps its folders


def test_emoji_codes_in_names_are_shown_as_they_are(store, tmp_path):
    """rich turns ``:fire:`` into an emoji even with markup off: a name would be shown (and
    pasted back into ``review --files``) as another name. On a terminal (a real process with
    FORCE_TERMINAL), the problem line and the verdict table; the review queue always."""
    tar = _tar_of(tmp_path / "drop-:smile:.tar",
                  [(":fire:.py", JOURNAL), (":red_circle:.py", b"\0\1\2" * 100)])  # fmt: skip
    results = str(tmp_path / "results.db")
    env = {**os.environ, "FORCE_TERMINAL": "1", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tar), "--store",
                           str(store), "--results", results],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"{tar}::red_circle:.py: binary file" in done.stderr, done.stderr
    assert "drop-:smile:.tar" in done.stdout, done.stdout  # the verdict table's cell
    queue = runner.invoke(app, ["review", "latest", "--results", results])
    assert queue.exit_code == 0, queue.output
    assert "    :fire:.py\n" in queue.output, queue.output
    decided = runner.invoke(app, ["review", "latest", str(tar), "--confirm", "--reason", "copy",
                                  "--files", ":fire:.py", "--results", results])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert decided.output == f"confirmed {tar}: :fire:.py\n"


def _renamed_reference(folder: Path, name: str) -> Path:
    """The sample reference package (iso8601 2.1.0), its module renamed ``name``."""
    buffer = io.BytesIO()
    with (
        tarfile.open(SAMPLES / "references" / "iso8601-2.1.0.tar.gz") as source,
        tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive,
    ):
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("iso8601/iso8601.py"):
                member.name = name
            archive.addfile(member, io.BytesIO(data) if data is not None else None)
    reference = folder / "iso8601-2.1.0.tar.gz"
    reference.write_bytes(buffer.getvalue())
    return reference


def test_a_reference_packages_file_name_is_escaped_in_the_markdown_report(tmp_path):
    """A reference package (``background``) is public code a stranger published: the name of
    the file that holds the public code is shown, in the Markdown report's "Public code"
    section, as a code span like every other name (it was written inside bare backticks: a
    backtick or a newline in it forged a heading, an ``<img>`` and a link)."""
    hostile = "iso8601-2.1.0/iso8601/`<img src=x onerror=alert(1)>`\n# forged\n[x](javascript:1).py"
    reference = _renamed_reference(tmp_path, hostile)
    db, summary = tmp_path / "s.db", tmp_path / "summary.md"
    public = SAMPLES / "public" / "acme-pay-sdk"
    for args in (["fingerprint", str(PRIVATE), "--public", str(public)],
                 ["background", str(reference)]):  # fmt: skip
        done = runner.invoke(app, [*args, "--store", str(db)])
        assert done.exit_code == 0, done.output
    target = tmp_path / "vendors`\n# forged target"
    shutil.copytree(SAMPLES / "candidates" / "vendors-iso8601", target)
    done = runner.invoke(app, ["scan", str(target), "--store", str(db), "--results",
                               str(tmp_path / "r.db"), "--md", str(summary)])  # fmt: skip
    assert done.exit_code in (0, 1), done.output
    markdown = summary.read_text()
    section = markdown.split("## Public code", 1)[1]
    assert md_code(hostile) in section and md_code(str(target)) in section, section
    assert not any(line.startswith("# forged") for line in markdown.splitlines())
    _assert_markdown_runs_nothing(markdown)


def test_inventory_json_is_ascii_so_no_name_acts_on_the_terminal(tmp_path):
    """``inventory --json`` wrote a reference file's name with its U+202E (bidi override),
    U+009B (a C1 CSI: ``\x9b2J`` clears some terminals' screens) and U+2028 as they are; every
    other JSON leaktrace writes is ASCII, with escapes."""
    hostile = "iso8601-2.1.0/iso8601/bidi\u202etxt.\x9b2J\u2028[b]x[/b]:smile:.py"
    reference = _renamed_reference(tmp_path, hostile)
    db = tmp_path / "s.db"
    for args in (["fingerprint", str(PRIVATE)], ["background", str(reference)]):
        done = runner.invoke(app, [*args, "--store", str(db)])
        assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["inventory", str(db), "--json"])
    assert done.exit_code == 0, done.output
    assert done.stdout.isascii(), [c for c in done.stdout if not c.isascii()]
    files = [f for repo in json.loads(done.stdout)["repos"] for f in repo["files"]]
    assert [f["reference_path"] for f in files] == [hostile]


CI_COMMANDS = ["##[set-output name=exit-code;]0.py", "a ##vso[task.prependpath]/tmp/evil.py",
               "::add-mask::FAIL.py", "x ##teamcity[setParameter name='a'].py"]  # fmt: skip
"""Names a CI runner would read as commands in a log line: GitHub Actions ``##[...]`` anywhere,
``::...::`` at a line's start after spaces; Azure Pipelines ``##vso[``; TeamCity
``##teamcity[``."""


def _ci_command(line: str) -> bool:
    """Whether a CI runner would take ``line`` for a command (GitHub's runner: TryParseV2 after
    TrimStart, TryParse anywhere; Azure's and TeamCity's prefixes anywhere)."""
    return line.lstrip().startswith("::") or re.search(r"##[A-Za-z]*\[", line) is not None


def test_no_name_is_a_ci_command_in_a_log_line(store, tmp_path):
    """guard in CI (action.yml) prints a source map's paths, scan and review print file names:
    a stranger's name set a step output, masked a word, added to the PATH of later steps or
    forged an annotation. Each is shown with ``\\x23`` or ``\\x3a``, the same in every output,
    and ``review --files`` takes it as shown."""
    tar = _tar_of(tmp_path / "drop.tar",
                  [*((n, JOURNAL) for n in CI_COMMANDS), ("::x\n.py", b"\0" * 99)])  # fmt: skip
    results = str(tmp_path / "results.db")
    done = runner.invoke(app, ["scan", str(tar), "--store", str(store), "--results", results])
    assert done.exit_code == 1, done.output
    queue = runner.invoke(app, ["review", "latest", "--results", results])
    decided = runner.invoke(app, ["review", "latest", str(tar), "--confirm", "--reason", "copy",
                                  "--files", printable(CI_COMMANDS[2]),
                                  "--results", results])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    site = tmp_path / "site"
    site.mkdir()
    (site / "app.js.map").write_text(json.dumps({
        "version": 3, "file": "app.js", "mappings": "AAAA", "names": [],
        "sources": ["::error file=a.py::forged", *(f"../../{n}" for n in CI_COMMANDS)],
        "sourcesContent": ["let a = 1;\n", None, None, None, None]}))  # fmt: skip
    guarded = runner.invoke(app, ["guard", str(site)])
    assert guarded.exit_code == 1, guarded.output
    lines = [line for out in (done, queue, decided, guarded) for line in out.output.splitlines()]
    assert not [line for line in lines if _ci_command(line)]
    assert "    \\x3a:add-mask::FAIL.py" in queue.output, queue.output
    assert "#\\x23vso[task.prependpath]" in guarded.output, guarded.output
    assert "     \\x3a:error file=a.py::forged" in guarded.output, guarded.output
    assert decided.output == f"confirmed {tar}: ::add-mask::FAIL.py\n"  # not a line's start


def _unprintable(shown: str) -> str:
    """``printable`` read back (the carried text of a name): each escape it writes, once."""
    escapes = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}

    def one(match: re.Match[str]) -> str:
        text = match.group(0)
        if text[1] in escapes:
            return escapes[text[1]]
        code = int(text[2:], 16)
        return text if text[1] == "x" and code >= 0x80 else chr(code)  # a carried byte stays

    return re.sub(r"\\(?:[nrt\\]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", one, shown)


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
@settings(max_examples=400, deadline=None)
def test_a_shown_name_reads_back_as_the_one_name_it_is(name):
    """Names with backslashes, escapes, controls, bytes carried as ``\\xNN``: printable is one
    to one (a shown name is never two names) and reads back, and an ordinary name is shown as
    it is."""
    name = carried_name(name)
    shown = printable(name)
    assert shown.isprintable()
    assert _unprintable(shown) == name, (name, shown)
    if name.isprintable() and "\\" not in name and "##" not in name and "::" not in name:
        assert shown == name


def test_a_backslash_name_and_an_escape_name_are_told_apart(store, tmp_path):
    """``a\\x1b.py`` (four characters) and ``a<ESC>.py``: two lines in the queue, and a decision
    pasted with either shown name takes that file only."""
    four, escape = "a\\x1b.py", "a\x1b.py"
    folder = tmp_path / "drop"  # a folder: an archive reads a backslash as a separator
    folder.mkdir()
    (folder / four).write_bytes(JOURNAL)
    (folder / escape).write_bytes(JOURNAL)
    results = str(tmp_path / "results.db")
    done = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--results", results])
    assert done.exit_code == 1, done.output
    queue = runner.invoke(app, ["review", "latest", "--results", results]).output
    assert "\x1b" not in queue
    assert printable(four) == "a\\\\x1b.py" and printable(escape) == "a\\x1b.py"
    lines = {line.strip() for line in queue.splitlines()}
    assert {"a\\\\x1b.py", "a\\x1b.py"} <= lines, queue
    decided = runner.invoke(app, ["review", "latest", str(folder), "--confirm", "--reason", "ok",
                                  "--files", printable(four), "--results", results])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert decided.output.strip().endswith(": a\\\\x1b.py"), decided.output
    data = json.loads(runner.invoke(app, ["report", "latest", "--format", "json",
                                          "--results", results]).stdout)  # fmt: skip
    assert data["candidates"][0]["review"]["confirmed"] == [four]


def _uncarried(carried: str) -> str:
    """The name ``carried_name`` was given, read back from what it wrote."""

    def one(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "\\x5c":
            return "\\"
        return chr(0xDC00 + int(text[2:], 16)) if text[1] == "x" else chr(int(text[2:], 16))

    return re.sub(r"\\(?:x5c|x[89a-f][0-9a-f]|ud[89a-f][0-9a-f]{2})", one, carried)


_NAME_PIECES = st.sampled_from(["\\", "\\x", "\\xff", "\\x5c", "\\ud800", "x", "5", "c", "f",
                                "u", "d8", "00", "\udcff", "\udc80", "\ud800", "a"])  # fmt: skip


@given(st.lists(_NAME_PIECES, max_size=14).map("".join))
@settings(max_examples=600, deadline=None)
def test_two_names_never_share_a_carried_name(name):
    """A byte 0xff (``\\udcff``) and the text ``\\xff``, a lone surrogate and the text
    ``\\ud800``, and ``\\x5c`` itself: every name is read back from its carried name, so two
    different names never carry (nor are stored as) one. Before, ``b<0xff>.py`` and the
    five characters ``b\\xff.py`` were one stored name."""
    carried = carried_name(name)
    carried.encode("utf-8")  # valid Unicode, as JSON and SQLite TEXT take it
    assert _uncarried(carried) == name, (name, carried)


def test_a_byte_and_its_escape_text_are_two_stored_files(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / os.fsdecode(b"b\xff.py")).write_text("def byte():\n    return 255\n")
    (folder / "b\\xff.py").write_text("def text():\n    return '\\\\xff'\n")
    store = tmp_path / "s.db"
    done = runner.invoke(app, ["fingerprint", str(folder), "--store", str(store)])
    assert done.exit_code == 0, done.output
    with sqlite3.connect(store) as db:
        paths = sorted(path for (path,) in db.execute("SELECT path FROM files"))
    assert paths == ["b\\x5cxff.py", "b\\xff.py"], paths
