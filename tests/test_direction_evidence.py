"""Which way a copy went, on evidence that must not vouch for itself: mirrors of one leak, a
source holding only some of the files, the user's word changing other decisions, and files of
the company's main package published as a package. Real stores, real sample code, the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fingerprints import HOLDS_PRIVATE_CODE, PUBLIC, open_store
from scanner.cli import app
from tests.test_reference import (
    INVOICING,
    ISO8601,
    ISO_ARCHIVE,
    JOURNAL,
    MONEY,
    RECONCILE,
    TAX,
    UNRELATED,
    cli,
    scan,
)

runner = CliRunner()

OWN = {"ledger/journal.py": JOURNAL, "ledger/money.py": MONEY, "ledger/tax.py": TAX,
       "ledger/reconciliation.py": RECONCILE, "ledger/invoicing.py": INVOICING}  # fmt: skip


def decisions(store) -> dict[str, str]:
    with open_store(store) as opened:
        return {s.label: s.decision for s in opened.reference_sources()}


@pytest.fixture
def billing(tree, tmp_path):
    """A private repository of the company's own code with a library copied apart into it."""
    private = tree("acme-billing", {**OWN, "ledger/compat/isodates/parse.py": ISO8601})
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    return store


def leaked(tree, name: str) -> object:
    """The whole private package published under another name."""
    package = name.rsplit("-", 1)[0].replace("-", "_")
    files = {**OWN, "ledger/compat/isodates/parse.py": ISO8601}
    return tree(name, {f"{package}/{p.removeprefix('ledger/')}": t for p, t in files.items()})


def test_mirrors_of_one_leak_never_vouch_for_each_other(billing, tree, tmp_path):
    first, second = leaked(tree, "billing-utils-1.0"), leaked(tree, "acme-mirror-0.1")
    said = cli("background", str(first), str(second), "--store", str(billing))
    assert "now public" not in said
    assert decisions(billing) == {"billing-utils 1.0": HOLDS_PRIVATE_CODE,
                                  "acme-mirror 0.1": HOLDS_PRIVATE_CODE}  # fmt: skip
    copy = tree("leak1", {f"x/{p}": t for p, t in OWN.items()})
    assert scan(copy, billing, tmp_path)["verdict"] == "derivative"


def test_a_source_holding_some_of_the_files_vouches_for_none_of_the_others(billing, tree, tmp_path):
    said = cli("background", str(ISO_ARCHIVE), "--store", str(billing))
    assert "iso8601 2.1.0 (archive): public code in acme-billing: ledger/compat/isodates/" in said
    said = cli("background", str(leaked(tree, "billing-utils-1.0")), "--store", str(billing))
    assert "billing-utils 1.0 (folder): HOLDS PRIVATE CODE" in said
    assert "public sources (iso8601 2.1.0) hold 1 of its 6 private files" in said
    assert decisions(billing)["billing-utils 1.0"] == HOLDS_PRIVATE_CODE
    copy = tree("leak1", {f"x/{p}": t for p, t in OWN.items()})
    assert scan(copy, billing, tmp_path)["verdict"] == "derivative"


def test_the_users_word_prints_every_decision_it_changes(billing, tree):
    first, second = leaked(tree, "billing-utils-1.0"), leaked(tree, "acme-mirror-0.1")
    cli("background", str(first), str(second), "--store", str(billing))
    said = cli("background", "--trust", "acme-mirror", "--store", str(billing))
    assert "acme-mirror 0.1 (folder): public code" in said
    assert "now public (was holds-private-code): billing-utils 1.0 (folder): public code" in said
    assert decisions(billing)["billing-utils 1.0"] == PUBLIC
    said = cli("background", "--distrust", "acme-mirror", "--store", str(billing))
    assert "acme-mirror 0.1 (folder): DISTRUSTED" in said
    assert "now holds-private-code (was public): billing-utils 1.0 (folder): HOLDS PRIVATE" in said
    # learning with the word at once says the change on the other source too
    third = leaked(tree, "acme-copy-2.0")
    said = cli("background", str(third), "--trust", "acme-copy", "--store", str(billing))
    assert "now public (was holds-private-code): billing-utils 1.0" in said
    assert "now public (was holds-private-code): acme-mirror" not in said  # distrusted: stays


