"""Code hidden where a scan used to say ``clear``: each test builds a real candidate from the
samples' private code in a shape a scan read nothing of (or not all of), and scans it through
the CLI. ``clear`` must mean "read all of it and found nothing"."""

from __future__ import annotations

import base64
import json
import py_compile
from pathlib import Path

import pytest

from scanner.cli import app
from tests.test_carriers import (
    JOURNAL,
    PRIVATE,
    evidence,
    runner,
    scan,
    tar_bytes,
    zip_bytes,
)

CLIENT_PATH = "web/src/api/ledgerClient.ts"
CLIENT = (PRIVATE / CLIENT_PATH).read_text()


def a_map(sources: dict[str, str]) -> str:
    return json.dumps({"version": 3, "sources": list(sources), "names": [],
                       "sourcesContent": list(sources.values()), "mappings": "AAAA"})  # fmt: skip


def test_scan_reads_the_sources_of_an_inline_source_map(store, tmp_path):
    """Whatever media type the data: URL names (a browser's tools load the map all the same)."""
    encoded = base64.b64encode(a_map({"src/api/ledgerClient.ts": CLIENT}).encode()).decode()
    site = tmp_path / "site"
    (site / "dist").mkdir(parents=True)
    (site / "dist" / "app.js").write_text(
        f"console.log(1);\n//# sourceMappingURL=data:application/json;base64,{encoded}\n"
    )
    (site / "dist" / "b.js").write_text(f"x();\n//@ sourceMappingURL=data:;base64,{encoded}\n")
    (site / "dist" / "c.mjs").write_text(
        f"y();\n/*# sourceMappingURL=data:text/plain;charset=utf-8;base64,{encoded} */\n"
    )
    code, candidate, _ = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative"
    assert evidence(candidate) == {f"dist/{bundle}!/inline-source-map!/src/api/ledgerClient.ts"
                                   for bundle in ("app.js", "b.js", "c.mjs")}  # fmt: skip


def test_scripts_in_vue_svelte_and_html_files_are_read(store, tmp_path):
    """A component or a page is code: its ``<script>`` blocks are read in the language their
    ``lang``/``type`` says, with the file's own line numbers; a page of many blocks is read as
    one file per language, never longer than the page."""
    site = tmp_path / "site"
    (site / "src").mkdir(parents=True)
    (site / "src" / "Ledger.vue").write_text(
        f'<template>\n  <div/>\n</template>\n<script setup lang="ts">\n{CLIENT}</script>\n'
    )
    (site / "src" / "App.svelte").write_text(f"<script lang='ts'>\n{CLIENT}</script>\n<h1/>\n")
    (site / "index.html").write_text(
        '<html><head><script src="x.js"></script></head><body>\n'
        f'<script type="text/python">\n{JOURNAL.decode()}</script></body></html>\n'
    )
    (site / "cut.htm").write_text(f"<p>\n<SCRIPT>\n{CLIENT}")  # never closed: read to the end
    (site / "many.html").write_text("<script>x()</script>\n" * 50_000)  # 50,000 blocks
    code, candidate, _ = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", candidate
    assert evidence(candidate) == {"src/Ledger.vue!/script.ts", "src/App.svelte!/script.ts",
                                   "index.html!/script.py", "cut.htm!/script.js"}  # fmt: skip
    [vue] = [f for f in candidate["files"] if f["candidate_path"].endswith(".vue!/script.ts")]
    assert vue["candidate_lines"][0][0] >= 5  # the file's own lines: the script starts on line 4
    assert candidate["scanned"]["files"] == 5  # many.html: one file of 50,000 lines


