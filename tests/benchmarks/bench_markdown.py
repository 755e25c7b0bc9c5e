"""What reading Markdown's code blocks costs (``fingerprints.markdown.code_blocks``:
markdown-it-py's CommonMark block rules, fenced and indented blocks). Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_markdown

Real pages: every ``.md``/``.markdown`` file and every Markdown cell of every notebook in the
cached sdists (``tests/benchmarks/corpus.py``: the pinned ones, plus emcee's and xarray's
notebooks), CPU time of the whole set (best of three), blocks found, and the lines and tokens
the parser made a KB (what ``MAX_PARTS`` counts). Hostile pages: each shape that costs most
per byte, its CPU time, then its peak memory (tracemalloc, in a second run: it slows the
parser fourfold), and whether it was read or refused (``MarkdownTooCostly``). Printed with
the machine's load: CPU time on a shared machine still moves with it.
"""

from __future__ import annotations

import json
import os
import resource
import tracemalloc
from pathlib import Path

from fingerprints.markdown import MarkdownTooCostly, _parser, code_blocks
from tests.benchmarks.corpus import PYPI_SDISTS, pypi_sdist

BUDGET = 1 << 30
HOSTILE = {
    "list items (- a, indented b)": "- a\n\n    b\n" * 100_000,
    "reference definitions": "[a]: b\n" * 100_000,
    "lazy quote lines": "> a\nb\n" * 100_000,
    "blank lines": "\n" * 1_000_000,
    "nested lists, 200 deep in turn": "".join("  " * (i % 200) + "- a\n" for i in range(50_000)),
    "indented code": "    x = f(a, b)\n" * 200_000,
    "list items, 4 MB": "- a\n\n    b\n" * 400_000,
}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pages() -> list[str]:
    trees = [pypi_sdist(name, version) for name, version in PYPI_SDISTS.items()]
    trees += [pypi_sdist("emcee", "3.1.6"), pypi_sdist("xarray", "2024.6.0")]
    found: list[str] = []
    for tree in trees:
        for path in sorted(tree.rglob("*")):
            if path.suffix.lower() in (".md", ".markdown"):
                found.append(path.read_text(encoding="utf-8", errors="replace"))
            elif path.suffix == ".ipynb":
                found += notebook_markdown(path)
    return found


def notebook_markdown(path: Path) -> list[str]:
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (ValueError, AttributeError):
        return []
    return ["".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source"))
            for c in cells if isinstance(c, dict) and c.get("cell_type") == "markdown"]  # fmt: skip


def read(text: str) -> str:
    try:
        return f"{sum(1 for _ in code_blocks(text, BUDGET))} blocks"
    except MarkdownTooCostly as exc:
        return f"refused: {exc}"


def main() -> None:
    print(f"load {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    texts = pages()
    size = sum(len(text) for text in texts)
    best, blocks = float("inf"), []
    for _ in range(3):
        start = cpu()
        blocks = [block for text in texts for block in code_blocks(text, BUDGET)]
        best = min(best, cpu() - start)
    parts = sum(len(_parser().parse(text, {"leaktrace_tokens": 1 << 40, "leaktrace_why": ""}))
                + text.count("\n") + 1 for text in texts)  # fmt: skip
    print(f"real pages: {len(texts):,} pages and cells, {size / 1e6:.2f} MB, {len(blocks):,} "
          f"blocks read; {best:.3f} s CPU ({best / size * 1e9:.0f} ns a character); "
          f"{parts / size * 1000:.0f} lines and tokens a KB")  # fmt: skip
    for name, text in HOSTILE.items():
        start = cpu()
        outcome = read(text)
        spent = cpu() - start
        tracemalloc.start()
        read(text)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name}: {len(text) / 1e6:.1f} MB, {spent:.2f} s CPU, peak {peak / 1e6:.0f} MB "
              f"({peak / len(text):.0f} bytes a byte); {outcome}")  # fmt: skip
    print(f"load {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
