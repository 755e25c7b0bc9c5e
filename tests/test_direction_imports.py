"""A subfolder kept apart in a private tree: a library the company copied, or the company's own
code that a leaker published as a package? Told apart without dates by what the package's code
imports: the company's own subfolder imports the rest of its tree, a copied library never does.
Real sample code, a real sdist, real stores, the CLI."""

from __future__ import annotations

import tarfile

import pytest

from fingerprints import Dates, Overlap, RepoOverlap, decide
from fingerprints.imports import ModuleRef, module_imports, outside_imports, places
from tests.test_reference import (
    INVOICING,
    ISO_ARCHIVE,
    JOURNAL,
    LEDGER,
    MONEY,
    RECONCILE,
    TAX,
    cli,
    scan,
)


def iso8601_files() -> dict[str, str]:
    """The real iso8601 2.1.0 package, as the company copies it: its two modules."""
    with tarfile.open(ISO_ARCHIVE) as archive:
        return {name: archive.extractfile(f"iso8601-2.1.0/iso8601/{name}").read().decode()
                for name in ("__init__.py", "iso8601.py")}  # fmt: skip


def billing_files(style: str) -> dict[str, str]:
    """The sample's invoicing and tax modules kept apart in ``acme_ledger/billing/``, importing
    the rest of the company's package (``..money``, or ``acme_ledger.money``)."""

    def host(module: str) -> str:
        return f"..{module}" if style == "relative" else f"acme_ledger.{module}"

    invoicing = (INVOICING.replace("from .journal import", f"from {host('journal')} import")
                 .replace("from .money import", f"from {host('money')} import"))  # fmt: skip
    tax = TAX.replace("from .money import", f"from {host('money')} import")
    assert invoicing != INVOICING and tax != TAX
    return {"invoicing.py": invoicing, "tax.py": tax}


@pytest.fixture(params=["relative", "absolute"])
def ledger(request, tree, tmp_path):
    """The company's package: its own modules, a billing subfolder kept apart that imports
    them, and the real iso8601 copied apart in ``compat/`` (imported by the company's code,
    importing nothing of it)."""
    billing = billing_files(request.param)
    files = {
        "acme_ledger/__init__.py": (LEDGER / "__init__.py").read_text(),
        "acme_ledger/accounts.py": (LEDGER / "accounts.py").read_text(),
        "acme_ledger/journal.py": JOURNAL,
        "acme_ledger/money.py": MONEY,
        "acme_ledger/reconciliation.py": "from .compat.iso8601 import parse_date\n" + RECONCILE,
        **{f"acme_ledger/billing/{name}": text for name, text in billing.items()},
        **{f"acme_ledger/compat/iso8601/{name}": t for name, t in iso8601_files().items()},
    }
    private = tree("acme-ledger", files)
    store = tmp_path / "s.db"
    cli("fingerprint", str(private), "--store", str(store))
    return store, billing


def test_the_companys_subfolder_published_as_a_package_holds_private_code(ledger, tree, tmp_path):
    """The billing subfolder, published whole as ``billing`` 1.0 with its imports as they were:
    the whole package inside a larger private tree, in a folder of its own, was "a vendored
    library", public, and every copy of the leak came out clear."""
    store, billing = ledger
    package = tree("billing-1.0", {f"billing/{name}": text for name, text in billing.items()})
    said = cli("background", str(package), "--store", str(store))
    assert "billing 1.0 (folder): HOLDS PRIVATE CODE: the package's code imports modules of a " \
           "private repository that the package does not hold" in said  # fmt: skip
    assert "its copies of files at acme_ledger/billing/ import 2 other file(s) of private repo " \
           "acme-ledger that it does not hold (acme_ledger/journal.py, acme_ledger/money.py)" \
           in said  # fmt: skip
    assert "a vendored library" not in said
    listed = cli("inventory", str(store))
    assert "billing 1.0 (folder): HOLDS PRIVATE CODE: the package's code imports modules" in listed
    copy = tree("leak", {f"shop/{name}": text for name, text in billing.items()})
    assert scan(copy, store, tmp_path)["verdict"] == "derivative"
    # the user's word still wins
    said = cli("background", "--trust", "billing", "--store", str(store))
    assert "billing 1.0 (folder): public code" in said
    assert scan(copy, store, tmp_path)["verdict"] == "clear"


def test_a_library_copied_apart_that_never_imports_its_host_stays_public(ledger, tree, tmp_path):
    """The control: the real iso8601 sdist, copied apart into ``compat/`` and imported by the
    company's code, imports only its own modules: a vendored library, public, and a public
    project shipping it is clear."""
    store, _ = ledger
    said = cli("background", str(ISO_ARCHIVE), "--store", str(store))
    assert (
        "iso8601 2.1.0 (archive): public code in acme-ledger: acme_ledger/compat/iso8601/" in said
    )
    assert "import" not in said
    candidate = tree("feedstamp", {"feedstamp/iso8601.py": iso8601_files()["iso8601.py"]})
    assert scan(candidate, store, tmp_path)["verdict"] == "clear"


