"""The rewrite of resolvelib's structs.py behaves like the original: random operation sequences
on both graphs, mappings and views, and resolvelib's own tests/test_structs.py (names mapped)."""

import collections.abc
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import load, outcome, rng  # noqa: E402

# structs.py does ``from .compat import collections_abc``: give it a package to sit in.
package = types.ModuleType("original_resolvelib")
package.__path__ = []
compat = types.ModuleType("original_resolvelib.compat")
compat.collections_abc = collections.abc
sys.modules.update({"original_resolvelib": package, "original_resolvelib.compat": compat})
original = load(HERE / "original" / "structs.py", "original_resolvelib.structs")
written = load(HERE / "candidate" / "graphs.py", "written_graphs")

GRAPH = {
    "add": "add_node", "remove": "drop_node", "connect": "link", "connected": "linked",
    "iter_edges": "links", "iter_children": "successors", "iter_parents": "predecessors",
    "copy": "clone",
}  # fmt: skip
r = rng()


def settle(value):
    """Comparable form of a result: iterators drained, sets sorted, graphs listed."""
    if isinstance(value, (original.DirectedGraph, written.Digraph)):
        return ("graph", sorted(value), sorted(e for e in getattr(value, "iter_edges", None)
                or value.links)())  # fmt: skip
    if isinstance(value, collections.abc.Iterator):
        return sorted(value)
    return value


def graph_ops(count):
    a, b = original.DirectedGraph(), written.Digraph()
    nodes = list("abcdefg")
    for step in range(count):
        name = r.choice([*GRAPH, "len", "contains", "iter"])
        args = tuple(r.choice(nodes) for _ in range({"connect": 2, "connected": 2}.get(name, 1)))
        if name in ("iter_edges", "copy"):
            args = ()
        if name == "len":
            got = (outcome(len, a), outcome(len, b))
        elif name == "contains":
            got = (outcome(a.__contains__, *args), outcome(b.__contains__, *args))
        elif name == "iter":
            got = (outcome(sorted, a), outcome(sorted, b))
        else:
            got = (
                outcome(lambda f, *x: settle(f(*x)), getattr(a, name), *args),
                outcome(lambda f, *x: settle(f(*x)), getattr(b, GRAPH[name]), *args),
            )
        if got[0] != got[1]:
            raise SystemExit(f"graph step {step} {name}{args}: original {got[0]}, written {got[1]}")
        if name == "copy" and r.random() < 0.3:  # go on with the copies
            a, b = a.copy(), b.clone()


for _ in range(300):
    graph_ops(60)
print("DirectedGraph: 300 sequences of 60 operations, same behaviour")

for _ in range(2000):
    base = {k: [k * n for n in range(r.randint(0, 3))] for k in r.sample("abcde", r.randint(0, 4))}
    extra = r.choice([None, {k: [k.upper()] for k in r.sample("abcdef", r.randint(0, 3))}])
    m1 = original.IteratorMapping(base, reversed, extra)
    m2 = written.ChainedLookup(base, reversed, extra)
    for probe in (
        lambda m: bool(m),
        len,
        list,
        lambda m: {k: list(m[k]) for k in "abcdefg" if k in m},
        lambda m: [outcome(lambda k: list(m[k]), k) for k in "abcdefg"],
        lambda m: dict(m.items()) and sorted(m.keys()),
    ):
        if outcome(probe, m1) != outcome(probe, m2):
            raise SystemExit(f"IteratorMapping({base}, reversed, {extra}) differs")
print("IteratorMapping: 2000 mappings, same behaviour")


def sources():
    items = [r.randint(0, 9) for _ in range(r.randint(0, 4))]
    return [
        ("factory", lambda: lambda: iter(items)),
        ("list", lambda: list(items)),
        ("tuple", lambda: tuple(items)),
        ("iterator", lambda: iter(items)),
        ("generator", lambda: (x for x in items)),
    ]


for _ in range(1000):
    for kind, make in sources():
        v1, v2 = original.build_iter_view(make()), written.as_candidate_view(make())
        i1, i2 = iter(v1), iter(v2)
        seen1 = [next(i1, None), bool(v1), list(v1), next(i1, None), list(i1), list(v1)]
        seen2 = [next(i2, None), bool(v2), list(v2), next(i2, None), list(i2), list(v2)]
        names = [type(v).__name__ for v in (v1, v2)]
        if seen1 != seen2 or repr(v1).replace(names[0], "") != repr(v2).replace(names[1], ""):
            raise SystemExit(f"build_iter_view({kind}): original {seen1}, written {seen2}")
print("build_iter_view: 5000 views, same behaviour")


# resolvelib 1.0.1 tests/test_structs.py, with the rewrite's names.
def _generate():
    yield 0
    yield 1


graph = written.Digraph()
for node in "abc":
    graph.add_node(node)
graph.link("a", "b")
graph.link("b", "c")
graph.link("a", "c")
assert set(graph) == {"a", "b", "c"}
assert set(graph.links()) == {("a", "b"), ("a", "c"), ("b", "c")}
for source in (_generate, [0, 1], iter([0, 1])):
    iterator = iter(written.as_candidate_view(source))
    assert [next(iterator), next(iterator), next(iterator, "end")] == [0, 1, "end"]
for source in (_generate, [0, 1], iter([0, 1])):
    view = written.as_candidate_view(source)
    iterator_a, iterator_b = iter(view), iter(view)
    next(iterator_a)
    assert next(iterator_b) == 0
    assert next(iterator_a) == 1
print("resolvelib's tests/test_structs.py: 7 tests pass on the rewrite")
