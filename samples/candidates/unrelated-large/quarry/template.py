"""Quarry's template language.

Templates mix literal text with three kinds of markup::

    {{ page.title | upper }}          output an expression (HTML-escaped)
    {% if page.draft %}...{% endif %} control flow and structure
    {# a comment #}                   ignored entirely

Supported tags: ``if``/``elif``/``else``, ``for ... in ...`` (with ``else``
and a ``loop`` helper), ``set``, ``include``, ``extends`` and ``block``.

Expressions are parsed by a small precedence-climbing parser into tuples and
evaluated against a chain of scopes. Only attribute/item access, literals,
arithmetic, comparisons, boolean logic, filters and calls of callables that
were explicitly placed in the context are available; there is no way to reach
Python builtins from a template.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = ["Environment", "Markup", "Template", "TemplateError", "TemplateSyntaxError"]


class TemplateError(Exception):
    """Raised when a template fails while rendering."""

    def __init__(self, message: str, name: str | None = None, line: int | None = None):
        where = ""
        if name:
            where = f"{name}:{line}: " if line else f"{name}: "
        super().__init__(where + message)
        self.template_name = name
        self.line = line


class TemplateSyntaxError(TemplateError):
    """Raised when a template cannot be parsed."""


class Markup(str):
    """A string that is already safe HTML and must not be escaped again."""

    def __html__(self) -> str:
        return str(self)


def escape(value: Any) -> Markup:
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    if value is None:
        return Markup("")
    return Markup(html.escape(str(value), quote=True))


class Undefined:
    """Placeholder for missing names. Falsy, empty and iterable so that
    ``{% if page.missing %}`` and ``{% for x in missing %}`` just work; any
    attempt to *print* it in strict mode raises."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __str__(self) -> str:
        return ""

    def __getattr__(self, attr: str) -> "Undefined":
        if attr.startswith("__"):
            # Protocol lookups (__html__, __iter__ probes...) must fail normally.
            raise AttributeError(attr)
        return Undefined(f"{self.name}.{attr}")

    def __getitem__(self, key: Any) -> "Undefined":
        return Undefined(f"{self.name}[{key!r}]")

    def __repr__(self) -> str:
        return f"Undefined({self.name!r})"


# ---------------------------------------------------------------------------
# Expression lexer and parser
# ---------------------------------------------------------------------------

_TOKEN_SPEC = [
    ("ws", r"\s+"),
    ("number", r"\d+\.\d+|\d+"),
    ("string", r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""),
    ("op", r"==|!=|<=|>=|//|[-+*/%<>()\[\].,|:~=]"),
    ("name", r"[A-Za-z_][A-Za-z0-9_]*"),
]
_TOKEN_RE = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TOKEN_SPEC))
_KEYWORDS = {"and", "or", "not", "in", "is", "true", "false", "none", "if", "else"}

# Binary operator precedence; higher binds tighter.
_BINARY = {
    "or": 1,
    "and": 2,
    "in": 4, "not in": 4, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "~": 5,
    "+": 6, "-": 6,
    "*": 7, "/": 7, "//": 7, "%": 7,
}


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str


