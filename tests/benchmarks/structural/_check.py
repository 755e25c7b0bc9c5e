"""Helpers for the checkers of the structural benchmark's cases (``*/*/check.py``).

A checker loads the original module and the written one from its case folder and compares them
on generated inputs (``same``), or runs the original's own tests against the written one. It
exits non-zero, naming the first difference, when they do not behave alike.
"""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

#: Every checker draws its inputs from this seed: a failure is repeatable.
SEED = 20261201


def rng() -> random.Random:
    return random.Random(SEED)


def load(path: Path, name: str, package: bool = False) -> ModuleType:
    """Import the file at ``path`` as a module named ``name`` (registered in sys.modules, so
    dataclasses and relative look-ups work); with ``package``, an ``__init__.py`` whose folder
    holds its submodules (for relative imports)."""
    search = [str(path.parent)] if package else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def outcome(call: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """What ``call(*args)`` did: its result, or the type of exception it raised."""
    try:
        return ("returned", call(*args))
    except Exception as error:  # the behaviour compared includes the exception raised
        return ("raised", type(error).__name__)


def same(
    label: str,
    original: Callable[..., Any],
    written: Callable[..., Any],
    inputs: Iterable[tuple[Any, ...]],
    *,
    exceptions: bool = True,
) -> int:
    """Call both on every input tuple; fail on the first different result (or, with
    ``exceptions``, a different exception type). Returns the number of inputs compared."""
    count = 0
    for args in inputs:
        count += 1
        a, b = outcome(original, *args), outcome(written, *args)
        if not exceptions and a[0] == b[0] == "raised":
            continue
        if a != b:
            raise SystemExit(f"{label}{args!r}: original {a!r}, written {b!r}")
    print(f"{label}: {count} inputs, same behaviour")
    return count


class Expectations:
    """Documented behaviours, asserted one by one: ``expect(label, holds)``; the first one that
    does not hold ends the checker with its label."""

    def __init__(self) -> None:
        self.count = 0

    def expect(self, label: str, holds: bool) -> None:
        self.count += 1
        if not holds:
            raise SystemExit(f"not as documented: {label}")


def run(cmd: list[str], cwd: Path) -> str:
    """Run a command (a compiler, node, a test runner); fail with its output if it fails."""
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


def python_shape(path: Path) -> dict[str, tuple[int, int, int]]:
    """Each function of a Python file (``Class.method`` for methods): its statements, branches
    (if, try, match, conditional expressions) and loops (for, while, comprehensions); for the
    notes of independent implementations, which must be built differently from the original."""
    import ast

    shape: dict[str, tuple[int, int, int]] = {}

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = list(ast.walk(node))[1:]
                statements = sum(isinstance(n, ast.stmt) for n in inner)
                branch_kinds = (ast.If, ast.Try, ast.Match, ast.IfExp)
                branches = sum(isinstance(n, branch_kinds) for n in inner)
                loops = sum(isinstance(n, (ast.For, ast.While, ast.comprehension)) for n in inner)
                shape[prefix + node.name] = (statements, branches, loops)

    visit(ast.parse(path.read_text(encoding="utf-8")).body, "")
    return shape


def compare_shapes(original: Path, written: Path) -> None:
    """Print how the two files are decomposed: the functions each has, and their shapes."""
    a, b = python_shape(original), python_shape(written)
    print(f"structure: original {len(a)} functions, written {len(b)}")
    for name in sorted(set(a) | set(b)):
        left = "{:>3} stmts {:>2} branches {:>2} loops".format(*a[name]) if name in a else "-"
        right = "{:>3} stmts {:>2} branches {:>2} loops".format(*b[name]) if name in b else "-"
        print(f"  {name:<40} {left:<32} | {right}")
