"""An AI-style rewrite of a Python module, done in code with ``ast`` (never by hand).

What an assistant asked to "make this look different" does, and what the structural signal must
survive: every private name (helpers, locals, parameters of private functions, ``_attributes``)
renamed to a plausible new one, the public API kept (so callers still work), ``if``/``else``
branches swapped under a negated condition, ``for i in range(...)`` turned into a ``while``
loop, accumulation loops turned into list comprehensions, functions and methods reordered,
docstrings and comments dropped and the whole file reformatted (``ast.unparse``).
"""

from __future__ import annotations

import ast
import builtins
import hashlib

_WORDS = ("item", "value", "entry", "chunk", "token", "piece", "node", "part", "record", "unit",
          "slot", "field", "segment", "element", "block", "frame")  # fmt: skip
_KEEP = {"self", "cls", "_"} | set(dir(builtins))


def _new_name(old: str) -> str:
    digest = hashlib.sha256(old.encode()).digest()
    prefix = "_" if old.startswith("_") else ""
    return f"{prefix}{_WORDS[digest[0] % len(_WORDS)]}_{_WORDS[digest[1] % len(_WORDS)]}{digest[2]}"


def _public_api(tree: ast.Module) -> set[str]:
    """Names a caller may use: ``__all__``, public functions, classes and methods, and the
    parameters of public functions and methods (keywords)."""
    keep: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            keep |= {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant)}
        public = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            not node.name.startswith("_") or node.name.endswith("__"))  # fmt: skip
        if public:
            keep.add(node.name)  # type: ignore[union-attr]
            if not isinstance(node, ast.ClassDef):
                args = node.args  # type: ignore[union-attr]
                keep |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        if isinstance(node, ast.ClassDef):  # class attributes are read as self.name
            keep |= {t.id for stmt in node.body if isinstance(stmt, ast.Assign)
                     for t in stmt.targets if isinstance(t, ast.Name)}  # fmt: skip
        if isinstance(node, ast.Import | ast.ImportFrom):
            keep |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return keep


class _Renamer(ast.NodeTransformer):
    def __init__(self, keep: set[str]) -> None:
        self.keep = keep | _KEEP

    def _name(self, name: str) -> str:
        if name in self.keep or (name.startswith("__") and name.endswith("__")):
            return name
        return _new_name(name)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._name(node.name)
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self._name(node.name)
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if node.attr.startswith("_") and not node.attr.startswith("__"):
            node.attr = self._name(node.attr)
        self.generic_visit(node)
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        if node.arg is not None:
            node.arg = self._name(node.arg)
        self.generic_visit(node)
        return node


class _ControlFlow(ast.NodeTransformer):
    """Swapped branches, ``for range`` as ``while``, accumulation loops as comprehensions."""

    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        elif_chain = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
        if node.orelse and not elif_chain:
            test = ast.UnaryOp(ast.Not(), node.test)
            return ast.If(test=test, body=node.orelse, orelse=node.body)
        return node

    def visit_For(self, node: ast.For) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        it = node.iter
        simple = (isinstance(node.target, ast.Name) and not node.orelse
                  and not any(isinstance(n, ast.Continue) for n in ast.walk(node)))  # fmt: skip
        ranged = (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                  and it.func.id == "range" and 1 <= len(it.args) <= 2)  # fmt: skip
        if simple and ranged and not it.keywords:  # type: ignore[attr-defined]
            name = node.target.id  # type: ignore[attr-defined]
            start = it.args[0] if len(it.args) == 2 else ast.Constant(0)
            stop = it.args[-1]
            step = ast.AugAssign(ast.Name(name, ast.Store()), ast.Add(), ast.Constant(1))
            test = ast.Compare(ast.Name(name, ast.Load()), [ast.Lt()], [stop])
            return [ast.Assign([ast.Name(name, ast.Store())], start),
                    ast.While(test=test, body=[*node.body, step], orelse=[])]  # fmt: skip
        return node


def _comprehensions(body: list[ast.stmt]) -> list[ast.stmt]:
    """``x = []`` then ``for t in it: x.append(e)`` (optionally under one ``if``) becomes
    ``x = [e for t in it (if c)]``."""
    out: list[ast.stmt] = []
    for stmt in body:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _comprehensions(getattr(stmt, field)))
        previous = out[-1] if out else None
        if (isinstance(stmt, ast.For) and not stmt.orelse and len(stmt.body) == 1
                and isinstance(previous, ast.Assign) and len(previous.targets) == 1
                and isinstance(previous.targets[0], ast.Name)
                and isinstance(previous.value, ast.List) and not previous.value.elts):  # fmt: skip
            target = previous.targets[0].id
            inner, conditions = stmt.body[0], []
            if isinstance(inner, ast.If) and not inner.orelse and len(inner.body) == 1:
                conditions, inner = [inner.test], inner.body[0]
            call = inner.value if isinstance(inner, ast.Expr) else None
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "append" and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == target and len(call.args) == 1):  # fmt: skip
                generator = ast.comprehension(stmt.target, stmt.iter, conditions, 0)
                previous.value = ast.ListComp(call.args[0], [generator])
                continue
        out.append(stmt)
    return out


def _reorder(body: list[ast.stmt]) -> list[ast.stmt]:
    """Functions moved around (each to another function's place), docstrings dropped."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            stmt.body = _reorder(stmt.body)
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):  # fmt: skip
        body = body[1:] or [ast.Pass()]
    for stmt in body:
        first = stmt.body[0] if isinstance(stmt, ast.FunctionDef) else None
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):  # fmt: skip
            stmt.body = stmt.body[1:] or [ast.Pass()]  # type: ignore[union-attr]
    places = [i for i, s in enumerate(body) if isinstance(s, ast.FunctionDef)]
    functions = sorted((body[i] for i in places),
                       key=lambda f: hashlib.sha256(f.name.encode()).hexdigest())  # type: ignore[attr-defined]  # fmt: skip
    out = list(body)
    for i, function in zip(places, functions, strict=True):
        out[i] = function
    return out


def rewrite(source: str) -> str:
    """``source`` rewritten as an AI assistant would (see the module docstring)."""
    tree = ast.parse(source)
    keep = _public_api(tree)
    tree = _ControlFlow().visit(tree)
    tree.body = _comprehensions(tree.body)
    tree = _Renamer(keep).visit(tree)
    tree.body = _reorder(tree.body)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"