def _tokenize_expr(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if not match:
            raise TemplateSyntaxError(f"unexpected character {source[pos]!r} in expression")
        kind = match.lastgroup
        value = match.group()
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append(_Tok(kind, value))
    tokens.append(_Tok("eof", ""))
    return tokens


class ExprParser:
    """Precedence-climbing parser producing nested tuples such as
    ``("getattr", ("name", "page"), "title")``."""

    def __init__(self, source: str):
        self.source = source
        self.tokens = _tokenize_expr(source)
        self.index = 0

    @property
    def current(self) -> _Tok:
        return self.tokens[self.index]

    def _advance(self) -> _Tok:
        tok = self.tokens[self.index]
        self.index += 1
        return tok

    def _accept(self, value: str) -> bool:
        if self.current.value == value and self.current.kind in ("op", "kw"):
            self.index += 1
            return True
        return False

    def _expect(self, value: str) -> None:
        if not self._accept(value):
            found = self.current.value or "end of expression"
            raise TemplateSyntaxError(f"expected {value!r} but found {found!r} in {self.source!r}")

    def parse(self) -> tuple:
        node = self.parse_expression()
        if self.current.kind != "eof":
            raise TemplateSyntaxError(f"unexpected {self.current.value!r} in {self.source!r}")
        return node

    def parse_expression(self) -> tuple:
        node = self._binary(0)
        # Conditional expression: ``a if cond else b``
        if self.current.kind == "kw" and self.current.value == "if":
            self._advance()
            condition = self._binary(0)
            otherwise: tuple = ("const", None)
            if self._accept("else"):
                otherwise = self.parse_expression()
            node = ("cond", condition, node, otherwise)
        return node

    def _peek_binary(self) -> str | None:
        tok = self.current
        if tok.kind == "op" and tok.value in _BINARY:
            return tok.value
        if tok.kind == "kw":
            if tok.value == "not" and self.tokens[self.index + 1].value == "in":
                return "not in"
            if tok.value in ("and", "or", "in"):
                return tok.value
        return None

    def _binary(self, min_prec: int) -> tuple:
        left = self._unary()
        while True:
            op = self._peek_binary()
            if op is None or _BINARY[op] <= min_prec:
                break
            prec = _BINARY[op]
            self.index += 2 if op == "not in" else 1
            right = self._binary(prec)
            left = ("binop", op, left, right)
        return left

    def _unary(self) -> tuple:
        if self._accept("not"):
            return ("not", self._binary(_BINARY["and"]))
        if self._accept("-"):
            return ("neg", self._unary())
        return self._filters(self._postfix(self._primary()))

    def _primary(self) -> tuple:
        tok = self._advance()
        if tok.kind == "number":
            return ("const", float(tok.value) if "." in tok.value else int(tok.value))
        if tok.kind == "string":
            return ("const", bytes(tok.value[1:-1], "utf-8").decode("unicode_escape"))
        if tok.kind == "kw" and tok.value in ("true", "false", "none"):
            return ("const", {"true": True, "false": False, "none": None}[tok.value])
        if tok.kind == "name":
            return ("name", tok.value)
        if tok.value == "(":
            node = self.parse_expression()
            self._expect(")")
            return node
        if tok.value == "[":
            items = self._sequence("]")
            return ("list", items)
        raise TemplateSyntaxError(f"unexpected {tok.value or 'end'!r} in {self.source!r}")

    def _sequence(self, closing: str) -> list[tuple]:
        items: list[tuple] = []
        while not self._accept(closing):
            items.append(self.parse_expression())
            if not self._accept(","):
                self._expect(closing)
                break
        return items

    def _postfix(self, node: tuple) -> tuple:
        while True:
            if self._accept("."):
                name = self._advance()
                if name.kind not in ("name", "number"):
                    raise TemplateSyntaxError(f"bad attribute name after '.' in {self.source!r}")
                node = ("getattr", node, name.value)
            elif self._accept("["):
                key = self.parse_expression()
                self._expect("]")
                node = ("getitem", node, key)
            elif self._accept("("):
                node = ("call", node, self._sequence(")"))
            else:
                return node

    def _filters(self, node: tuple) -> tuple:
        while self._accept("|"):
            name = self._advance()
            if name.kind != "name":
                raise TemplateSyntaxError(f"expected filter name in {self.source!r}")
            args: list[tuple] = []
            if self._accept("("):
                args = self._sequence(")")
            node = ("filter", name.value, node, args)
        return node


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


class Context:
    """A stack of variable scopes."""

    def __init__(self, env: "Environment", variables: dict[str, Any]):
        self.env = env
        self.scopes: list[dict[str, Any]] = [dict(env.globals), dict(variables)]
        self.blocks: dict[str, list["_Node"]] = {}

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return Undefined(name)

    def push(self, scope: dict[str, Any] | None = None) -> None:
        self.scopes.append(scope or {})

    def pop(self) -> None:
        self.scopes.pop()

    def set(self, name: str, value: Any) -> None:
        self.scopes[-1][name] = value


def _get_attr(obj: Any, name: str) -> Any:
    if isinstance(obj, Undefined):
        return getattr(obj, name)
    if name.startswith("_"):
        return Undefined(name)
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        return Undefined(name)
    if isinstance(obj, (list, tuple)) and name.isdigit():
        index = int(name)
        return obj[index] if index < len(obj) else Undefined(name)
    try:
        return getattr(obj, name)
    except AttributeError:
        return Undefined(name)


def _get_item(obj: Any, key: Any) -> Any:
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError):
        if isinstance(key, str):
            return _get_attr(obj, key)
        return Undefined(repr(key))