def test_a_git_lfs_pointer_is_unread_not_clear(store, tmp_path):
    """A Git LFS pointer holds no code: the file's content is kept elsewhere. The candidate
    was not read whole, and says so."""
    repo = tmp_path / "repo"
    (repo / "acme_ledger").mkdir(parents=True)
    (repo / "acme_ledger" / "journal.py").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        f"oid sha256:{'4d7a' * 16}\nsize {len(JOURNAL)}\n"
    )
    (repo / "README.md").write_text("# ledger\n")
    code, candidate, stderr = scan(store, repo)
    assert code == 3 and candidate["verdict"] == "incomplete"
    assert "repo:acme_ledger/journal.py: not read: a Git LFS pointer" in " ".join(stderr.split())


PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4


def test_a_zip_after_other_bytes_is_read(store, tmp_path):
    """A zip archive is read from its end: one after a ``#!`` line (a Python zipapp), after an
    image (a polyglot) or after a shell stub (a self-extracting archive) is a zip to unzip and
    to Python, and so to the scan; bytes that merely look like a zip's end are passed over."""
    leak = zip_bytes({"src/journal.py": JOURNAL})
    site = tmp_path / "site"
    (site / "bin").mkdir(parents=True)
    (site / "bin" / "tool.pyz").write_bytes(b"#!/usr/bin/env python3\n" + leak)
    layer = tar_bytes({"assets/logo.png": PNG + leak,
                       "bin/install.run": b"#!/bin/sh\nunzip -o \"$0\"; exit 0\n" + leak,
                       "assets/noise.bin": PNG + b"PK\x05\x06" + bytes(18)}, "w:gz")  # fmt: skip
    (site / "release.tgz").write_bytes(layer)
    (site / "app.whl").write_bytes(zip_bytes({"pkg/logo.png": PNG + leak}))
    code, candidate, stderr = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {
        "bin/tool.pyz!/src/journal.py",
        "release.tgz!/assets/logo.png!/src/journal.py",
        "release.tgz!/bin/install.run!/src/journal.py",
        "app.whl!/pkg/logo.png!/src/journal.py",
    }
    assert candidate["complete"] is True, candidate["unread"]  # noise.bin: no zip, no line

    image = tmp_path / "logo.png"  # a target of its own
    image.write_bytes(PNG + leak)
    code, candidate, _ = scan(store, image)
    assert code == 1 and evidence(candidate) == {"src/journal.py"}


def compiled(tmp_path: Path, source: bytes) -> bytes:
    """``source`` compiled as CPython compiles a module (``py_compile``)."""
    (tmp_path / "mod.py").write_bytes(source)
    return Path(py_compile.compile(str(tmp_path / "mod.py"), cfile=str(tmp_path / "mod.pyc"),
                                   doraise=True)).read_bytes()  # fmt: skip


def test_compiled_python_without_its_source_is_unread(store, tmp_path):
    """A wheel or tarball that ships a module only compiled (``.pyc``) holds its code in a form
    no parser here reads: unread, never clear. Bytecode beside its source loses nothing."""
    pyc = compiled(tmp_path, JOURNAL)
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "acme-1.0-py3-none-any.whl").write_bytes(zip_bytes({
        "acme/__init__.py": b"",
        "acme/journal.pyc": pyc,
        "acme/__pycache__/__init__.cpython-311.pyc": compiled(tmp_path, b""),  # its source
    }))  # fmt: skip
    (folder / "acme-1.0.tar.gz").write_bytes(tar_bytes({
        "acme-1.0/acme/__pycache__/journal.cpython-311.opt-1.pyc": pyc,
    }, "w:gz"))  # fmt: skip
    code, candidate, stderr = scan(store, folder)
    assert code == 3 and candidate["verdict"] == "incomplete"
    unread = {(u["path"], u["message"].split(":")[0]) for u in candidate["unread"]}
    assert unread == {
        ("acme-1.0-py3-none-any.whl!/acme/journal.pyc", "not read"),
        ("acme-1.0.tar.gz!/acme-1.0/acme/__pycache__/journal.cpython-311.opt-1.pyc", "not read"),
    }, candidate["unread"]
    assert "compiled Python with no source beside it" in stderr


