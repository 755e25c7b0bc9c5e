"""Company code kept under a folder the private side takes for vendored (``vendors/``,
``external/``, ...): ``fingerprint`` names each such folder it skips, with its files counted,
and ``--include-dir NAME`` fingerprints it, so a leak of that code is found."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from tests.benchmarks.corpus import pypi_sdist
from tests.conftest import leaktrace


@pytest.fixture(scope="module")
def erp(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(a private tree with company code in vendors/ and external/, the same as a .tgz, a leak
    of the vendors/ code)."""
    rich = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich"
    root = tmp_path_factory.mktemp("erp")
    private = root / "acme-erp"
    for folder, names in {"src": ["table.py"], "vendors/acme_billing": ["console.py", "text.py"],
                          "external/payroll": ["progress.py"]}.items():  # fmt: skip
        (private / folder).mkdir(parents=True)
        for name in names:
            shutil.copy(rich / name, private / folder / name)
    archive = root / "acme-erp.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(private, arcname="acme-erp")
    leak = root / "leak"
    leak.mkdir()
    shutil.copy(rich / "console.py", leak / "billing.py")
    return private, archive, leak


def _fingerprint(source: Path, store: Path, *options: str) -> str:
    done = leaktrace("fingerprint", str(source), "--store", str(store), *options)
    assert done.exit_code == 0, done.output
    return " ".join(done.output.split())  # one line however the console wrapped it


@pytest.mark.parametrize("kind", ["folder", "archive"])
def test_vendored_folders_are_named_and_include_dir_fingerprints_them(erp, tmp_path, kind,
                                                                      monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)  # the results database
    private, archive, leak = erp
    source = private if kind == "folder" else archive  # its acme-erp/ folder unwrapped
    skipped = tmp_path / "skipped.db"
    output = _fingerprint(source, skipped)
    assert ("skipped vendored folder vendors/: 2 file(s) not fingerprinted "
            "(--include-dir vendors reads it") in output  # fmt: skip
    assert "skipped vendored folder external/: 1 file(s) not fingerprinted" in output
    done = leaktrace("scan", str(leak), "--store", str(skipped))
    assert done.exit_code == 0, done.output  # what was never fingerprinted cannot be found
    included = tmp_path / "included.db"
    output = _fingerprint(source, included, "--include-dir", "vendors",
                          "--include-dir", "external")  # fmt: skip
    assert "4 file(s) fingerprinted" in output and "vendored folder" not in output
    done = leaktrace("scan", str(leak), "--store", str(included))
    assert done.exit_code == 1, done.output


def test_include_dir_takes_only_names_the_private_side_skips(erp, tmp_path):
    private, _, _ = erp
    done = leaktrace(*["fingerprint", str(private), "--store", str(tmp_path / "s.db"),
                               "--include-dir", "src"])  # fmt: skip
    assert done.exit_code == 2
    assert "--include-dir src: not a folder name fingerprint skips" in done.output
