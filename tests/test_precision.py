"""Public code, common code, boilerplate, config files and calibration (issue: precision)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile

import pytest
from typer.testing import CliRunner

from fingerprints import fingerprint_tree, open_store
from fingerprints.store import _SCHEMA_V1, SCHEMA_VERSION
from scanner.cli import app
from scanner.config import load_thresholds, save_thresholds
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
FORK = SAMPLES / "candidates" / "fork-of-public-sdk"


def scan_json(*args: str) -> tuple[int, dict]:
    done = runner.invoke(app, ["scan", *args, "--json", "-"])
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout[: done.stdout.rindex("}") + 1])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "acme.db"
    done = runner.invoke(
        app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC), "--store", str(db)]
    )
    assert done.exit_code == 0, done.output
    return db


def test_own_public_repo_and_its_fork_are_clear_until_private_files_are_added(store, tmp_path):
    code, report = scan_json(str(PUBLIC), str(FORK), "--store", str(store))
    assert code == 0
    assert [c["verdict"] for c in report["candidates"]] == ["clear", "clear"]
    assert all(c["discounted_tokens"]["public"] > 500 for c in report["candidates"])

    fork = shutil.copytree(FORK, tmp_path / "fork")
    shutil.copy(PRIVATE / "acme_ledger" / "tax.py", fork / "acme_pay_sdk" / "tax_rules.py")
    shutil.copy(PRIVATE / "services" / "settlement" / "export.go", fork / "export.go")
    code, report = scan_json(str(fork), "--store", str(store))
    assert code == 1
    [candidate] = report["candidates"]
    assert candidate["verdict"] == "derivative"
    assert {(f["candidate_path"], f["private_path"]) for f in candidate["files"]} == {
        ("acme_pay_sdk/tax_rules.py", "acme_ledger/tax.py"),
        ("export.go", "services/settlement/export.go"),
    }


def test_public_code_from_an_archive_and_a_git_url(tmp_path):
    archive = tmp_path / "sdk.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(PUBLIC, arcname="acme-pay-sdk-1.0")
    repo = shutil.copytree(PUBLIC, tmp_path / "sdk-git")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "sdk"], check=True)
    for public in (str(archive), f"file://{repo}"):
        db = tmp_path / f"{len(public)}.db"
        done = runner.invoke(
            app, ["fingerprint", str(PRIVATE), "--public", public, "--store", str(db)]
        )
        assert done.exit_code == 0, done.output
        with open_store(db) as opened:
            assert [r.public for r in opened.repos()] == [False, True]
            assert opened.repos()[1].files >= 5
        _, report = scan_json(str(FORK), "--store", str(db))
        assert report["candidates"][0]["verdict"] == "clear"
        assert report["candidates"][0]["discounted_tokens"]["public"] > 500


def test_a_reference_source_makes_shared_code_public(tree, tmp_path):
    money = (PRIVATE / "acme_ledger" / "money.py").read_text()
    journal = (PRIVATE / "acme_ledger" / "journal.py").read_text()
    # money.py kept apart in a folder of its own, as a copied library is (beside journal.py it
    # would be the company's own file published, and a package of it holds private code)
    private = tree("private", {"compat/money.py": money, "journal.py": journal})
    db = tmp_path / "s.db"
    assert runner.invoke(app, ["fingerprint", str(private), "--store", str(db)]).exit_code == 0
    leak = tree("leak", {"vendor/money.py": money})
    code, before = scan_json(str(leak), "--store", str(db))
    assert before["candidates"][0]["verdict"] == "derivative"
    # money.py turns out to be public code: a reference source holds it. One source is enough
    # (commonness is counted in sources, not in files).
    corpus = tree("corpus", {"lib/money_utils.py": money, "c/other.py": "print('hello')\n"})
    done = runner.invoke(app, ["background", str(corpus), "--store", str(db)])
    assert done.exit_code == 0, done.output
    assert "corpus (folder): public code in private: compat/ (1 file(s))" in done.stdout
    code, after = scan_json(str(leak), "--store", str(db))
    [candidate] = after["candidates"]
    assert code == 0 and candidate["verdict"] == "clear"
    assert candidate["discounted_tokens"]["reference"] > 1000
    assert "public code (in corpus, folder)" in " ".join(candidate["reasons"])
    # journal.py is in no reference source: still private.
    leak2 = tree("leak2", {"journal.py": journal})
    assert scan_json(str(leak2), "--store", str(db))[1]["candidates"][0]["verdict"] == "derivative"
    with open_store(db) as opened:
        [source] = opened.reference_sources()
    assert (source.files, source.kind, len(source.sha256)) == (2, "folder", 64)


def test_boilerplate_never_makes_a_verdict(tree, tmp_path):
    setup = (
        "from setuptools import setup, find_packages\n\n"
        + "".join(
            f"EXTRA_{i} = ['pkg{i}>=1.{i}', 'other{i}<2', 'third{i}==0.{i}']\n" for i in range(40)
        )
        + "setup(name='acme', version='1.0', packages=find_packages(), install_requires=[],\n"
        "      extras_require={'test': ['pytest']}, python_requires='>=3.9')\n"
    )
    journal = (PRIVATE / "acme_ledger" / "journal.py").read_text()
    private = tree(
        "private",
        {"setup.py": setup, "acme/__init__.py": "from .core import *\n", "acme/core.py": journal},
    )
    db = tmp_path / "s.db"
    assert runner.invoke(app, ["fingerprint", str(private), "--store", str(db)]).exit_code == 0
    copied_setup = tree("cand", {"setup.py": setup, "build_config.py": setup})
    _, report = scan_json(str(copied_setup), "--store", str(db))
    [candidate] = report["candidates"]
    assert candidate["verdict"] == "clear"
    assert candidate["discounted_tokens"]["boilerplate"] > 100
    # A leak dressed up as boilerplate on the candidate side is still found: whoever published
    # the candidate chose its names and headers.
    header = "# This file is auto-generated by a tool. DO NOT EDIT.\n"
    disguised = tree(
        "disguised",
        {
            "docs/conf.py": journal,
            "tests/fixtures/data.py": journal,
            "setup.py": journal,
            "gen/models.py": header + journal,
        },
    )
    _, report = scan_json(str(disguised), "--store", str(db))
    [candidate] = report["candidates"]
    assert candidate["verdict"] == "derivative"
    assert {f["candidate_path"] for f in candidate["files"]} == {
        "docs/conf.py",
        "tests/fixtures/data.py",
        "setup.py",
        "gen/models.py",
    }


def test_thresholds_from_config_files_with_their_source(tree, tmp_path, monkeypatch):
    folder = tree("project", {"leaktrace.toml": "[thresholds]\nderivative_tokens = 400\n"})
    monkeypatch.chdir(folder)
    loaded = load_thresholds()
    assert loaded.derivative_tokens == 400
    assert loaded.origin("derivative_tokens") == str(folder / "leaktrace.toml")
    assert loaded.origin("review_tokens") == "default"

    other = tree(
        "py",
        {
            "pyproject.toml": "[project]\nname='x'\n[tool.leaktrace.thresholds]\n"
            "review_tokens = 150\n"
        },
    )
    assert load_thresholds(folder=other).review_tokens == 150
    from fingerprints import ConfigError

    bad = tree("bad", {"leaktrace.toml": "[thresholds]\nderivative_tokenz = 1\n"})
    with pytest.raises(ConfigError, match="derivative_tokenz: unknown threshold"):
        load_thresholds(folder=bad)
    broken = tree("broken", {"leaktrace.toml": "[thresholds\n"})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_thresholds(folder=broken)

    save_thresholds(folder / "leaktrace.toml", {"review_tokens": 130})
    again = load_thresholds(folder=folder)
    assert (again.review_tokens, again.derivative_tokens) == (130, 400)


def test_report_lists_every_threshold_with_value_limit_and_source(
    store, tree, tmp_path, monkeypatch
):
    folder = tree("cfg", {"leaktrace.toml": "[thresholds]\nreview_tokens = 130\n"})
    monkeypatch.chdir(folder)
    _, report = scan_json(str(FORK), "--store", str(store), "--set", "max_fanout=20")
    sources = report["threshold_sources"]
    assert sources["review_tokens"] == str(folder / "leaktrace.toml")
    assert sources["max_fanout"] == "command line"
    assert sources["derivative_tokens"] == "default"
    checks = {c["name"]: c for c in report["candidates"][0]["checks"]}
    assert set(checks) == set(report["thresholds"])
    assert checks["review_tokens"]["limit"] == 130
    assert checks["review_tokens"]["source"].endswith("leaktrace.toml")


def test_calibrate_on_the_samples_recommends_the_defaults(store, tmp_path):
    unrelated = [str(SAMPLES / "candidates" / n) for n in
                 ("unrelated-large", "lookalike-independent", "lookalike-boilerplate",
                  "fork-of-public-sdk")]  # fmt: skip
    saved = tmp_path / "leaktrace.toml"
    done = runner.invoke(
        app, ["calibrate", *unrelated, "--store", str(store), "--save", str(saved)]
    )
    assert done.exit_code == 0, done.output
    assert "0 of 4 unrelated candidate(s) would be derivative" in done.output
    assert "recommend the current thresholds" in done.output
    assert "derivative_tokens = 250" in saved.read_text()


def test_old_store_is_migrated(tmp_path):
    db = tmp_path / "v1.db"
    con = sqlite3.connect(db)
    con.executescript(_SCHEMA_V1)
    con.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", "leaktrace-store"), ("schema_version", "1"),
        ("params", json.dumps({"k": 20, "w": 12, "num_perm": 128, "seed": 1, "normalizer": 1})),
    ])  # fmt: skip
    con.commit()
    con.close()
    with open_store(db) as opened:
        fingerprint_tree(PUBLIC, opened, public=True)
        assert opened.repos()[0].files >= 5
    meta = dict(sqlite3.connect(db).execute("SELECT key, value FROM meta"))
    assert int(meta["schema_version"]) == SCHEMA_VERSION == 7
    assert meta["instance"] and int(meta["generation"]) > 0  # the files stored after migrating
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"background", "seeds", "reference_sources", "reference_hashes"} <= tables
    assert {"files_insert_generation", "reference_hashes_insert_generation"} <= tables


def test_calibration_sets_copies_apart_and_only_raises_bars():
    from scanner.calibrate import Measurement, recommend
    from scanner.thresholds import Thresholds

    unrelated = [Measurement(f"pkg{i}", 10, 1000, [60, 40], 60 + i, 60 + i, 0) for i in range(5)]
    copy = Measurement("ships-our-js", 3, 300, [705], 705, 3842, 705)
    advice = recommend([*unrelated, copy], Thresholds())
    assert [c.target for c in advice.copies] == ["ships-our-js"]
    assert advice.thresholds == Thresholds()  # 64 * 1.4 = 90 stays under every default
    assert (advice.candidates, advice.flagged_now, advice.flagged_after) == (5, 0, 0)
    higher = recommend([Measurement("close", 1, 1, [110], 110, 130, 40)], Thresholds())
    # 110 * 1.4 -> 160 and 130 * 1.4 -> 190 (rounded up to tens); derivative_tokens stays 250.
    assert higher.changes(Thresholds()) == {
        "review_tokens": (120, 190),
        "derivative_fragment_tokens": (120, 160),
    }