def test_a_source_map_or_notebook_under_another_name_is_read(store, tmp_path):
    """What a JSON file is comes from what it holds, not its name, nor its first 512 bytes: a
    source map whose ``version`` and ``mappings`` come after a long first key, and a notebook,
    both named ``.json``, are read; other JSON holds no code and gives no line."""
    site = tmp_path / "site"
    (site / "dist").mkdir(parents=True)
    themap = json.loads(a_map({"src/api/ledgerClient.ts": CLIENT}))
    (site / "dist" / "app.json").write_text(json.dumps({"note": "x" * 600, **themap}))
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                           "source": JOURNAL.decode()}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    (site / "analysis.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(notebook).encode())
    (site / "config.json").write_text(json.dumps({"sources": ["/etc/app"], "cells": 3}))
    (site / "broken.json").write_text('{"name": "x", ')
    code, candidate, stderr = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"dist/app.json!/src/api/ledgerClient.ts",
                                   "analysis.json!/cell-1.py"}  # fmt: skip
    assert candidate["complete"] is True, candidate["unread"]


def test_code_a_notebook_shows_in_its_outputs_is_read(store, tmp_path):
    """A cell's outputs are published with the notebook: ``!cat journal.py`` prints the file,
    ``func??`` displays its source (coloured with ANSI escapes). Each text output is read in
    the notebook's language, named after its cell."""
    coloured = "\x1b[0;32mdef\x1b[0m " + JOURNAL.decode().replace("\n", "\x1b[0m\n", 40)
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": "!cat acme_ledger/journal.py",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": JOURNAL.decode().splitlines(keepends=True),
                    }
                ],
            },
            {
                "cell_type": "code",
                "source": ["post_entry??"],
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/plain": coloured, "image/png": "iVBORw0KGgo="},
                    }
                ],
            },
        ],
        "metadata": {"kernelspec": {"language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "explore.ipynb").write_text(json.dumps(notebook))
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"explore.ipynb!/cell-1-output-1.py",
                                   "explore.ipynb!/cell-2-output-1.py"}  # fmt: skip


def test_a_zip_entry_whose_mode_says_link_or_fifo_is_read_as_the_file_pip_installs(store, tmp_path):
    """A zip entry's mode is only a claim: Python's zipfile (pip installing a wheel) and unzip
    write an entry marked as a FIFO, and zipfile one marked as a link, as a regular file holding
    its bytes. So its bytes are read, whatever the mode says (and the mode is noted)."""
    import stat
    import zipfile

    wheel = tmp_path / "dist" / "acme-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, mode in (("acme/journal.py", stat.S_IFLNK), ("acme/ledger.py", stat.S_IFIFO)):
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (mode | 0o644) << 16
            archive.writestr(info, JOURNAL)
    code, candidate, stderr = scan(store, wheel.parent)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"acme-1.0-py3-none-any.whl!/acme/journal.py",
                                   "acme-1.0-py3-none-any.whl!/acme/ledger.py"}  # fmt: skip
    assert "acme/ledger.py: a device, FIFO or special file by its mode" in stderr


def test_a_component_embedded_in_a_source_map_is_read(store, tmp_path):
    """A Vue build's map embeds the ``.vue`` files themselves: their scripts are read as a
    component's are, wherever the map is."""
    component = f'<template><div/></template>\n<script setup lang="ts">\n{CLIENT}</script>\n'
    themap = a_map({"webpack:///./src/components/Ledger.vue": component})
    site = tmp_path / "site"
    (site / "dist").mkdir(parents=True)
    (site / "dist" / "app.js.map").write_text(themap)
    encoded = base64.b64encode(themap.encode()).decode()
    (site / "dist" / "inline.js").write_text(f"x()\n//# sourceMappingURL=data:;base64,{encoded}\n")
    code, candidate, stderr = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {
        "dist/app.js.map!/src/components/Ledger.vue!/script.ts",
        "dist/inline.js!/inline-source-map!/src/components/Ledger.vue!/script.ts",
    }