def test_files_of_the_main_package_published_are_no_vendored_library(billing, tree, tmp_path):
    """Two files of the company's main package, beside its own code there, published as a
    package: not a library the company vendored, whatever share of the package they are."""
    fmtkit = tree("fmtkit-0.3", {"fmtkit/journal.py": JOURNAL, "fmtkit/money.py": MONEY})
    said = cli("background", str(fmtkit), "--store", str(billing))
    assert "fmtkit 0.3 (folder): HOLDS PRIVATE CODE" in said
    assert "keeps the shared files among code of its own at ledger/, not apart" in said
    copy = tree("leak2", {"journal.py": JOURNAL, "money.py": MONEY})
    assert scan(copy, billing, tmp_path)["verdict"] == "derivative"
    # a library kept apart in a folder of its own stays a vendored library
    iso = tree("isodates-1.0", {"isodates/parse.py": ISO8601})
    said = cli("background", str(iso), "--store", str(billing))
    assert "isodates 1.0 (folder): public code in acme-billing: ledger/compat/isodates/" in said
    assert "a vendored library" in said


def test_code_the_company_added_to_a_copied_file_stays_evidence(tree, tmp_path):
    """The library's file, copied, with the company's own code appended: the library's part is
    public code, the appended part is not (the source never held it), so a candidate holding
    only the appended code is derivative and nothing of it is attributed to the library."""
    # 43 lines of real code (a class, 2 methods): less than the library's file, so the whole
    # file is still "in" the source (IN_SOURCE) and was discounted whole before
    added = "".join((UNRELATED / "cache.py").read_text().splitlines(True)[57:100])
    private = tree("private", {**OWN, "ledger/compat/isodates/parse.py": f"{ISO8601}\n{added}"})
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    cli("background", str(ISO_ARCHIVE), "--store", str(store))
    found = scan(tree("additions", {"ext.py": added}), store, tmp_path)
    assert found["verdict"] == "derivative"
    assert found["public_code"] == []
    assert found["discounted_tokens"]["reference"] == 0
    # the library itself, shipped by a public project, is still clear
    found = scan(tree("feedstamp", {"feedstamp/iso8601.py": ISO8601}), store, tmp_path)
    assert found["verdict"] == "clear"
    assert found["discounted_tokens"]["reference"] == 494


def test_reports_say_why_a_source_was_decided_and_the_terminal_names_the_discount(
    billing, tree, tmp_path
):
    """HTML and Markdown give each source's decision with its reasons (escaped: the source's
    name is whoever published it); the scan's table says what public code it discounted."""
    source = tree("iso<b>x-1.0", {"iso/parse.py": ISO8601})
    said = cli("background", str(source), "--store", str(billing))
    assert "a vendored library" in said
    candidate = tree("feedstamp", {"feedstamp/iso8601.py": ISO8601})
    results = tmp_path / "results.db"
    done = runner.invoke(app, ["scan", str(candidate), "--store", str(billing),
                               "--results", str(results)], terminal_width=200)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "494 tokens of public code discounted in 1 candidate(s), never evidence (in " in (
        done.stdout
    )
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    cli("report", "latest", "--out", str(md), "--results", str(results))
    cli("report", "latest", "--out", str(html), "--results", str(results))
    text = md.read_text()
    assert "## Reference sources (the decision on each, and why)" in text
    assert "**public**: the whole package sits inside a larger private tree: a vendored" in text
    page = html.read_text()
    assert "iso&lt;b&gt;x 1.0 (folder, sha256 " in page and "iso<b>x" not in page
    assert "public (the whole package sits inside a larger private tree: a vendored" in page
