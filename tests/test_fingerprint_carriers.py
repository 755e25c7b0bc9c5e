"""The private side reads what the scan reads: the ``<script>`` blocks of a company's Vue and
Svelte components and pages, and the code cells of its notebooks, are fingerprinted, so a public
copy of them is found. Built from real published files (vue-select's ``Select.vue``, emcee's
``line.ipynb`` tutorial; ``tests.real_packages``), fingerprinted and scanned through the CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from fingerprints import embedded_code, open_store
from scanner.cli import app
from tests.benchmarks.bench_accuracy import rename_component, rename_notebook
from tests.benchmarks.corpus import pypi_sdist
from tests.real_packages import npm_tarball
from tests.test_carriers import evidence, scan

runner = CliRunner()


def select_vue() -> Path:
    return npm_tarball("vue-select", "3.20.4")[1] / "src" / "components" / "Select.vue"


def line_notebook() -> Path:
    return pypi_sdist("emcee", "3.1.6") / "emcee-3.1.6" / "docs" / "tutorials" / "line.ipynb"


def fingerprint(tmp_path: Path, files: dict[str, Path | bytes]) -> tuple[Path, str]:
    """A private folder of ``files`` fingerprinted into a new store; the store and stderr."""
    private = tmp_path / "private"
    for name, source in files.items():
        (private / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, private / name)
        else:
            (private / name).write_bytes(source)
    store = tmp_path / "store.db"
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(store), "-v"])
    assert done.exit_code == 0, done.output
    return store, done.stderr


def candidate(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    return folder


def test_a_leaked_vue_component_is_found_on_the_components_own_lines(tmp_path):
    """A component's ``<script>`` is fingerprinted in its language on the file's own lines: a
    copy with every identifier renamed is derivative, and the evidence points into the
    component (its script starts on line 139); an unrelated component is clear."""
    store, _ = fingerprint(tmp_path, {"web/src/components/Select.vue": select_vue()})
    renamed = rename_component(select_vue().read_text(encoding="utf-8"), {})
    copy = candidate(tmp_path, "copy", {"ui/Picker.vue": renamed})
    code, found, stderr = scan(store, copy)
    assert code == 1 and found["verdict"] == "derivative", stderr
    assert evidence(found) == {"ui/Picker.vue!/script.js"}
    [pair] = found["files"]
    assert pair["private_path"] == "web/src/components/Select.vue"
    assert min(start for start, _ in pair["private_lines"]) >= 139
    assert max(end for _, end in pair["private_lines"]) <= 1374

    other = npm_tarball("vue-good-table", "2.21.11")[1] / "src" / "components" / "Table.vue"
    unrelated = candidate(tmp_path, "unrelated", {"Table.vue": other.read_text(encoding="utf-8")})
    code, found, stderr = scan(store, unrelated)
    assert code == 0 and found["verdict"] == "clear", stderr
    assert found["complete"] is True


def test_a_leaked_notebook_is_found_on_the_notebooks_own_lines(tmp_path):
    """A notebook's code cells are fingerprinted in its kernel's language, each line pointing
    at the line of the ``.ipynb`` file that holds it: a copy with its cells renamed and its
    JSON written again is derivative, and each private line range starts on a line of the
    notebook that holds a code cell's source; an unrelated notebook is clear."""
    notebook = line_notebook()
    store, _ = fingerprint(tmp_path, {"notebooks/line.ipynb": notebook})
    copy = candidate(tmp_path, "copy", {
        "fit.ipynb": rename_notebook(notebook.read_text(encoding="utf-8"), {})})  # fmt: skip
    code, found, stderr = scan(store, copy)
    assert code == 1 and found["verdict"] == "derivative", stderr
    assert found["files"] and {pair["private_path"] for pair in found["files"]} == {
        "notebooks/line.ipynb"}  # fmt: skip
    lines = notebook.read_text(encoding="utf-8").split("\n")
    sources = set()  # the notebook's lines that hold a code cell's source
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            sources |= {i + 1 for i, text in enumerate(lines)
                        for piece in cell["source"] if text.strip() == json.dumps(piece) + ","
                        or text.strip() == json.dumps(piece)}  # fmt: skip
    for pair in found["files"]:
        for start, end in pair["private_lines"]:
            assert start in sources and end in sources, (start, end)

    other = pypi_sdist("xarray", "2024.6.0") / "xarray-2024.6.0" / "doc" / "examples"
    unrelated = candidate(tmp_path, "unrelated", {
        "weather.ipynb": (other / "weather-data.ipynb").read_text(encoding="utf-8")})  # fmt: skip
    code, found, stderr = scan(store, unrelated)
    assert code == 0 and found["verdict"] == "clear", stderr