def _binop(op: str, left: Any, right: Any) -> Any:
    if op == "~":
        return f"{left}{right}"
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    table: dict[str, Callable[[Any, Any], Any]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "//": lambda a, b: a // b,
        "%": lambda a, b: a % b,
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return table[op](left, right)


def evaluate(node: tuple, ctx: Context) -> Any:
    kind = node[0]
    if kind == "const":
        return node[1]
    if kind == "name":
        return ctx.lookup(node[1])
    if kind == "getattr":
        return _get_attr(evaluate(node[1], ctx), node[2])
    if kind == "getitem":
        return _get_item(evaluate(node[1], ctx), evaluate(node[2], ctx))
    if kind == "list":
        return [evaluate(item, ctx) for item in node[1]]
    if kind == "not":
        return not evaluate(node[1], ctx)
    if kind == "neg":
        return -evaluate(node[1], ctx)
    if kind == "cond":
        branch = node[2] if evaluate(node[1], ctx) else node[3]
        return evaluate(branch, ctx)
    if kind == "binop":
        op = node[1]
        if op == "and":
            left = evaluate(node[2], ctx)
            return evaluate(node[3], ctx) if left else left
        if op == "or":
            left = evaluate(node[2], ctx)
            return left if left else evaluate(node[3], ctx)
        try:
            return _binop(op, evaluate(node[2], ctx), evaluate(node[3], ctx))
        except TypeError as exc:
            raise TemplateError(f"cannot apply {op!r}: {exc}") from None
    if kind == "filter":
        _, name, target, args = node
        func = ctx.env.filters.get(name)
        if func is None:
            raise TemplateError(f"unknown filter {name!r}")
        return func(evaluate(target, ctx), *(evaluate(a, ctx) for a in args))
    if kind == "call":
        func = evaluate(node[1], ctx)
        if not callable(func) or isinstance(func, Undefined):
            raise TemplateError(f"{func!r} is not callable")
        return func(*(evaluate(a, ctx) for a in node[2]))
    raise TemplateError(f"unknown expression node {kind!r}")


# ---------------------------------------------------------------------------
# Template nodes
# ---------------------------------------------------------------------------


class _Node:
    line = 0

    def render(self, ctx: Context, out: list[str]) -> None:
        raise NotImplementedError


class _Text(_Node):
    def __init__(self, text: str):
        self.text = text

    def render(self, ctx, out):
        out.append(self.text)


class _Output(_Node):
    def __init__(self, expr: tuple, line: int):
        self.expr = expr
        self.line = line

    def render(self, ctx, out):
        value = evaluate(self.expr, ctx)
        if isinstance(value, Undefined) and ctx.env.strict:
            raise TemplateError(f"{value.name!r} is undefined")
        out.append(escape(value) if ctx.env.autoescape else str(value))


class _If(_Node):
    def __init__(self, branches: list[tuple[tuple | None, list[_Node]]]):
        self.branches = branches

    def render(self, ctx, out):
        for condition, body in self.branches:
            if condition is None or evaluate(condition, ctx):
                _render_nodes(body, ctx, out)
                return


class _LoopInfo:
    """Exposed to templates as ``loop`` inside ``for`` bodies."""

    def __init__(self, length: int):
        self.length = length
        self.index0 = 0

    @property
    def index(self) -> int:
        return self.index0 + 1

    @property
    def first(self) -> bool:
        return self.index0 == 0

    @property
    def last(self) -> bool:
        return self.index0 == self.length - 1

    def cycle(self, *values: Any) -> Any:
        return values[self.index0 % len(values)] if values else None


class _For(_Node):
    def __init__(self, targets: list[str], iterable: tuple, body, else_body, line):
        self.targets = targets
        self.iterable = iterable
        self.body = body
        self.else_body = else_body
        self.line = line

    def render(self, ctx, out):
        items = evaluate(self.iterable, ctx)
        if isinstance(items, dict):
            items = items.items()
        items = list(items)
        if not items:
            _render_nodes(self.else_body, ctx, out)
            return
        loop = _LoopInfo(len(items))
        ctx.push({"loop": loop})
        try:
            for index, item in enumerate(items):
                loop.index0 = index
                if len(self.targets) == 1:
                    ctx.set(self.targets[0], item)
                else:
                    try:
                        values = tuple(item)
                    except TypeError:
                        raise TemplateError(f"cannot unpack {item!r}", line=self.line) from None
                    if len(values) != len(self.targets):
                        raise TemplateError(
                            f"expected {len(self.targets)} values to unpack, got {len(values)}",
                            line=self.line,
                        )
                    for name, value in zip(self.targets, values):
                        ctx.set(name, value)
                _render_nodes(self.body, ctx, out)
        finally:
            ctx.pop()


class _Set(_Node):
    def __init__(self, name: str, expr: tuple):
        self.name = name
        self.expr = expr

    def render(self, ctx, out):
        ctx.set(self.name, evaluate(self.expr, ctx))


class _Include(_Node):
    def __init__(self, expr: tuple, line: int):
        self.expr = expr
        self.line = line

    def render(self, ctx, out):
        name = evaluate(self.expr, ctx)
        template = ctx.env.get_template(str(name))
        _render_nodes(template.nodes, ctx, out)


class _Block(_Node):
    def __init__(self, name: str, body: list[_Node]):
        self.name = name
        self.body = body

    def render(self, ctx, out):
        # The most-derived template's definition wins.
        _render_nodes(ctx.blocks.get(self.name, self.body), ctx, out)


def _render_nodes(nodes: Iterable[_Node], ctx: Context, out: list[str]) -> None:
    for node in nodes:
        node.render(ctx, out)


# ---------------------------------------------------------------------------
# Template parser
# ---------------------------------------------------------------------------

_MARKUP_RE = re.compile(r"({{-?.*?-?}}|{%-?.*?-?%}|{#.*?#})", re.S)


class _TemplateParser:
    def __init__(self, source: str, name: str):
        self.name = name
        self.pieces = self._split(source)
        self.pos = 0
        self.parent: tuple | None = None
        self.blocks: dict[str, list[_Node]] = {}

    @staticmethod
    def _split(source: str) -> list[tuple[str, str, int]]:
        """Split into (kind, content, line) triples, honouring ``-`` trim markers."""
        pieces: list[tuple[str, str, int]] = []
        line = 1
        trim_next = False
        for chunk in _MARKUP_RE.split(source):
            if not chunk:
                continue
            start_line = line
            line += chunk.count("\n")
            if chunk.startswith("{#"):
                continue
            if chunk.startswith(("{{", "{%")):
                kind = "var" if chunk.startswith("{{") else "tag"
                inner = chunk[2:-2]
                if inner.startswith("-") and pieces and pieces[-1][0] == "text":
                    prev = pieces[-1]
                    pieces[-1] = ("text", prev[1].rstrip(), prev[2])
                trim_next = inner.endswith("-")
                pieces.append((kind, inner.strip("-").strip(), start_line))
            else:
                if trim_next:
                    chunk = chunk.lstrip()
                    trim_next = False
                pieces.append(("text", chunk, start_line))
        return pieces

    def error(self, message: str, line: int) -> TemplateSyntaxError:
        return TemplateSyntaxError(message, self.name, line)

    def _expr(self, source: str, line: int) -> tuple:
        try:
            return ExprParser(source).parse()
        except TemplateSyntaxError as exc:
            raise self.error(str(exc), line) from None

    def parse(self, end_tags: tuple[str, ...] = ()) -> tuple[list[_Node], str | None]:
        nodes: list[_Node] = []
        while self.pos < len(self.pieces):
            kind, content, line = self.pieces[self.pos]
            self.pos += 1
            if kind == "text":
                nodes.append(_Text(content))
            elif kind == "var":
                nodes.append(_Output(self._expr(content, line), line))
            else:
                keyword = content.split(None, 1)[0] if content else ""
                if keyword in end_tags:
                    return nodes, content
                nodes.append(self._tag(keyword, content[len(keyword):].strip(), line))
        if end_tags:
            raise self.error(f"missing {' or '.join(end_tags)}", self.pieces[-1][2] if self.pieces else 1)
        return nodes, None

    def _tag(self, keyword: str, rest: str, line: int) -> _Node:
        if keyword == "if":
            return self._if(rest, line)
        if keyword == "for":
            return self._for(rest, line)
        if keyword == "set":
            name, sep, expr = rest.partition("=")
            if not sep or not name.strip().isidentifier():
                raise self.error("expected '{% set name = expr %}'", line)
            return _Set(name.strip(), self._expr(expr, line))
        if keyword == "include":
            return _Include(self._expr(rest, line), line)
        if keyword == "extends":
            if self.parent is not None:
                raise self.error("a template can only extend one parent", line)
            self.parent = self._expr(rest, line)
            return _Text("")
        if keyword == "block":
            name = rest.strip()
            if not name.isidentifier():
                raise self.error(f"invalid block name {name!r}", line)
            body, _ = self.parse(("endblock",))
            if name in self.blocks:
                raise self.error(f"block {name!r} defined twice", line)
            self.blocks[name] = body
            return _Block(name, body)
        raise self.error(f"unknown tag {keyword!r}", line)

    def _if(self, condition: str, line: int) -> _If:
        branches: list[tuple[tuple | None, list[_Node]]] = []
        current = self._expr(condition, line)
        while True:
            body, end = self.parse(("elif", "else", "endif"))
            branches.append((current, body))
            if end.startswith("elif"):
                current = self._expr(end[4:], line)
            elif end == "else":
                body, _ = self.parse(("endif",))
                branches.append((None, body))
                return _If(branches)
            else:
                return _If(branches)

    def _for(self, header: str, line: int) -> _For:
        match = re.match(r"^([\w\s,]+?)\s+in\s+(.+)$", header)
        if not match:
            raise self.error("expected '{% for name in expr %}'", line)
        targets = [t.strip() for t in match.group(1).split(",")]
        if not all(t.isidentifier() for t in targets):
            raise self.error(f"invalid loop variable in {header!r}", line)
        iterable = self._expr(match.group(2), line)
        body, end = self.parse(("else", "endfor"))
        else_body: list[_Node] = []
        if end == "else":
            else_body, _ = self.parse(("endfor",))
        return _For(targets, iterable, body, else_body, line)


class Template:
    def __init__(self, source: str, env: "Environment", name: str = "<string>"):
        parser = _TemplateParser(source, name)
        self.nodes, _ = parser.parse()
        self.parent = parser.parent
        self.blocks = parser.blocks
        self.name = name
        self.env = env

    def render(self, **variables: Any) -> str:
        ctx = Context(self.env, variables)
        return self.render_context(ctx)

    def render_context(self, ctx: Context) -> str:
        template = self
        seen = {self.name}
        # Walk up the inheritance chain, letting children's blocks win.
        while True:
            for name, body in template.blocks.items():
                ctx.blocks.setdefault(name, body)
            if template.parent is None:
                break
            parent_name = str(evaluate(template.parent, ctx))
            if parent_name in seen:
                raise TemplateError(f"circular extends via {parent_name!r}", self.name)
            seen.add(parent_name)
            template = self.env.get_template(parent_name)
        out: list[str] = []
        try:
            _render_nodes(template.nodes, ctx, out)
        except TemplateError:
            raise
        except Exception as exc:  # surface the template name for user errors
            raise TemplateError(f"{type(exc).__name__}: {exc}", template.name) from exc
        return "".join(out)


# ---------------------------------------------------------------------------
# Environment and default filters
# ---------------------------------------------------------------------------


def _filter_default(value: Any, fallback: Any = "") -> Any:
    return fallback if isinstance(value, Undefined) or value is None else value


def _filter_truncate(value: Any, length: int = 80, suffix: str = "…") -> str:
    text = str(value)
    if len(text) <= length:
        return text
    cut = text[: length - len(suffix)].rsplit(" ", 1)[0]
    return cut + suffix


def _filter_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt) if hasattr(value, "strftime") else str(value)


