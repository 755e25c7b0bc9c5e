"""Carriers misread: files taken for what they are not (a schema for a notebook, the end of a
fence missed on a CRLF page, a ``>`` inside a quoted attribute, a large JSON file for an unread
map). Each test builds real files and scans them through the CLI."""

from __future__ import annotations

import json

from tests.test_carriers import JOURNAL, PRIVATE, evidence, scan, zip_bytes

CLIENT_PATH = "web/src/api/ledgerClient.ts"


def schema(version: str, container: str) -> dict:
    """Shaped as nbformat's own JSON schemas (``nbformat/v4/nbformat.v4.5.schema.json``): they
    name ``nbformat`` and ``cells`` (or ``worksheets``), but as properties, not as a list."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "description": f"Jupyter Notebook v{version} JSON schema.",
        "type": "object",
        "required": ["metadata", "nbformat_minor", "nbformat", container],
        "properties": {
            "nbformat": {"description": "Notebook format (major number).", "type": "integer"},
            container: {
                "description": "Array of cells.",
                "type": "array",
                "items": {"$ref": "#/definitions/cell"},
            },
        },
    }


def test_json_that_names_nbformat_is_a_notebook_only_with_a_cells_list(store, tmp_path):
    """A wheel of nbformat ships its schemas: they are no notebooks and give no line (the
    run is clear), while a notebook under a ``.json`` name in the same wheel is still read."""
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                           "source": JOURNAL.decode()}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    members = {
        "nbformat/v3/nbformat.v3.schema.json": json.dumps(schema("3.0", "worksheets")).encode(),
        "nbformat/v4/nbformat.v4.5.schema.json": json.dumps(schema("4.5", "cells")).encode(),
        "nbformat/nbformat.json": b'["nbformat", 4]',
    }
    wheel = tmp_path / "nbformat-5.11.1-py3-none-any.whl"
    wheel.write_bytes(zip_bytes(members))
    code, candidate, stderr = scan(store, wheel)
    assert code == 0 and candidate["verdict"] == "clear", stderr
    assert candidate["complete"] is True, candidate["unread"]
    members["nbformat/tests/example.json"] = json.dumps(notebook).encode()
    wheel.write_bytes(zip_bytes(members))
    code, candidate, stderr = scan(store, wheel)
    assert code == 1 and evidence(candidate) == {"nbformat/tests/example.json!/cell-1.py"}
    assert candidate["complete"] is True, candidate["unread"]


def indented(prefix: str, text: str) -> str:
    return "".join(prefix + line if line.strip() else prefix.rstrip() + "\n"
                   for line in text.splitlines(keepends=True))  # fmt: skip


def test_fences_on_crlf_pages_in_lists_and_in_blockquotes_are_read(store, tmp_path):
    """A Windows-made page (CRLF: a ``bash`` block's closing fence used to be missed, and it ran
    to the end hiding the ``python`` block after it), a fence in a nested list item (indented 4)
    and one in a blockquote are read, on the page's own lines; a block in a container ends with
    it, so it does not swallow a fence after the list or the quote."""
    code = JOURNAL.decode()
    docs = tmp_path / "docs"
    docs.mkdir()
    crlf = f"# Title\n\nInstall:\n\n```bash\npip install acme\n```\n\n```python\n{code}```\n"
    (docs / "crlf.md").write_bytes(crlf.replace("\n", "\r\n").encode())
    (docs / "list.md").write_text(
        "# Setup\n\n- Step one\n\n  - Nested step:\n\n"
        + indented("    ", f"```python\n{code}```\n")
    )
    (docs / "quote.md").write_text(
        "# Notes\n\n> Our helper:\n>\n" + indented("> ", f"```py\n{code}```\n")
    )
    (docs / "after.md").write_text(
        "- step\n\n  ```bash\n  echo\n\n> ```sh\n> ls\n\n"  # each left open in its container
        f"```python\n{code}```\n"
    )
    got, candidate, stderr = scan(store, docs)
    assert got == 1 and candidate["verdict"] == "derivative", stderr
    pages = ("crlf.md", "list.md", "quote.md", "after.md")
    assert evidence(candidate) == {f"{page}!/code.py" for page in pages}
    starts = {f["candidate_path"]: f["candidate_lines"][0][0] for f in candidate["files"]}
    assert starts["crlf.md!/code.py"] >= 10 and starts["list.md!/code.py"] >= 8
    assert starts["quote.md!/code.py"] >= 6 and starts["after.md!/code.py"] >= 10


def test_a_quoted_greater_than_sign_does_not_end_a_script_tag(store, tmp_path):
    """``<script data-x=">" setup lang="ts">``: the tag ends at the ``>`` after ``lang="ts"``,
    not at the quoted one, so the block is read as TypeScript (it used to be read as JavaScript
    with the rest of the tag as its first line)."""
    client = (PRIVATE / CLIENT_PATH).read_text()
    site = tmp_path / "site"
    site.mkdir()
    (site / "Ledger.vue").write_text(
        f'<template><div/></template>\n<script data-x=">" setup lang="ts">\n{client}</script>\n'
    )
    (site / "index.html").write_text(
        f"<body>\n<script data-gt='a>b' type='text/python'>\n{JOURNAL.decode()}</script></body>\n"
    )
    got, candidate, stderr = scan(store, site)
    assert got == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"Ledger.vue!/script.ts", "index.html!/script.py"}


def lockfile(size: int) -> bytes:
    """Shaped as npm's ``package-lock.json``: a few keys, then a long ``packages`` object."""
    entry = '"node_modules/pkg-{n}": {{"version": "1.0.{n}", "resolved": "https://r/{n}.tgz"}}'
    packages, n = [], 0
    while sum(map(len, packages)) < size:
        packages.append(entry.format(n=n))
        n += 1
    text = '{"name": "app", "lockfileVersion": 3, "packages": {' + ", ".join(packages) + "}}"
    return text.encode()