def test_python_and_javascript_imports_are_read_as_places():
    text = b"""from ..exceptions import NotFound, BadHost as B
from . import (converters,
    rules)
import pip._internal.req as req, os  # two imports
  from acme import core
x = "from . import not_an_import"
"""
    found = module_imports(text, "python")
    assert found == (ModuleRef(2, "exceptions", ("NotFound", "BadHost")),
                     ModuleRef(1, "", ("converters",)), ModuleRef(0, "pip._internal.req"),
                     ModuleRef(0, "os"), ModuleRef(0, "acme", ("core",)))  # fmt: skip
    importer = "proj/src/acme/billing/invoice.py"
    assert [p.base for p in places(found[0], importer)] == [
        "proj/src/acme/exceptions", "proj/src/acme/exceptions/NotFound",
        "proj/src/acme/exceptions/BadHost"]  # fmt: skip
    assert [p.base for p in places(found[4], importer)] == ["proj/src/acme/core"]
    assert places(found[3], importer) == []  # ``import os`` names a package, not a place
    assert places(ModuleRef(6, "x"), importer) == []  # climbs out of the tree
    js = b"""const Npm = require('../npm'); import x from "./y.js"
export * from '../z'; const s = require("semver"); log('../not-an-import'); import('../d')"""
    assert [r.target for r in module_imports(js, "javascript")] == ["../npm", "./y.js", "../z",
                                                                    "../d"]  # fmt: skip
    assert module_imports(b"import (\n", "go") == ()


def test_hostile_import_lines_are_read_once_and_cut():
    """Lines no one writes: a megabyte of dots, unclosed quotes, thousands of imports."""
    assert module_imports(b"from " + b"." * 1_000_000 + b" import x", "python") == ()
    assert module_imports(b"require('../" + b"a" * 1_000_000, "javascript") == ()
    assert module_imports(b"'../" * 300_000, "javascript") == ()
    many = b"".join(b"import m%d.x\n" % i for i in range(10_000))
    assert len(module_imports(many, "python")) == 256


def test_an_import_the_package_holds_itself_is_no_evidence():
    """``from .tax import`` names a module the package holds; ``..money`` one it does not."""
    refs = {"billing-1.0/billing/invoicing.py": (ModuleRef(1, "tax"), ModuleRef(2, "money")),
            "billing-1.0/billing/tax.py": ()}  # fmt: skip
    pairs = [("acme/billing/invoicing.py", "billing-1.0/billing/invoicing.py"),
             ("acme/billing/tax.py", "billing-1.0/billing/tax.py")]  # fmt: skip
    private = {"acme/money.py", "acme/journal.py"}
    found = outside_imports(pairs, lambda p: refs.get(p, ()), private, "acme/billing", set(refs))
    assert found == ["acme/money.py"]
    # the source holding money.py beside the package: its own module, not the company's
    held = {*refs, "billing-1.0/money.py"}
    assert outside_imports(pairs, lambda p: refs.get(p, ()), private, "acme/billing", held) == []
    # an absolute name the source holds (``acme/money.py`` inside it) is its own too
    absolute = {"billing-1.0/billing/invoicing.py": (ModuleRef(0, "acme.money"),)}
    assert outside_imports(pairs, lambda p: absolute.get(p, ()), private, "acme/billing",
                           set(refs)) == ["acme/money.py"]  # fmt: skip
    assert outside_imports(pairs, lambda p: absolute.get(p, ()), private, "acme/billing",
                           {*refs, "billing-1.0/acme/money.py"}) == []  # fmt: skip


def test_evidence_stored_before_imports_were_read_decides_as_before():
    """A store learned before: its evidence has no imports, and its decision stands."""
    repo = RepoOverlap("acme", 10_000, 2_000, 5, 400, "acme/billing", folder_tokens=2_000)
    stored = Overlap(2_100, 2_000, 5, 5, (repo,)).as_dict()
    for key in ("outside_imports", "outside_import_count"):
        del stored["repos"][0][key]  # type: ignore[index]
    overlap = Overlap.from_dict(stored)
    assert decide(overlap, Dates(), name="billing").public
    importing = Overlap.from_dict({**stored, "repos": [{**stored["repos"][0],  # type: ignore[dict-item]
                                   "outside_imports": ["acme/money.py"],
                                   "outside_import_count": 1}]})  # fmt: skip
    assert importing.repos[0].outside_imports == ("acme/money.py",)
    assert not decide(importing, Dates(), name="billing").public
    assert decide(importing, Dates(), trust="trusted", name="billing").public


def test_a_plugin_importing_public_code_of_the_private_tree_is_public_once_that_code_is(
    tree, tmp_path
):
    """A plugin of a public library, copied apart inside the company's copy of that library,
    imports the library (``iso8601.iso8601``): a private file, outside the plugin's folder, that
    the plugin's package does not hold. Until a public source holds that file it is the
    company's as far as anyone knows; once the library's own package is learned, it is public
    code, and the plugin is a library the company copied."""
    feed = (ISO_ARCHIVE.parent.parent / "candidates" / "vendors-iso8601" / "feedstamp" /
            "feed.py").read_text()  # fmt: skip
    plugin = feed.replace("from .iso8601 import", "from iso8601.iso8601 import")
    assert plugin != feed
    files = {"acme_ledger/journal.py": JOURNAL, "acme_ledger/money.py": MONEY,
             "acme_ledger/reconciliation.py": RECONCILE,
             **{f"libs/iso8601/{name}": text for name, text in iso8601_files().items()},
             "libs/iso8601/contrib/feeds/feed.py": plugin}  # fmt: skip
    store = tmp_path / "s.db"
    cli("fingerprint", str(tree("acme-ledger", files)), "--store", str(store))
    package = tree("isofeeds-1.0", {"isofeeds/feed.py": plugin})
    said = cli("background", str(package), "--store", str(store))
    assert "isofeeds 1.0 (folder): HOLDS PRIVATE CODE" in said
    assert "(libs/iso8601/iso8601.py)" in said
    said = cli("background", str(ISO_ARCHIVE), "--store", str(store))
    assert "now public (was holds-private-code): isofeeds 1.0 (folder): public code" in said