def test_precompressed_brotli_assets_are_read(store, tmp_path):
    """A static site ships its assets compressed ahead (``app.js.map.br``): brotli has no magic
    bytes, so ``.br`` names it; it is read as a stream, never inflated past what is read."""
    import brotli

    site = tmp_path / "site"
    (site / "dist").mkdir(parents=True)
    themap = a_map({"src/api/ledgerClient.ts": CLIENT}).encode()
    (site / "dist" / "app.js.map.br").write_bytes(brotli.compress(themap))
    (site / "dist" / "journal.py.br").write_bytes(brotli.compress(JOURNAL, quality=11))
    code, candidate, stderr = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"dist/app.js.map.br!/src/api/ledgerClient.ts",
                                   "dist/journal.py.br!/journal.py"}  # fmt: skip
    assert candidate["complete"] is True

    bomb = tmp_path / "bomb"
    bomb.mkdir()
    (bomb / "zeros.py.br").write_bytes(brotli.compress(bytes(64 << 20), quality=1))
    (bomb / "cut.py.br").write_bytes(brotli.compress(JOURNAL)[:-20])
    code, candidate, stderr = scan(store, bomb, "--max-read-bytes", "1000000")
    assert code == 3
    reasons = {u["path"]: u["message"] for u in candidate["unread"]}
    assert (
        reasons["zeros.py.br!/zeros.py"] == "not read: larger than max_read_bytes (1,000,000 bytes)"
    )
    assert "brotli" in reasons["cut.py.br"], reasons