def test_a_carrier_that_is_malformed_is_one_line_and_not_fingerprinted(tmp_path):
    """A notebook that is no JSON, one in a language not read, and a component that is not
    text: one line each naming the file, counted as skipped; the rest is fingerprinted, a page
    without a script is no source, and a second run changes nothing."""
    julia = {"cells": [{"cell_type": "code", "source": "1 + 1"}],
             "metadata": {"kernelspec": {"language": "julia"}}, "nbformat": 4}  # fmt: skip
    files: dict[str, Path | bytes] = {
        "web/Select.vue": select_vue(),
        "web/Broken.vue": b"\x00\x01<script>binary</script>",
        "notes/cut.ipynb": line_notebook().read_bytes()[:5000],
        "notes/julia.ipynb": json.dumps(julia).encode(),
        "site/index.html": b"<html><body><p>no code here</p></body></html>\n",
    }
    store, stderr = fingerprint(tmp_path, files)
    said = " ".join(stderr.split())
    assert "web/Broken.vue: binary file (NUL byte)" in said
    assert "notes/cut.ipynb: not a valid notebook (" in said
    assert "notes/julia.ipynb: notebook cells in a language leaktrace does not read (.julia)" in (
        said)  # fmt: skip
    assert "1 file(s) fingerprinted, 0 unchanged, 0 removed, 3 skipped, 1 not source" in said
    with open_store(store) as opened:
        [stored] = [f for f in opened.known_files(1)]
        before = opened.digest()
    assert stored == "web/Select.vue"
    done = runner.invoke(app, ["fingerprint", str(tmp_path / "private"), "--store", str(store)])
    assert done.exit_code == 0, done.output
    assert "0 file(s) fingerprinted, 1 unchanged" in " ".join(done.stderr.split())
    with open_store(store) as opened:
        assert opened.digest() == before