def _filter_join(value: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(str(v) for v in value)


def _filter_sort(value: Iterable[Any], attribute: str | None = None, reverse: bool = False):
    if attribute is None:
        return sorted(value, reverse=reverse)
    return sorted(value, key=lambda item: _get_attr(item, attribute) or "", reverse=reverse)


DEFAULT_FILTERS: dict[str, Callable[..., Any]] = {
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(),
    "trim": lambda v: str(v).strip(),
    "length": lambda v: len(v),
    "first": lambda v: next(iter(v), None),
    "last": lambda v: list(v)[-1] if v else None,
    "reverse": lambda v: list(reversed(list(v))),
    "safe": lambda v: Markup(str(v)),
    "escape": escape,
    "default": _filter_default,
    "truncate": _filter_truncate,
    "date": _filter_date,
    "join": _filter_join,
    "sort": _filter_sort,
    "limit": lambda v, n: list(v)[: int(n)],
    "striptags": lambda v: re.sub(r"<[^>]+>", "", str(v)),
}


class Environment:
    """Loads templates from a directory and caches the parsed result."""

    def __init__(self, search_path: str | Path | None = None, *, autoescape: bool = True,
                 strict: bool = False):
        self.search_path = Path(search_path) if search_path else None
        self.autoescape = autoescape
        self.strict = strict
        self.filters: dict[str, Callable[..., Any]] = dict(DEFAULT_FILTERS)
        self.globals: dict[str, Any] = {"range": range}
        self._cache: dict[str, tuple[float, Template]] = {}
        self._sources: dict[str, str] = {}

    def add_source(self, name: str, source: str) -> None:
        """Register an in-memory template (used by themes and tests)."""
        self._sources[name] = source
        self._cache.pop(name, None)

    def template_path(self, name: str) -> Path | None:
        if self.search_path is None:
            return None
        path = (self.search_path / name).resolve()
        root = self.search_path.resolve()
        if root not in path.parents and path != root:
            raise TemplateError(f"template {name!r} escapes the template directory")
        return path

    def get_template(self, name: str) -> Template:
        if name in self._sources:
            cached = self._cache.get(name)
            if cached is None:
                cached = (0.0, Template(self._sources[name], self, name))
                self._cache[name] = cached
            return cached[1]
        path = self.template_path(name)
        if path is None or not path.is_file():
            raise TemplateError(f"template {name!r} not found")
        mtime = path.stat().st_mtime
        cached = self._cache.get(name)
        if cached and cached[0] == mtime:
            return cached[1]
        template = Template(path.read_text(encoding="utf-8"), self, name)
        self._cache[name] = (mtime, template)
        return template

    def from_string(self, source: str) -> Template:
        return Template(source, self)