def test_code_fenced_in_markdown_is_read(store, tmp_path):
    """A README, a wiki page or a gist pastes code in fenced blocks: those whose info string
    names a language are read in it (one file per language, on the page's own lines); one left
    open runs to the end, as CommonMark says."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ledger.md").write_text(
        "# How we post entries\n\n```sh\npip install acme\n```\n\n"
        f"~~~~ python title=journal.py\n{JOURNAL.decode()}~~~~\n\n```\nplain\n```\n"
    )
    (docs / "client.markdown").write_text(f"Notes\n\n   ```ts\n{CLIENT}")
    code, candidate, stderr = scan(store, docs)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"ledger.md!/code.py", "client.markdown!/code.ts"}
    [python] = [f for f in candidate["files"] if f["candidate_path"] == "ledger.md!/code.py"]
    assert python["candidate_lines"][0][0] >= 8  # the page's own lines: the code starts on 8


def test_code_fenced_in_a_notebooks_markdown_cell_is_read(store, tmp_path):
    markdown = f"## The posting code\n\n```python\n{JOURNAL.decode()}```\n"
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": markdown}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "walkthrough.ipynb").write_text(json.dumps(notebook))
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"walkthrough.ipynb!/cell-1.md!/code.py"}


def test_code_indented_in_markdown_is_read_when_it_looks_like_code(store, tmp_path):
    """CommonMark's other code block, four spaces or a tab in, read by a CommonMark parser in a
    README (at the top, in a list item, in a quote) and in a notebook's Markdown cell, as a
    fenced block naming no language is: when it looks like code (``language_for_text``), in
    the language it looks like. Indented prose and a shell session stay no code. Each was
    clear: only fenced blocks naming a language were read."""
    from fingerprints import code_blocks
    from tests.test_carriers_misread import indented

    code = JOURNAL.decode()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "top.md").write_text("# Ledger\n\nThe posting code:\n\n" + indented("    ", code)
                                 + "\n    pip install acme\n    acme post --dry-run\n")  # fmt: skip
    (docs / "item.md").write_text("# Setup\n\n- Post with:\n\n" + indented("\t  ", code))
    (docs / "quote.md").write_text("> Our helper:\n>\n" + indented(">     ", code))
    (docs / "bare.md").write_text(f"Notes\n\n```\n{code}```\n")
    (docs / "prose.md").write_text(
        "# Notes\n\n"
        + indented(
            "    ",
            "We post entries daily,\nthen reconcile them by hand\nif the totals differ.\n" * 9,
        )
    )
    cell = {
        "cell_type": "markdown",
        "metadata": {},
        "source": "Posting:\n\n" + indented("\t", code),
    }
    (docs / "walkthrough.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))  # fmt: skip
    assert list(code_blocks((docs / "prose.md").read_text(), 1 << 30)) == []
    got, candidate, stderr = scan(store, docs)
    assert got == 1 and candidate["verdict"] == "derivative", stderr
    pages = ("top.md", "item.md", "quote.md", "bare.md", "walkthrough.ipynb!/cell-1.md")
    assert evidence(candidate) == {f"{page}!/code.py" for page in pages}
    assert candidate["complete"] is True, candidate["unread"]
    starts = {f["candidate_path"]: f["candidate_lines"][0][0] for f in candidate["files"]}
    assert starts["top.md!/code.py"] >= 5 and starts["quote.md!/code.py"] >= 3


def test_markdown_nested_too_deep_or_too_costly_to_parse_is_unread(store, tmp_path):
    """A page whose code sits under more containers than the parser reads (markdown-it skips
    the rest of a page past its nesting limit, silently), whose parse would keep more than
    ``--max-parse-memory``, or make more lines and tokens than ``MAX_PARTS`` (its time): one
    unread line, never clear."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "deep.md").write_text(
        "> " * 70
        + "\n"
        + "".join("> " * 70 + "    " + line for line in JOURNAL.decode().splitlines(keepends=True))
    )
    (docs / "items.md").write_text("- a\n\n    b\n" * 20_000)  # 280 bytes a byte to parse
    got, candidate, stderr = scan(store, docs, "--max-parse-memory", str(64 << 20))
    assert got == 3 and candidate["verdict"] == "incomplete", stderr
    reasons = {u["path"]: u["message"] for u in candidate["unread"]}
    assert reasons["deep.md"].startswith("not read: Markdown nested over 64 deep"), reasons
    assert "parsing its Markdown would take over max_parse_memory (67,108,864 bytes)" in (
        reasons["items.md"])  # fmt: skip
    from fingerprints import MarkdownTooCostly, code_blocks

    with pytest.raises(MarkdownTooCostly, match="makes over 2,000,000 lines and blocks"):
        list(code_blocks("\n" * 2_000_000 + "    " + JOURNAL.decode(), 1 << 30))  # 10 s of parse


def test_a_folders_own_image_with_a_zip_appended_is_read(store, tmp_path):
    """A polyglot directly in a scanned folder is decided as one inside an archive is: by the
    end record a zip is read from, not by its first bytes; an image with no zip stays silent."""
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "logo.png").write_bytes(PNG + zip_bytes({"src/journal.py": JOURNAL}))
    (site / "assets" / "plain.png").write_bytes(PNG)
    (site / "assets" / "noise.bin").write_bytes(PNG + b"PK\x05\x06" + bytes(18))
    code, candidate, stderr = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"assets/logo.png!/src/journal.py"}
    assert candidate["complete"] is True, candidate["unread"]


def test_a_folders_own_compiled_python_without_its_source_is_unread(store, tmp_path):
    """``.pyc`` files directly in a folder are decided as in an archive: one with no source
    beside it (``m.py``, or above ``__pycache__/``) is one unread line; one compiled from the
    source beside it is not."""
    pyc = compiled(tmp_path, JOURNAL)
    folder = tmp_path / "app"
    (folder / "acme" / "__pycache__").mkdir(parents=True)
    (folder / "acme" / "__init__.py").write_text("x = 1\n")
    py_compile.compile(
        str(folder / "acme" / "__init__.py"),
        cfile=str(folder / "acme" / "__pycache__" / "__init__.cpython-311.pyc"),
    )
    (folder / "acme" / "__pycache__" / "journal.cpython-311.pyc").write_bytes(pyc)
    (folder / "acme" / "ledger.pyc").write_bytes(pyc)
    code, candidate, stderr = scan(store, folder)
    assert code == 3 and candidate["verdict"] == "incomplete", stderr
    unread = {(u["path"], u["message"].split(":")[0]) for u in candidate["unread"]}
    assert unread == {("acme/__pycache__/journal.cpython-311.pyc", "not read"),
                      ("acme/ledger.pyc", "not read")}, candidate["unread"]  # fmt: skip
    assert "compiled Python with no source beside it" in stderr