def test_a_notebooks_lines_point_into_the_notebook_file():
    """Each line of code maps to the notebook's line that holds it, whether a cell's source
    is a list of lines (as Jupyter writes it) or one string."""
    notebook = {"cells": [
        {"cell_type": "markdown", "source": ["# Notes\n"]},
        {"cell_type": "code", "source": ["import os\n", "%time x = 1\n", "def f(a):\n",
                                         "    return a"]},
        {"cell_type": "code", "source": "y = 2\nz = 3\n"}],
        "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4}  # fmt: skip
    text = json.dumps(notebook, indent=1)
    found = embedded_code("notebook", text)
    assert found is not None and found.language == "python" and found.lines is not None
    code = found.code.decode().split("\n")[:-1]
    assert code == ["import os", "#%time x = 1", "def f(a):", "    return a", "y = 2", "z = 3"]
    held = [text.split("\n")[line - 1].strip() for line in found.lines]
    assert held[:4] == ['"import os\\n",', '"%time x = 1\\n",', '"def f(a):\\n",',
                        '"    return a"']  # fmt: skip
    assert held[4] == held[5] == '"source": "y = 2\\nz = 3\\n"'


def test_a_page_of_two_languages_is_read_in_the_one_with_the_most_code():
    """A page's blocks of one language on the page's own lines; a block in another language is
    said, not read as the first (one language a file)."""
    page = ("<html>\n<script>\nlet total = 0\nfor (const x of xs) total += x\n</script>\n"
            "<p/>\n<script type='text/python'>\nprint(1)\n</script>\n")  # fmt: skip
    found = embedded_code("markup", page)
    assert found is not None and found.language == "javascript" and found.lines is None
    code = found.code.decode().split("\n")
    assert code[2:4] == ["let total = 0", "for (const x of xs) total += x"]
    assert found.not_read == ("its python <script> blocks are not read (one language a file: "
                              "javascript is)",)  # fmt: skip
    assert embedded_code("markup", "<template><div/></template>\n") is None


def test_a_public_component_copied_into_the_private_folder_is_learned_from_a_folder(tmp_path):
    """A private app that copied vue-select's ``Select.vue`` into its own folder holds public
    code: ``background`` given the unpacked package as a folder reads its components as
    ``fingerprint`` reads the private ones, so the copy is public code, and a public project
    shipping vue-select is clear; the app's own component, copied, is still derivative."""
    own = candidate(tmp_path, "own", {"App.vue": "<script>\n" + (
        "export default {\n  data() { return { ledger: [], total: 0 } },\n  methods: {\n"
        + "".join(f"    post{i}(entry) {{\n      const amount = entry.amount * {i + 2}\n"
                  f"      if (amount > {i * 10}) {{ this.ledger.push({{ ...entry, amount }}) }}\n"
                  f"      this.total += amount - {i}\n      return this.total\n    }},\n"
                  for i in range(12))
        + "  }\n}\n") + "</script>\n"})  # fmt: skip
    store, _ = fingerprint(tmp_path, {"web/ui/Select.vue": select_vue(),
                                      "web/App.vue": own / "App.vue"})  # fmt: skip
    shipping = candidate(tmp_path, "shipping", {
        "src/Select.vue": select_vue().read_text(encoding="utf-8")})  # fmt: skip
    assert scan(store, shipping)[1]["verdict"] == "derivative"  # the false flag
    package = npm_tarball("vue-select", "3.20.4")[1]
    done = runner.invoke(app, ["background", str(package), "--store", str(store)])
    assert done.exit_code == 0, done.output
    assert "public code in private: web/ui/" in " ".join(done.stdout.split())
    code, found, stderr = scan(store, shipping)
    assert code == 0 and found["verdict"] == "clear", stderr
    assert [c["private_path"] for c in found["public_code"]] == ["web/ui/Select.vue"]
    code, found, stderr = scan(store, own)
    assert code == 1 and found["verdict"] == "derivative", stderr


def test_background_says_which_script_blocks_of_a_page_it_did_not_learn(tmp_path):
    """``background`` reads a folder's page in one language, as ``fingerprint`` does, and says
    the blocks in another language it did not learn, one line naming the page (they were
    dropped without a word: public code not learned is later taken for private)."""
    store, _ = fingerprint(tmp_path, {"web/App.vue": b"<script>\nexport default {}\n</script>\n"})
    public = candidate(tmp_path, "public", {"page.html": (
        "<html>\n<script>\nlet total = 0\nfor (const x of xs) total += x\n</script>\n"
        "<script type='text/python'>\nprint(1)\n</script>\n")})  # fmt: skip
    done = runner.invoke(app, ["background", str(public), "--store", str(store)])
    assert done.exit_code == 0, done.output
    assert ("page.html: its python <script> blocks are not read (one language a file: "
            "javascript is)") in " ".join(done.stderr.split())  # fmt: skip


def venv_module(name: str) -> str:
    """A real module of a package installed beside leaktrace (markdown-it-py's block rules)."""
    import markdown_it

    return (Path(markdown_it.__file__).parent / "rules_block" / name).read_text(encoding="utf-8")


def test_code_only_in_a_private_notebooks_raw_cell_or_output_is_found(tmp_path):
    """A private notebook publishes its raw cells and what its cells print, as a scan reads
    them: code kept only in a raw cell (markdown-it-py's ``blockquote.py``) or printed by
    ``!cat`` (its ``table.py``) is fingerprinted, each line pointing into the notebook, so a
    ``.py`` holding it is derivative (both were clear: the store held only the code cells).
    What looks like no code (a training log) is not claimed: a log alone is clear."""
    log = "".join(f"Epoch {i}/40 - loss: 0.{900 - i * 7} - accuracy: 0.{400 + i * 9}\n"
                  for i in range(1, 41))  # fmt: skip
    raw, printed = venv_module("blockquote.py"), venv_module("table.py")
    cells = [
        {"cell_type": "code", "metadata": {}, "source": "import markdown_it\n", "outputs": []},
        {"cell_type": "raw", "metadata": {}, "source": raw.splitlines(keepends=True)},
        {"cell_type": "code", "metadata": {}, "source": "!cat rules_block/table.py\n",
         "outputs": [{"output_type": "stream", "name": "stdout",
                      "text": printed.splitlines(keepends=True)}]},
        {"cell_type": "code", "metadata": {}, "source": "model.fit(x, y)\n",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": log}]},
    ]  # fmt: skip
    notebook = json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": "python"}},
                           "nbformat": 4, "nbformat_minor": 5}, indent=1)  # fmt: skip
    store, _ = fingerprint(tmp_path, {"notes/parsing.ipynb": notebook.encode()})
    held = notebook.split("\n")
    for name, text in (("quotes.py", raw), ("tables.py", printed)):
        code, found, stderr = scan(store, candidate(tmp_path, name[:-3], {name: text}))
        assert code == 1 and found["verdict"] == "derivative", stderr
        [pair] = found["files"]
        assert pair["private_path"] == "notes/parsing.ipynb"
        pieces = {json.dumps(piece) for piece in text.splitlines(keepends=True)}
        inside = {i + 1 for i, line in enumerate(held) if line.strip().rstrip(",") in pieces}
        for start, end in pair["private_lines"]:
            assert start in inside and end in inside, (name, start, end)
    code, found, stderr = scan(store, candidate(tmp_path, "log", {"train.log.py": log}))
    assert code == 0 and found["verdict"] == "clear", stderr

    with sqlite3.connect(store) as con:  # as a leaktrace that read code cells only left it
        con.execute("UPDATE meta SET value = '3' WHERE key LIKE 'file_policy:%'")
    again = runner.invoke(app, ["fingerprint", str(tmp_path / "private"), "--store", str(store)])
    assert "1 file(s) fingerprinted, 0 unchanged" in " ".join(again.stderr.split())