def test_json_over_max_read_bytes_is_unread_only_when_it_may_be_a_map_or_notebook(store, tmp_path):
    """A 2 MB lockfile over ``--max-read-bytes 1000000`` names no source map or notebook key
    anywhere (read in chunks, never held): no line, the scan is complete, in a folder and as a
    target of its own (an archive's entry over the cap is refused by its size, as before). A
    map of the same size, whose ``sourcesContent`` comes after its long ``names``, stays
    unread."""
    lock = lockfile(2_000_000)
    themap = {"version": 3, "names": ["n"] * 400_000, "sources": ["a.ts"],
              "sourcesContent": ["let a = 1"], "mappings": ""}  # fmt: skip
    site = tmp_path / "site"
    site.mkdir()
    (site / "package-lock.json").write_bytes(lock)
    for target in (site, site / "package-lock.json"):
        code, candidate, stderr = scan(store, target, "--max-read-bytes", "1000000")
        assert code == 0 and candidate["complete"] is True, (target, candidate["unread"])
    (site / "bundle.json").write_text(json.dumps(themap))
    code, candidate, stderr = scan(store, site, "--max-read-bytes", "1000000")
    assert code == 3 and candidate["complete"] is False, stderr
    assert [entry["path"] for entry in candidate["unread"]] == ["bundle.json"]


def test_json_naming_nbformat_that_does_not_decode_is_a_line(store, tmp_path):
    """A notebook saved as ``.json`` with one stray byte does not decode: it may hold code, so
    it is one unread line (the run ``incomplete``), never ``clear``."""
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                           "source": JOURNAL.decode()}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "analysis.json").write_bytes(json.dumps(notebook).encode() + b"\n,")
    code, candidate, stderr = scan(store, folder)
    assert code == 3 and candidate["verdict"] == "incomplete", stderr
    assert [u["path"] for u in candidate["unread"]] == ["analysis.json"], candidate["unread"]
    assert "not a valid notebook" in stderr


def test_a_quote_inside_an_unquoted_attribute_value_does_not_hide_the_script(store, tmp_path):
    """``data-x=a'b`` is an unquoted value holding a quote: the tag ends at its ``>`` (as a
    browser reads it), so the script's code is read, not taken for attributes."""
    folder = tmp_path / "pages"
    folder.mkdir()
    source = (PRIVATE / "acme_ledger" / "reconciliation.py").read_text()
    (folder / "index.html").write_text(
        f'<html><body><script type="text/python" data-x=a\'b>\n{source}</script></body>\n'
    )
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"index.html!/script.py"}


def test_a_central_directory_naming_offset_zero_does_not_hide_the_source_before_it(store, tmp_path):
    """A private file followed by a bare central directory whose entry claims offset 0 (no
    local header there): the bytes before the directory are still read as source."""
    import struct

    name = b"x/"
    fields = (20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0o40755 << 16, 0)
    central = b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", *fields) + name
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(JOURNAL), 0)
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "journal.py").write_bytes(JOURNAL + central + end)
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert "journal.py" in evidence(candidate)


def test_tab_indented_code_in_a_list_items_fence_is_read(store, tmp_path):
    """CommonMark counts a tab to the next 4-column stop: ``\tcode`` under ``- ```python`` is
    the block's code (it was cut by characters: the block ended empty and the page was clear)."""
    from fingerprints import code_blocks

    assert list(code_blocks("- ```python\n\tx = compute(a, b)\n\t```\n", 1 << 30)) == [
        (2, "python", "  x = compute(a, b)\n")]  # fmt: skip
    assert list(code_blocks("```python\n\tx = 1\n```\n", 1 << 30)) == [
        (2, "python", "\tx = 1\n")]  # fmt: skip
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "README.md").write_text(
        "# Setup\n\n- Run this:\n- ```python\n" + indented("\t", JOURNAL.decode()) + "\t```\n"
    )
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"README.md!/code.py"}


def test_json_whose_keys_are_spelled_with_escapes_is_still_a_notebook_or_a_map(store, tmp_path):
    """JSON may spell a key with ``\\u`` escapes (``"\\u006ebformat"``): such a notebook or source
    map under a ``.json`` name is read as one (the key's bytes alone came out clear)."""
    notebook = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                      "source": JOURNAL.decode()}],
                           "metadata": {}, "nbformat": 4, "nbformat_minor": 5})  # fmt: skip
    client = (PRIVATE / CLIENT_PATH).read_text()
    source_map = json.dumps({"version": 3, "sources": ["src/api/ledgerClient.ts"],
                             "sourcesContent": [client], "mappings": ""})  # fmt: skip
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "analysis.json").write_text(notebook.replace('"nbformat"', '"\\u006ebformat"'))
    (folder / "bundle.json").write_text(
        source_map.replace('"sourcesContent"', '"\\u0073ourcesContent"')
    )
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    found = evidence(candidate)
    assert found == {"analysis.json!/cell-1.py", "bundle.json!/src/api/ledgerClient.ts"}, found