def test_source_with_a_zip_appended_is_read_as_source_and_as_a_zip(store, tmp_path):
    """A private file with a zip after it (even an empty one, 22 bytes) is still source: what
    precedes the zip is read as the file it is, and the zip as a zip; a zipapp's ``#!`` line is
    read too (it finds nothing) and its zip's entries are found."""
    empty_zip = b"\n# PK\x05\x06" + bytes(18)
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "journal.py").write_bytes(JOURNAL + empty_zip)
    code, candidate, stderr = scan(store, folder)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"journal.py"}

    leak = zip_bytes({"src/journal.py": JOURNAL})
    (folder / "journal.py").write_bytes(JOURNAL + b"\n" + leak)
    code, candidate, _ = scan(store, folder)
    assert evidence(candidate) == {"journal.py", "journal.py!/src/journal.py"}

    wheel = tmp_path / "acme-1.0-py3-none-any.whl"
    wheel.write_bytes(zip_bytes({"acme/journal.py": JOURNAL + empty_zip}))
    done = runner.invoke(app, ["guard", "-s", str(store), str(wheel)])
    assert done.exit_code == 1, done.output


def test_code_in_raw_cells_html_outputs_and_input_keys_of_a_notebook_is_read(store, tmp_path):
    """Each place a notebook publishes text is read: a raw cell (nbconvert passes it on as it
    is) in the language its ``raw_mimetype`` or ``#!`` names, else the notebook's; an output's
    HTML (``IPython.display.Code`` highlights code in spans), Markdown and v3 ``html``; a code
    cell's ``input`` (v3's key, also where a hand-made cell has an empty ``source``); a cell
    of a type nbformat does not know. A cell whose text is not text is named, never passed
    over: the candidate is not called complete."""
    import html

    text = JOURNAL.decode()
    highlighted = "<div class='highlight'><pre>" + "".join(
        f"<span class='n'>{html.escape(line)}</span>" for line in text.splitlines(keepends=True)
    ) + "</pre></div>"  # fmt: skip

    def output(data: dict) -> dict:
        return {"output_type": "display_data", "metadata": {}, "data": data}

    def code(source: str = "show()", **more: object) -> dict:
        return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], **more}

    cells = [
        {"cell_type": "raw", "metadata": {}, "source": text.splitlines(keepends=True)},
        {"cell_type": "raw", "metadata": {"raw_mimetype": "text/html"}, "source": highlighted},
        {"cell_type": "raw", "metadata": {}, "source": "#!/usr/bin/env node\n" + CLIENT},
        code(outputs=[output({"text/html": highlighted})]),
        code(outputs=[output({"text/markdown": f"```python\n{text}```\n"})]),
        code("", input=text),
        {"cell_type": "sql", "metadata": {}, "source": text},
        {"cell_type": "raw", "metadata": {}, "source": {"not": "text"}},
        code(outputs=[output({"text/html": f"<div id='plot'></div><script>{CLIENT}</script>"})]),
    ]
    v3 = {"worksheets": [{"cells": [{"cell_type": "code", "input": "show()", "language": "python",
                                     "outputs": [{"output_type": "pyout", "html": highlighted}]}]}],
          "metadata": {}, "nbformat": 3}  # fmt: skip
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "explore.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4,
         "nbformat_minor": 5}))  # fmt: skip
    (folder / "old.ipynb").write_text(json.dumps(v3))
    code_, candidate, stderr = scan(store, folder)
    assert code_ == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {
        "explore.ipynb!/cell-1.py", "explore.ipynb!/cell-2.py", "explore.ipynb!/cell-3.js",
        "explore.ipynb!/cell-4-output-1.py", "explore.ipynb!/cell-5-output-1.py",
        "explore.ipynb!/cell-6.py", "explore.ipynb!/cell-7.py", "old.ipynb!/cell-1-output-1.py",
        "explore.ipynb!/cell-9-output-1.js",  # an output's script, read once, as JavaScript
    }  # fmt: skip
    assert not candidate["complete"] and "cell-8.py: not read: a raw cell whose source is not " \
        "text" in stderr  # fmt: skip