def test_code_in_a_private_notebooks_markdown_cell_is_found(tmp_path):
    """A private notebook's Markdown cells are read for their code blocks as the scan reads a
    page's (``code_blocks``): an indented block that looks like code (markdown-it-py's
    ``reference.py``) is fingerprinted on the notebook's lines, so a ``.py`` copy is derivative
    (it was clear: neither side read indented blocks, and this side no Markdown cell); a block
    in another language is a line, not read as the notebook's."""
    from tests.test_carriers_misread import indented

    code = venv_module("reference.py")
    cells = [
        {"cell_type": "markdown", "metadata": {},
         "source": ("## How references are parsed\n\n" + indented("    ", code)).splitlines(
             keepends=True)},
        {"cell_type": "markdown", "metadata": {},
         "source": "```js\nconst total = items.reduce((a, b) => a + b, 0)\n```\n"},
        {"cell_type": "code", "metadata": {}, "source": "import markdown_it\n", "outputs": []},
    ]  # fmt: skip
    notebook = json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": "python"}},
                           "nbformat": 4, "nbformat_minor": 5}, indent=1)  # fmt: skip
    store, stderr = fingerprint(tmp_path, {"notes/refs.ipynb": notebook.encode()})
    code_, found, said = scan(store, candidate(tmp_path, "copy", {"refs.py": code}))
    assert code_ == 1 and found["verdict"] == "derivative", said
    assert "notes/refs.ipynb: cell 2: its javascript code block is not read (one language a " \
        "file: python is)" in " ".join(stderr.split())  # fmt: skip
    [pair] = found["files"]
    held = notebook.split("\n")
    inside = {i + 1 for i, line in enumerate(held) if line.strip().startswith('"    ')}
    for start, end in pair["private_lines"]:
        assert start in inside and end in inside, (start, end)


