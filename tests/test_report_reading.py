"""Reports that read right to counsel (issue 14), on real packages.

The private side: immer's and mobx's TypeScript sources (their published ``src/`` folders, as a
company's repositories) and the requests 2.32.3 sdist (an archive). The candidates: the real
npm tarballs of immer 10.1.1 and mobx 6.13.5 (whose source maps carry that source), requests
2.31.0 and 2.32.3 from PyPI, all served by ``FakeRegistry`` with the registries' real bytes.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.reports import Sources, html_report, md_report, sarif_report
from scanner.reports.wording import shown_verdict
from tests.real_packages import npm_tarball, pypi_sdist_file
from tests.servers.registry import FakeRegistry

runner = CliRunner()
FORMATS = ("json", "html", "md", "sarif")


@pytest.fixture(scope="module")
def packages():
    return {
        "immer": npm_tarball("immer", "10.1.1"),
        "mobx": npm_tarball("mobx", "6.13.5"),
        "requests": pypi_sdist_file("requests", "2.32.3"),
        "requests-old": pypi_sdist_file("requests", "2.31.0"),
    }


@pytest.fixture(scope="module")
def run(packages, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reading")
    store, results = folder / "store.db", folder / "results.db"
    private = folder / "private"
    for name in ("immer", "mobx"):
        shutil.copytree(packages[name][1] / "src", private / name)
    shutil.copy(packages["requests"], private / "requests-2.32.3.tar.gz")
    (private / "mobx-build").mkdir()  # a build whose minified form the package ships
    shutil.copy(packages["mobx"][1] / "dist" / "mobx.esm.js", private / "mobx-build")
    done = runner.invoke(app, ["fingerprint", str(private / "immer"), str(private / "mobx"),
                               str(private / "mobx-build"), str(private / "requests-2.32.3.tar.gz"),
                               "--store", str(store)])  # fmt: skip
    assert done.exit_code == 0, done.output
    partly = folder / "partly"  # a candidate with a file that cannot be read: incomplete
    partly.mkdir()
    (partly / "ok.py").write_text("print('hello')\n")
    (partly / "blob.py").write_bytes(bytes(range(256)) * 64)
    with FakeRegistry() as registry:
        for name, version in (("immer", "10.1.1"), ("mobx", "6.13.5")):
            registry.add_npm(name, version, tarball=packages[name][0].read_bytes())
        for key, version in (("requests", "2.32.3"), ("requests-old", "2.31.0")):
            registry.add_pypi("requests", version, sdist=packages[key].read_bytes())
        done = runner.invoke(app, [
            "scan", "npm:immer@10.1.1", "npm:mobx@6.13.5", "pypi:requests==2.31.0",
            "pypi:requests==2.32.3", str(partly), "--store", str(store), "--results",
            str(results), "--npm-registry", registry.url, "--pypi-url", registry.url,
        ])  # fmt: skip
    assert done.exit_code == 1, done.output
    outputs = {}
    for fmt in FORMATS:
        outputs[fmt] = folder / f"report.{fmt}"
        done = runner.invoke(app, ["report", "latest", "--results", str(results), "--out",
                                   str(outputs[fmt])])  # fmt: skip
        assert done.exit_code == 0, done.output
    report = json.loads(outputs["json"].read_text())
    return {"folder": folder, "results": results, "report": report, "partly": str(partly),
            "text": {fmt: path.read_text() for fmt, path in outputs.items()}}  # fmt: skip


def candidate(run, target):
    [found] = [c for c in run["report"]["candidates"] if c["target"] == target]
    return found


def test_checks_read_as_words_and_discounts_as_code_set_aside(run):
    mobx = candidate(run, "npm:mobx@6.13.5")
    assert mobx["verdict"] == "derivative"
    checks = {c["name"]: c for c in mobx["checks"]}
    fragment = checks["derivative_fragment_tokens"]
    words = (f"longest shared fragment: {fragment['value']:,} tokens; needed for derivative: "
             f"{fragment['limit']:,}")  # fmt: skip
    shared = checks["derivative_tokens"]
    tokens = (
        f"private tokens shared: {shared['value']:,}; needed for derivative: {shared['limit']:,}"
    )
    aside = [f"{amount:,} tokens set aside as" for amount in mobx["discounted_tokens"].values()
             if amount]  # fmt: skip
    assert aside  # real packages: data tables, short fragments, templates
    html, md, sarif = run["text"]["html"], run["text"]["md"], run["text"]["sarif"]
    for text in (html, md, sarif):
        assert words in text and tokens in text
    for text in (html, md):
        assert all(line in text for line in aside)
    # the filters are not shown as checks that "passed": only the settings table names them
    section = html.split("<code>npm:mobx@6.13.5</code></h2>", 1)[1].split("<section", 1)[0]
    for name in ("max_fanout", "min_distinct_tokens", "background_files", "passed"):
        assert name not in section
    md_section = md.split("## `npm:mobx@6.13.5`", 1)[1].split("\n## ", 1)[0]
    assert "max_fanout" not in md_section and "passed" not in md_section


def test_incomplete_never_shows_a_clear_badge(run):
    partly = candidate(run, run["partly"])
    assert partly["verdict"] == "incomplete" and partly["unread"]
    html = run["text"]["html"]
    row = next(r for r in html.split('<tr class="summary-row">') if run["partly"] in r)
    assert "badge incomplete" in row and "badge clear" not in row
    # a run recorded as "clear" with parts unread (as older runs were) shows incomplete too
    report = json.loads(json.dumps(run["report"]))
    old = next(c for c in report["candidates"] if c["target"] == run["partly"])
    old["verdict"] = "clear"
    assert shown_verdict(old) == "incomplete"
    pages = {}
    for name, writer in (("html", html_report), ("md", md_report), ("sarif", sarif_report)):
        out = io.StringIO()
        writer.write(report, out, Sources())
        pages[name] = out.getvalue()
    row = next(r for r in pages["html"].split('<tr class="summary-row">') if run["partly"] in r)
    assert "badge incomplete" in row and "badge clear" not in pages["html"]
    assert "incomplete, 0 clear" in pages["html"] and "incomplete, 0 clear" in pages["md"]
    assert f"| `{run['partly']}` | **incomplete** |" in pages["md"]
    levels = {r["properties"]["candidate"]: r["level"]
              for r in json.loads(pages["sarif"])["runs"][0]["invocations"][0][
                  "toolExecutionNotifications"]}  # fmt: skip
    assert levels[run["partly"]] == "warning"
    done = runner.invoke(app, ["report", "latest", "--results", str(run["results"])])
    assert "incomplete" in done.stdout and "clear" not in done.stdout


def test_no_doubled_paths_anywhere(run):
    requests = candidate(run, "pypi:requests==2.31.0")
    private = {p["private_path"] for p in requests["files"]}
    assert "src/requests/sessions.py" in private  # relative to the project, as a folder's are
    for text in run["text"].values():
        assert "requests-2.32.3/requests-2.32.3" not in text
        assert "requests-2.32.3/src/requests/sessions.py" in text
    notice = confirm_and_draft(run, "pypi:requests==2.31.0", "requests-2.31.0/requests/*.py")
    assert "requests-2.32.3/requests-2.32.3" not in notice
    assert "`requests-2.32.3/src/requests/sessions.py`" in notice


def confirm_and_draft(run, target, pattern):
    done = runner.invoke(app, ["review", "latest", target, "--confirm", "--reason", "checked",
                               "--files", pattern, "--results", str(run["results"])])  # fmt: skip
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["notice", "latest", "--results", str(run["results"])])
    assert done.exit_code == 0, done.output
    return done.stdout


def test_notice_gives_each_line_range_once_with_real_urls(run):
    notice = confirm_and_draft(run, "npm:immer@10.1.1", "package/dist/immer.mjs.map!/**")
    immer = candidate(run, "npm:immer@10.1.1")
    pairs = [
        p for p in immer["files"] if p["candidate_path"].startswith("package/dist/immer.mjs.map!/")
    ]
    assert pairs
    for pair in pairs:
        ranges = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in pair["candidate_lines"])
        assert notice.count(f"`{pair['candidate_path']}`, lines {ranges}") == 1
    section = notice.split("`npm:immer@10.1.1`", 1)[1].split("\n### ", 1)[0].split("## 3.")[0]
    assert "lines" not in "".join(line for line in section.splitlines()
                                  if line.startswith("   - "))  # fmt: skip
    assert "https://unpkg.com/immer@10.1.1/dist/immer.mjs.map" in section
    assert "https://www.npmjs.com/package/immer/v/10.1.1" in section


def test_registry_locations_are_urls_and_notations_are_explained(run):
    html, md = run["text"]["html"], run["text"]["md"]
    for text in (html, md):
        assert "https://www.npmjs.com/package/immer/v/10.1.1" in text
        assert "https://www.npmjs.com/package/mobx/v/6.13.5" in text
        assert "https://pypi.org/project/requests/2.31.0/" in text
        assert re.search(r"https://unpkg\.com/mobx@6\.13\.5/dist/[\w.]+\.map", text)
        assert "MAP!/PATH" in text and "embedded in the source map MAP" in text
    sarif = json.loads(run["text"]["sarif"])
    urls = {r["properties"]["packageUrl"] for r in sarif["runs"][0]["results"]}
    assert "https://pypi.org/project/requests/2.31.0/" in urls


def test_version_drift_is_labelled_edits_not_renames(run):
    html = run["text"]["html"]
    assert "renamed or reformatted" not in html
    requests = candidate(run, "pypi:requests==2.31.0")
    drifted = next(p for p in requests["files"]
                   if p["candidate_path"].endswith("requests/sessions.py"))  # fmt: skip
    assert not drifted["verbatim"]  # some fragments hold edited literals or names
    section = html.split("<code>pypi:requests==2.31.0</code></h2>", 1)[1].split("<section", 1)[0]
    group = section.split("src/requests/sessions.py</code>", 1)[1].split('class="pair group"')[0]
    assert "edited: another version of the same file" in group
    assert "renamed" not in group


def test_mobx_evidence_is_grouped_and_small(run):
    mobx = candidate(run, "npm:mobx@6.13.5")
    html = run["text"]["html"]
    section = html.split("<code>npm:mobx@6.13.5</code></h2>", 1)[1].split("<section", 1)[0]
    embedded = [
        p for p in mobx["files"] if p["candidate_path"].endswith("!/src/types/observablearray.ts")
    ]
    assert len(embedded) >= 3  # carried by several source maps: one content
    assert len({p["candidate_sha256"] for p in embedded}) == 1
    # one entry for the private file, listing every place
    assert section.count("private <code>mobx/types/observablearray.ts</code>") == 1
    entry = section.split("private <code>mobx/types/observablearray.ts</code>", 1)[1]
    entry = entry.split('class="pair group"', 1)[0]
    places = [p for p in mobx["files"] if p["candidate_sha256"] == embedded[0]["candidate_sha256"]]
    assert f"the same content in {len(places)} places" in entry
    listed = entry.split('<div class="places">', 1)[1].split("</div>", 1)[0]
    for pair in places:
        assert listed.count(f"<code>{pair['candidate_path']}</code>") == 1
    # minified bundles: byte columns, never a 100 KB line
    longest_line = max(
        len(line)
        for line in re.findall(r'<span class="ln">.*?</span>(.*?)</(?:mark|span)>', section)
    )
    assert longest_line < 4_000
    minified = [p for p in mobx["files"] if p["candidate_path"].endswith(".min.js")]
    assert minified
    for pair in minified:
        [(a, b), (c0, c1)] = next((f["candidate_lines"], f["candidate_columns"])
                                  for f in pair["fragments"] if f["candidate_columns"])  # fmt: skip
        assert a == b == 1  # the whole bundle is one line: its columns say where
        assert f"line 1 columns {c0:,}-{c1:,}" in section
        assert f"line 1 columns {c0:,}-{c1:,}" in run["text"]["md"]
    assert len(run["text"]["html"].encode()) < 2_000_000


def test_review_queue_lists_each_file_once(run):
    done = runner.invoke(app, ["review", "latest", "--results", str(run["results"])])
    assert done.exit_code == 0, done.output
    mobx = candidate(run, "npm:mobx@6.13.5")
    paths = [p["candidate_path"] for p in mobx["files"]]
    assert len(paths) > len(set(paths))  # a bundle matches several private files
    block = done.stdout.split("npm:mobx@6.13.5\n", 1)[1].splitlines()
    indented = [line.strip() for line in block[: next(
        (i for i, line in enumerate(block) if not line.startswith(" ")), len(block))]]  # fmt: skip
    assert indented[0].startswith("why: derivative: private tokens shared")
    assert indented[1:] == list(dict.fromkeys(paths))  # no one decided on mobx: each file once


def test_review_takes_globs_and_normalised_candidate_paths(packages, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(packages["immer"][1] / "src", tmp_path / "private")
    shutil.copytree(packages["immer"][1] / "src", tmp_path / "paste" / "x" / "lib")
    store, results = tmp_path / "s.db", tmp_path / "r.db"
    assert runner.invoke(app, ["fingerprint", "private", "--store", str(store)]).exit_code == 0
    done = runner.invoke(app, ["scan", "paste/x", "--store", str(store), "--results", str(results)])
    assert done.exit_code == 1, done.output
    done = runner.invoke(app, ["review", "latest", "./paste/x/", "--confirm", "--reason", "copy",
                               "--files", "lib/core/*.ts", "--files", "lib/utils/{common,env}.ts",
                               "--results", str(results)])  # fmt: skip
    assert done.exit_code == 0, done.output
    report = json.loads(runner.invoke(app, ["report", "latest", "--format", "json",
                                            "--results", str(results)]).stdout)  # fmt: skip
    [pasted] = report["candidates"]
    confirmed = set(pasted["review"]["confirmed"])
    core = {
        p["candidate_path"]
        for p in pasted["files"]
        if re.fullmatch(r"lib/core/[^/]+\.ts", p["candidate_path"])
    }
    assert core and confirmed == core | {"lib/utils/common.ts", "lib/utils/env.ts"} & {
        p["candidate_path"] for p in pasted["files"]
    }
    bad = runner.invoke(app, ["review", "latest", "paste/x", "--confirm", "--reason", "x",
                              "--files", "lib/no/*.ts", "--results", str(results)])  # fmt: skip
    assert bad.exit_code == 2 and "no matched file lib/no/*.ts" in bad.output


def test_a_decision_on_many_files_is_one_line_of_history(run):
    target = "npm:immer@10.1.1"
    done = runner.invoke(app, ["review", "latest", target, "--dismiss", "--reason",
                               "kept for later", "--files", "package/src/core/*.ts", "--results",
                               str(run["results"])])  # fmt: skip
    assert done.exit_code == 0, done.output
    immer = candidate(run, target)
    chosen = [p for p in dict.fromkeys(f["candidate_path"] for f in immer["files"])
               if re.fullmatch(r"package/src/core/[^/]+\.ts", p)]  # fmt: skip
    assert len(chosen) >= 2
    page = run["folder"] / "after.html"
    done = runner.invoke(app, ["report", "latest", "--results", str(run["results"]), "--out",
                               str(page)])  # fmt: skip
    assert done.exit_code == 0, done.output
    section = page.read_text().split(f"<code>{target}</code></h2>", 1)[1].split("<section", 1)[0]
    lines = [li for li in section.split("<li>") if "dismissed" in li and "kept for later" in li]
    assert len(lines) == 1 and f"dismissed {len(chosen)} files (" in lines[0]