def test_code_a_notebook_keeps_in_json_data_is_read(store, tmp_path):
    """JSON-valued outputs (``application/json``, any ``+json``) and the widgets' saved state
    (``metadata.widgets``) are no text, and were passed over: a leak printed as a JSON string
    came out clear. Their strings, and lists of strings joined as a notebook keeps lines, are
    read when they look like code, in the language they look like; a widget's view (its model
    id) or a plot's numbers are no code and give no line: the notebook is complete."""
    text = JOURNAL.decode()

    def shows(data: dict) -> dict:
        return {"cell_type": "code", "metadata": {}, "source": "show()", "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": data}]}  # fmt: skip

    state = {
        "application/vnd.jupyter.widget-state+json": {
            "version_major": 2,
            "state": {
                "a1": {"model_name": "TextareaModel", "state": {"value": CLIENT, "rows": 30}}
            },
        }
    }
    cells = [
        shows({"application/json": {"module": "journal", "source": text}}),
        shows({"application/vnd.acme.report+json; charset=utf-8": {
            "files": [{"lines": text.splitlines(keepends=True)}]}}),
        shows({"application/vnd.jupyter.widget-view+json": {"model_id": "a1",
               "version_major": 2, "version_minor": 0}, "text/plain": "Textarea()"}),
        shows({"application/vnd.plotly.v1+json": {"data": [{"x": [1, 2, 3], "y": [4, 1, 2],
               "type": "scatter", "name": "totals\nby\nday"}]}}),
    ]  # fmt: skip
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "report.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {"kernelspec": {"language": "python"}, "widgets": state},
         "nbformat": 4, "nbformat_minor": 5}))  # fmt: skip
    got, candidate, stderr = scan(store, folder)
    assert got == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"report.ipynb!/cell-1-output-1.py",
                                   "report.ipynb!/cell-2-output-1.py",
                                   "report.ipynb!/widgets.ts"}  # fmt: skip
    assert candidate["complete"] is True, candidate["unread"]


def test_typescript_shipped_under_a_js_name_is_read_as_typescript(store, tmp_path):
    """A build that only renames (``.ts`` to ``.js``, types left in) ships TypeScript the
    JavaScript grammar reads as errors at every type: read as TypeScript (TSX for a component),
    its copy is found as the ``.ts`` original is, never a ``review`` of what JavaScript read."""
    component = (PRIVATE / "web/src/components/InvoiceTable.tsx").read_text()
    site = tmp_path / "dist"
    site.mkdir()
    (site / "ledgerClient.js").write_text(CLIENT)
    (site / "InvoiceTable.js").write_text(component)
    code, candidate, stderr = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative", stderr
    assert evidence(candidate) == {"ledgerClient.js", "InvoiceTable.js"}
    original = tmp_path / "original"
    original.mkdir()
    (original / "ledgerClient.ts").write_text(CLIENT)
    _, as_ts, _ = scan(store, original)
    [renamed] = [f for f in candidate["files"] if f["candidate_path"] == "ledgerClient.js"]
    assert renamed["matched_tokens"] == as_ts["files"][0]["matched_tokens"]
    assert "syntax error" not in stderr