def test_code_a_private_notebook_keeps_in_json_data_is_found(tmp_path):
    """A private notebook's JSON-valued output (a leak printed as a JSON string:
    markdown-it-py's ``lheading.py`` under ``application/json``) is read as the scan reads it
    (``json_texts``), so a ``.py`` copy is derivative; it was clear."""
    code = venv_module("lheading.py")
    cells = [{"cell_type": "code", "metadata": {}, "source": "show(rules)\n", "outputs": [
        {"output_type": "execute_result", "metadata": {}, "execution_count": 1,
         "data": {"application/json": {"rule": "lheading", "source": code}}}]}]  # fmt: skip
    notebook = json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": "python"}},
                           "nbformat": 4, "nbformat_minor": 5}, indent=1)  # fmt: skip
    store, _ = fingerprint(tmp_path, {"notes/rules.ipynb": notebook.encode()})
    code_, found, said = scan(store, candidate(tmp_path, "copy", {"lheading.py": code}))
    assert code_ == 1 and found["verdict"] == "derivative", said
    [pair] = found["files"]
    lines = notebook.split("\n")
    where = next(i + 1 for i, line in enumerate(lines) if json.dumps(code) in line)
    assert {tuple(span) for span in pair["private_lines"]} == {(where, where)}


def test_a_librarys_source_a_private_notebook_displayed_is_not_claimed(tmp_path):
    """``func??`` in a private notebook displays a library's source, its ``File:`` line under
    ``site-packages``: not the company's code, so not fingerprinted (a line says so), and a
    public copy of that library is clear; the notebook's own code is still found. Outputs were
    fingerprinted (raw cells and outputs, earlier on this branch) and this copy was
    derivative."""
    library, own = venv_module("list.py"), venv_module("blockquote.py")
    help_text = ("\x1b[0;31mSignature:\x1b[0m skipOrderedListMarker(state, startLine)\n"
                 "\x1b[0;31mSource:\x1b[0m   \n" + library + "\x1b[0;31mFile:\x1b[0m      "
                 "~/.venv/lib/python3.11/site-packages/markdown_it/rules_block/list.py\n"
                 "\x1b[0;31mType:\x1b[0m      function\n")  # fmt: skip
    cells = [
        {"cell_type": "raw", "metadata": {}, "source": own},
        {"cell_type": "code", "metadata": {}, "source": "skipOrderedListMarker??\n",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"text/plain": help_text}}]},
    ]  # fmt: skip
    notebook = json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": "python"}},
                           "nbformat": 4, "nbformat_minor": 5})  # fmt: skip
    store, stderr = fingerprint(tmp_path, {"notes/lists.ipynb": notebook.encode()})
    code, found, said = scan(store, candidate(tmp_path, "library", {"list.py": library}))
    assert code == 0 and found["verdict"] == "clear", said
    assert "notes/lists.ipynb: cell 2 output 1: the source of a third-party file (~/.venv/lib/" \
        "python3.11/site-packages/markdown_it/rules_block/list.py), not the company's: not " \
        "fingerprinted" in " ".join(stderr.split())  # fmt: skip
    code, found, said = scan(store, candidate(tmp_path, "own", {"quotes.py": own}))
    assert code == 1 and found["verdict"] == "derivative", said
