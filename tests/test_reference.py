"""Reference sources: public code with provenance, the inventory, which way a copy went, and the
attribution in reports (issue 10). Real SQLite stores, real archives, the fake registry."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fingerprints import (
    HOLDS_PRIVATE_CODE,
    PUBLIC,
    Dates,
    Overlap,
    RepoOverlap,
    commit_dates,
    containment,
    decide,
    open_store,
)
from scanner.cli import app
from tests.conftest import SAMPLES
from tests.servers import FakeRegistry

runner = CliRunner()
LEDGER = SAMPLES / "private" / "acme-ledger" / "acme_ledger"
ISO_ARCHIVE = SAMPLES / "references" / "iso8601-2.1.0.tar.gz"
ISO8601 = (SAMPLES / "candidates" / "vendors-iso8601" / "feedstamp" / "iso8601.py").read_text()
JOURNAL = (LEDGER / "journal.py").read_text()
MONEY = (LEDGER / "money.py").read_text()
RECONCILE = (LEDGER / "reconciliation.py").read_text()
INVOICING = (LEDGER / "invoicing.py").read_text()
TAX = (LEDGER / "tax.py").read_text()
UNRELATED = SAMPLES / "candidates" / "unrelated-large" / "quarry"


def cli(*args: str) -> str:
    done = runner.invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout


def scan(target: Path, store: Path, tmp_path: Path) -> dict:
    done = runner.invoke(app, ["scan", str(target), "--store", str(store), "--json", "-",
                               "--results", str(tmp_path / "results.db")])  # fmt: skip
    assert done.exit_code in (0, 1), done.output
    [candidate] = json.loads(done.stdout[: done.stdout.rindex("}") + 1])["candidates"]
    return candidate


def unrelated_files() -> dict[str, str]:
    """Real code that is no private code: the bulk of a package holding other things too."""
    return {f"tool/{p.name}": p.read_text() for p in sorted(UNRELATED.glob("*.py"))}


@pytest.fixture
def copied_library(tree, tmp_path):
    """A private tree with an undeclared copy of a real library in a non-standard folder."""
    private = tree("private", {
        "ledger/journal.py": JOURNAL, "ledger/money.py": MONEY, "ledger/tax.py": TAX,
        "ledger/reconciliation.py": RECONCILE,
        "internal/compat/isodates/parse.py": ISO8601,  # the library, not under vendor/
    })  # fmt: skip
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    return store


def test_a_public_project_holding_the_copied_library_is_clear_with_attribution(
    copied_library, tree, tmp_path
):
    store = copied_library
    feed = (SAMPLES / "candidates" / "vendors-iso8601" / "feedstamp" / "feed.py").read_text()
    candidate = tree("feedstamp", {"feedstamp/iso8601.py": ISO8601, "feedstamp/feed.py": feed})
    assert scan(candidate, store, tmp_path)["verdict"] == "derivative"  # the false flag

    learned = cli("background", str(ISO_ARCHIVE), "--store", str(store))
    assert "iso8601 2.1.0 (archive): public code in private: internal/compat/isodates/" in learned
    found = scan(candidate, store, tmp_path)
    assert found["verdict"] == "clear"
    assert "discounted 494 tokens of public code (in iso8601 2.1.0, archive)" in found["reasons"]
    assert found["discounted_tokens"]["reference"] == 494
    assert found["public_code"] == [{
        "source": "iso8601", "version": "2.1.0", "kind": "archive", "origin": str(ISO_ARCHIVE),
        "reference_path": "iso8601-2.1.0/iso8601/iso8601.py", "private_repo": "private",
        "private_path": "internal/compat/isodates/parse.py", "tokens": 494,
    }]  # fmt: skip

    # The same candidate with two private files added: derivative, naming exactly those two.
    leak = tree(
        "feedstamp-leak",
        {
            "feedstamp/iso8601.py": ISO8601,
            "feedstamp/feed.py": feed,
            "feedstamp/books.py": JOURNAL,
            "feedstamp/tax.py": TAX,
        },
    )
    found = scan(leak, store, tmp_path)
    assert found["verdict"] == "derivative"
    assert {(f["candidate_path"], f["private_path"]) for f in found["files"]} == {
        ("feedstamp/books.py", "ledger/journal.py"),
        ("feedstamp/tax.py", "ledger/tax.py"),
    }
    assert [c["private_path"] for c in found["public_code"]] == [
        "internal/compat/isodates/parse.py"
    ]

    # Markdown and HTML name the source too.
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    cli("report", "latest", "--out", str(md), "--results", str(tmp_path / "results.db"))
    cli("report", "latest", "--out", str(html), "--results", str(tmp_path / "results.db"))
    attributed = "also in `iso8601 2.1.0` (archive) at `iso8601-2.1.0/iso8601/iso8601.py`"
    assert attributed in md.read_text()
    assert "Public code, not evidence (1 file(s))" in html.read_text()


def test_inventory_lists_the_copy_and_distrust_takes_it_back(copied_library, tree, tmp_path):
    store = copied_library
    cli("background", str(ISO_ARCHIVE), "--store", str(store))
    text = cli("inventory", str(store))
    assert ("internal/compat/isodates/parse.py: public code, also in iso8601 2.1.0 (archive) at "
            "iso8601-2.1.0/iso8601/iso8601.py (100%)") in text  # fmt: skip
    data = json.loads(cli("inventory", str(store), "--json"))
    assert set(data) == {"store", "in_source_share", "sources", "repos"}
    [source] = data["sources"]
    assert {k: source[k] for k in ("name", "version", "kind", "decision", "trust", "files")} == {
        "name": "iso8601", "version": "2.1.0", "kind": "archive", "decision": "public",
        "trust": "auto", "files": 3}  # fmt: skip
    assert source["sha256"] == __import__("hashlib").sha256(ISO_ARCHIVE.read_bytes()).hexdigest()
    assert source["overlap"]["repos"][0]["folder"] == "internal/compat/isodates"
    [repo] = data["repos"]
    assert repo["repo"] == "private"
    assert repo["files"] == [{
        "path": "internal/compat/isodates/parse.py", "share": 1.0, "fingerprints": 70,
        "source": "iso8601", "version": "2.1.0", "kind": "archive",
        "reference_path": "iso8601-2.1.0/iso8601/iso8601.py", "reference_share": 1.0,
        "decision": "public", "public": True, "current": True,
    }]  # fmt: skip

    candidate = tree("c", {"vendored/iso8601.py": ISO8601})
    assert scan(candidate, store, tmp_path)["verdict"] == "clear"
    said = cli("background", "--distrust", "iso8601==2.1.0", "--store", str(store))
    assert said.startswith("iso8601 2.1.0 (archive): DISTRUSTED: distrusted by the user")
    assert scan(candidate, store, tmp_path)["verdict"] == "derivative"
    said = cli("background", "--trust", "iso8601", "--store", str(store))
    assert "treated as public (trusted by the user (--trust)" in said
    assert scan(candidate, store, tmp_path)["verdict"] == "clear"
    # --distrust at learn time: learned, recorded, and never used to clear anything.
    cli("background", str(ISO_ARCHIVE), "--distrust", "iso8601", "--store", str(store))
    assert scan(candidate, store, tmp_path)["verdict"] == "derivative"


def test_a_package_that_vendors_the_private_repo_holds_private_code(tree, tmp_path):
    private = tree("ledgerlib", {"ledgerlib/journal.py": JOURNAL, "ledgerlib/money.py": MONEY,
                                 "ledgerlib/reconciliation.py": RECONCILE,
                                 "ledgerlib/invoicing.py": INVOICING})  # fmt: skip
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    # A larger public package that vendors the whole private repo (pip vendoring requests).
    files = {**unrelated_files(), "tool/_vendor/ledgerlib/journal.py": JOURNAL,
             "tool/_vendor/ledgerlib/money.py": MONEY,
             "tool/_vendor/ledgerlib/reconciliation.py": RECONCILE,
             "tool/_vendor/ledgerlib/invoicing.py": INVOICING}  # fmt: skip
    package = tree("bigtool-3.1", files)
    archive = tmp_path / "bigtool-3.1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(package, arcname="bigtool-3.1")
    learned = cli("background", str(archive), "--store", str(store))
    assert learned.startswith(
        "bigtool 3.1 (archive): HOLDS PRIVATE CODE: a substantial part of a private "
        "repository sits inside a package that holds much other code; "
        "100% of private repo ledgerlib (4 file(s) at ledgerlib/) is in it"
    )
    assert f"not used to clear anything; scan it: leaktrace scan {archive}" in learned
    leak = tree("leak", {"src/books.py": JOURNAL, "src/money.py": MONEY})
    found = scan(leak, store, tmp_path)
    assert found["verdict"] == "derivative"
    assert found["discounted_tokens"]["reference"] == 0 and found["public_code"] == []
    inventory = cli("inventory", str(store))
    assert "ledgerlib/journal.py: private code held by bigtool 3.1 (archive) at " in inventory
    # The user's word makes it public; the evidence is kept and shown.
    said = cli("background", "--trust", "bigtool", "--store", str(store))
    assert "trusted by the user (--trust); 100% of private repo ledgerlib" in said
    assert scan(leak, store, tmp_path)["verdict"] == "clear"


def _git_repo(root: Path, files: dict[str, str], dates: dict[str, str]) -> Path:
    """A git checkout whose files were first committed on the given dates."""
    root.mkdir()
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True, env=env)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
        stamp = dates[path]
        subprocess.run([*git, "add", path], check=True, env=env)
        subprocess.run(
            [*git, "commit", "-qm", path],
            check=True,
            env={**env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )
    return root


@pytest.mark.parametrize(
    ("committed", "decision"),
    [("2019-05-01T10:00:00+00:00", HOLDS_PRIVATE_CODE), ("2025-02-01T10:00:00+00:00", PUBLIC)],
)
def test_dates_decide_when_containment_is_ambiguous(tmp_path, committed, decision):
    """One file shared with a package that holds much else: containment cannot tell. Committed
    before the package first existed, it is the company's; committed after it was published, it
    is public code the company copied."""
    files = {"ledger/journal.py": JOURNAL, "ledger/money.py": MONEY, "ledger/tax.py": TAX,
             "ledger/invoicing.py": INVOICING, "ledger/reconcile.py": RECONCILE}  # fmt: skip
    dates = dict.fromkeys(files, "2018-01-01T10:00:00+00:00") | {"ledger/money.py": committed}
    repo = _git_repo(tmp_path / "ledger-repo", files, dates)
    assert commit_dates(repo)["ledger/money.py"] == (committed, committed)
    store = tmp_path / "s.db"
    cli("fingerprint", str(repo), "--store", str(store))
    with open_store(store) as opened:
        assert len(opened.commit_dates()) == 5
    with FakeRegistry() as registry:
        registry.add_pypi("moneykit", "1.0.0", {"moneykit/core.py": "x = 1\n"},
                          published="2021-03-01T00:00:00")  # fmt: skip
        registry.add_pypi("moneykit", "2.4.0", {**unrelated_files(), "moneykit/money.py": MONEY},
                          published="2024-06-01T00:00:00")  # fmt: skip
        said = cli("background", "pypi:moneykit==2.4.0", "--store", str(store),
                   "--pypi-url", registry.url)  # fmt: skip
    [source] = open_store(store).reference_sources()
    assert (source.kind, source.version, source.published_at) == (
        "pypi",
        "2.4.0",
        "2024-06-01T00:00:00.000000Z",
    )
    assert source.evidence["first_published_at"] == "2021-03-01T00:00:00.000000Z"
    assert source.evidence["containment"] == "small"
    assert source.decision == decision
    assert "published 2024-06-01 (first release 2021-03-01), private files first committed " in said


def test_a_commit_between_the_first_release_and_this_one_proves_nothing():
    """The company may have copied an earlier release: a newer reference version must not make
    old copied code look private."""
    overlap = Overlap(
        10_000,
        400,
        40,
        1,
        (RepoOverlap("r", 20_000, 400, 1, 80, "x", "2022-01-01T00:00:00+00:00", 1),),
    )
    assert containment(overlap) == "small"
    between = decide(overlap, Dates("2024-01-01T00:00:00Z", "2020-01-01T00:00:00Z"))
    assert between.decision == PUBLIC
    assert "an earlier release may have been copied" in " ".join(between.reasons)
    before = decide(overlap, Dates("2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z"))
    assert before.decision == HOLDS_PRIVATE_CODE


def test_containment_classes_and_independent_sources():
    repo = RepoOverlap("r", 1000, 900, 9, 300, "lib", None, 0)
    inside = Overlap(50_000, 900, 200, 9, (repo,))
    assert (containment(inside), decide(inside, Dates()).decision) == ("inside", HOLDS_PRIVATE_CODE)
    same = Overlap(1000, 950, 9, 9, (repo,))
    assert (containment(same), decide(same, Dates()).decision) == ("same", HOLDS_PRIVATE_CODE)
    assert decide(same, Dates(), independent=1).decision == PUBLIC
    small_repo = RepoOverlap("r", 100_000, 900, 9, 300, "lib", None, 0)
    vendored = Overlap(1000, 950, 9, 9, (small_repo,))
    assert (containment(vendored), decide(vendored, Dates()).decision) == ("vendored", PUBLIC)
    assert containment(Overlap(1000, 3, 9, 0, ())) == "none"
    assert decide(inside, Dates(), trust="trusted").decision == PUBLIC
    assert decide(vendored, Dates(), trust="distrusted").decision == HOLDS_PRIVATE_CODE


def test_two_packages_make_ambiguous_code_public_only_from_a_public_origin(tree, tmp_path):
    """A private repo that is one library, also in two unrelated packages: neither has a public
    origin of its own (both are the same code as the repo, nothing dated), so neither vouches
    for the other (they may be mirrors of one leak); a third the user trusts vouches for both."""
    private = tree("isodates", {"isodates/parse.py": ISO8601})
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    first = tree("alpha-1.0", {"alpha/iso.py": ISO8601, "alpha/feed.py": "x = 1\n"})
    said = cli("background", str(first), "--store", str(store))
    assert (
        "alpha 1.0 (folder): HOLDS PRIVATE CODE: the package and a private repository are " in said
    )
    second = tree("beta-2.0", {"beta/_iso8601.py": ISO8601, "beta/run.py": "y = 2\n"})
    said = cli("background", str(second), "--store", str(store))
    assert "beta 2.0 (folder): HOLDS PRIVATE CODE" in said
    assert "now public" not in said
    third = tree("gamma-3.0", {"gamma/iso.py": ISO8601})
    said = cli("background", str(third), "--trust", "gamma", "--store", str(store))
    assert "gamma 3.0 (folder): public code in isodates" in said
    assert "now public (was holds-private-code): alpha 1.0 (folder): public code" in said
    assert "now public (was holds-private-code): beta 2.0 (folder): public code" in said


def test_split_learns_each_package_folder_as_its_own_source(tree, tmp_path, copied_library):
    packages = tree("packages", {"iso8601-2.1.0/iso8601/iso8601.py": ISO8601,
                                 "other-0.1/other/x.py": "print('x')\n"})  # fmt: skip
    shutil.copy(ISO_ARCHIVE, packages / "iso8601-2.0.1.tar.gz")
    cli("background", str(packages), "--split", "--store", str(copied_library))
    with open_store(copied_library) as opened:
        labels = [s.label for s in opened.reference_sources()]
    assert labels == ["iso8601 2.0.1", "iso8601 2.1.0", "other 0.1"]


def test_npm_package_with_publish_dates(tree, tmp_path):
    debounce = (SAMPLES / "private" / "acme-ledger" / "web" / "src" / "api" /
                "ledgerClient.ts").read_text()  # fmt: skip
    private = tree("web", {"src/utils/client.ts": debounce, "src/app.ts": JOURNAL_TS})
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    with FakeRegistry() as registry:
        registry.add_npm("httpkit", "4.17.21", {"lib/client.ts": debounce},
                         published="2021-02-20T15:42:16")  # fmt: skip
        cli("background", "npm:httpkit@4.17.21", "--store", str(store),
            "--npm-registry", registry.url)  # fmt: skip
    [source] = open_store(store).reference_sources()
    assert (source.name, source.version, source.kind) == ("httpkit", "4.17.21", "npm")
    assert source.published_at == "2021-02-20T15:42:16.000Z"
    assert len(source.sha256) == 64


JOURNAL_TS = """\
export function balance(lines: Array<[string, number]>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [account, amount] of lines) {
    totals.set(account, (totals.get(account) ?? 0) + amount);
  }
  return totals;
}
"""


def test_a_legacy_background_keeps_its_meaning(tree, tmp_path):
    """A store whose background was learned before reference sources: a hash in
    ``background_files`` background files is still common code."""
    private = tree("private", {"money.py": MONEY})
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    with open_store(store) as opened:
        hashes = opened.fingerprint_hashes()
    con = sqlite3.connect(store)
    con.executemany("INSERT INTO background (hash, files) VALUES (?, 2)",
                    [(h,) for h in hashes.view(np.int64).tolist()])  # fmt: skip
    con.commit()
    con.close()
    found = scan(tree("leak", {"m.py": MONEY}), store, tmp_path)
    assert found["verdict"] == "clear"
    assert found["discounted_tokens"]["common"] > 1000
    assert any("files of the legacy background" in r for r in found["reasons"])


def test_a_reference_keeps_only_stored_private_hashes(copied_library):
    with open_store(copied_library) as opened:
        stored = opened.fingerprint_hashes()
    cli("background", str(ISO_ARCHIVE), "--store", str(copied_library))
    con = sqlite3.connect(copied_library)
    held = np.array([h for (h,) in con.execute("SELECT hash FROM reference_hashes")],
                    dtype=np.int64).view(np.uint64)  # fmt: skip
    assert held.shape[0] == 70 and np.isin(held, stored).all()


def test_calibrate_lists_a_found_copy_and_its_file_pair_never_the_background(copied_library, tree):
    corpus = tree("corpus", {"feedstamp/iso8601.py": ISO8601, "feedstamp/x.py": "x = 1\n"})
    said = cli("calibrate", str(corpus), "--store", str(copied_library))
    assert f"copied code, left out of the recommendation: {corpus} shares a verbatim" in said
    assert "  feedstamp/iso8601.py = private/internal/compat/isodates/parse.py" in said
    assert "background" not in said


def test_a_git_repository_at_a_tag_is_a_source(copied_library, tmp_path):
    repo = _git_repo(tmp_path / "isodates", {"isodates/parse.py": ISO8601},
                     {"isodates/parse.py": "2023-01-01T00:00:00+00:00"})  # fmt: skip
    subprocess.run(["git", "-C", str(repo), "tag", "v2.1.0"], check=True)
    said = cli("background", f"file://{repo}@v2.1.0", "--store", str(copied_library))
    assert said.startswith("isodates v2.1.0 (git): public code in private")
    [source] = open_store(copied_library).reference_sources()
    assert (source.kind, source.origin, len(source.sha256)) == ("git", f"file://{repo}", 64)


def test_where_each_side_keeps_the_shared_code():
    """A package's own code copied apart into a private subfolder beside the repository's own
    code is a copied library; the same share kept in the package's third-party folder (pip's
    ``_vendor/``) is not the code's origin; a repository that is almost all the package is the
    worst leak to clear and keeps its decision."""
    copied = RepoOverlap("uuid", 10_000, 5_500, 9, 2_400, "pkg/hpack", None, 0)
    own = Overlap(400_000, 5_600, 900, 9, (copied,))
    assert containment(own) == "inside" and decide(own, Dates()).decision == PUBLIC
    vendored = Overlap(400_000, 5_600, 900, 9, (copied,), third_party_tokens=5_000)
    assert decide(vendored, Dates()).decision == HOLDS_PRIVATE_CODE
    first = Dates("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")
    dated = RepoOverlap("uuid", 10_000, 5_500, 9, 2_400, "pkg/hpack", "2020-01-01T00:00:00Z", 9)
    assert decide(Overlap(400_000, 5_600, 900, 9, (dated,)), first).decision == HOLDS_PRIVATE_CODE
    library = RepoOverlap("minimist", 10_000, 5_800, 29, 2_400, "internal/semver", None, 0)
    same = Overlap(6_000, 5_700, 48, 29, (library,))
    assert containment(same) == "same" and decide(same, Dates()).decision == PUBLIC
    whole = RepoOverlap("ledger", 10_000, 9_500, 29, 2_400, "src", None, 0)
    assert decide(Overlap(10_000, 9_400, 48, 29, (whole,)), Dates()).decision == HOLDS_PRIVATE_CODE


def test_a_private_folder_named_after_the_package_is_a_copied_library():
    """idna's data tables make it 90 % of a small repository's tokens; kept at
    ``internal/idna/`` it is still a copy of idna, while a repository that is all of it is not."""
    idna = RepoOverlap("itsdangerous", 100_000, 90_000, 7, 9_000, "src/x/internal/idna", None, 0)
    overlap = Overlap(120_000, 13_000, 15, 7, (idna,))
    assert decide(overlap, Dates(), name="idna").decision == PUBLIC
    assert decide(overlap, Dates(), name="other").decision == HOLDS_PRIVATE_CODE
    whole = RepoOverlap("idna", 100_000, 99_000, 7, 9_000, "src/idna", None, 0)
    alone = Overlap(120_000, 13_000, 15, 7, (whole,))
    assert decide(alone, Dates(), name="idna").decision == HOLDS_PRIVATE_CODE


def test_the_users_word_stays_when_the_same_source_is_learned_again(copied_library, tmp_path):
    store = copied_library
    said = cli("background", str(ISO_ARCHIVE), "--distrust", "iso8601", "--store", str(store))
    assert "iso8601 2.1.0 (archive): DISTRUSTED" in said
    mirror = tmp_path / "mirror" / "packages"
    mirror.mkdir(parents=True)
    shutil.copy(ISO_ARCHIVE, mirror)
    said = cli("background", str(mirror), "--split", "--store", str(store))
    assert ("iso8601 2.1.0: distrusted by the user before; kept as the user set it (--trust or "
            "--distrust iso8601==2.1.0 changes it)") in said  # fmt: skip
    assert "iso8601 2.1.0 (archive): DISTRUSTED" in said and "treated as public" not in said
    [source] = json.loads(cli("inventory", str(store), "--json"))["sources"]
    assert (source["trust"], source["decision"]) == ("distrusted", HOLDS_PRIVATE_CODE)
    # the user changes it: then it is the new word, and no line says an old one was kept
    said = cli("background", str(mirror), "--split", "--trust", "iso8601", "--store", str(store))
    assert "treated as public (trusted by the user (--trust)" in said and "kept" not in said
    said = cli("background", str(mirror), "--split", "--store", str(store))
    assert "trusted by the user before; kept as the user set it" in said


def test_a_registry_record_learned_again_from_its_archive_keeps_its_dates(tmp_path):
    files = {"ledger/journal.py": JOURNAL, "ledger/money.py": MONEY, "ledger/tax.py": TAX,
             "ledger/invoicing.py": INVOICING, "ledger/reconcile.py": RECONCILE}  # fmt: skip
    dates = dict.fromkeys(files, "2018-01-01T10:00:00+00:00")
    repo = _git_repo(
        tmp_path / "ledger-repo", files, dates | {"ledger/money.py": "2025-02-01T10:00:00+00:00"}
    )
    store = tmp_path / "s.db"
    cli("fingerprint", str(repo), "--store", str(store))
    package = {**unrelated_files(), "moneykit/money.py": MONEY}
    with FakeRegistry() as registry:
        registry.add_pypi("moneykit", "1.0.0", {"moneykit/core.py": "x = 1\n"},
                          published="2021-03-01T00:00:00")  # fmt: skip
        registry.add_pypi("moneykit", "2.4.0", package, published="2024-06-01T00:00:00")
        cli("background", "pypi:moneykit==2.4.0", "--store", str(store),
            "--pypi-url", registry.url)  # fmt: skip
    [before] = open_store(store).reference_sources()
    assert before.decision == PUBLIC and any("published 2024-06-01" in r for r in before.reasons)
    archive = tmp_path / "moneykit-2.4.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path, text in package.items():
            (tmp_path / "pkg" / "moneykit-2.4.0" / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "pkg" / "moneykit-2.4.0" / path).write_text(text)
        tar.add(tmp_path / "pkg" / "moneykit-2.4.0", arcname="moneykit-2.4.0")
    said = cli("background", str(archive), "--store", str(store))
    [after] = open_store(store).reference_sources()
    assert (after.kind, after.version) == ("archive", "2.4.0")
    assert after.published_at == before.published_at == "2024-06-01T00:00:00.000000Z"
    assert after.evidence["first_published_at"] == "2021-03-01T00:00:00.000000Z"
    assert (after.decision, after.reasons) == (before.decision, before.reasons)
    assert "published 2024-06-01 (first release 2021-03-01)" in said


def test_a_source_without_private_code_says_so_once(copied_library, tree):
    folder = tree("quarry-1.0", unrelated_files())
    said = cli("background", str(folder), "--store", str(copied_library))
    [line] = said.splitlines()
    assert line.endswith("(folder): public code; no private file is in it"), line


def test_a_package_the_registry_does_not_have_is_one_line_each(copied_library):
    """A 404 from the registry is the target's one line, the URL and the status with no trailing
    space; not followed by a second line that it held "no source files to learn from"."""
    with FakeRegistry() as registry:
        done = runner.invoke(app, ["background", "pypi:nosuchpkg==1.0", "npm:nosuchpkg@1.0.0",
                                   "--store", str(copied_library), "--pypi-url", registry.url,
                                   "--npm-registry", registry.url])  # fmt: skip
        url = registry.url
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [
        f"leaktrace: pypi:nosuchpkg==1.0: not learned ({url}/pypi/nosuchpkg/1.0/json: HTTP 404 "
        "Not Found)",  # the registry's message, when it gives one
        f"leaktrace: npm:nosuchpkg@1.0.0: not learned ({url}/nosuchpkg: HTTP 404)",
        "leaktrace: 2 of 2 source(s) could not be learned (see above)",
    ]
    assert open_store(copied_library).reference_sources() == []
