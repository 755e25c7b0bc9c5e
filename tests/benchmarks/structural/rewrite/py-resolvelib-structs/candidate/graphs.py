"""Small containers used by the dependency solver: a digraph and lazy candidate views."""

from collections.abc import Mapping, Sequence
from itertools import chain, tee

_NOTHING = object()


def as_candidate_view(found):
    """Turn whatever a provider's lookup returned into a re-iterable view."""
    if callable(found):
        return LazyCandidates(found)
    return FixedCandidates(found if isinstance(found, Sequence) else list(found))


class FixedCandidates:
    """A view over candidates already held in a sequence.

    It only forwards to the sequence, but offers the same surface as
    :class:`LazyCandidates` so callers need not care which one they hold.
    """

    def __init__(self, items):
        self._items = items

    def __iter__(self):
        return iter(self._items)

    def __bool__(self):
        return bool(self._items)

    def __repr__(self):
        return f"{type(self).__name__}({self._items})"


class LazyCandidates:
    """A view over candidates produced on demand by a zero-argument factory.

    Each ``iter()`` replays what earlier iterations already pulled, so the view can be
    walked many times although the factory's iterator can be walked only once. It has
    an order but no indexing.
    """

    def __init__(self, factory):
        self._make = factory
        self._source = None

    def __iter__(self):
        if self._source is None:
            self._source = self._make()
        self._source, fresh = tee(self._source)
        return fresh

    def __bool__(self):
        return next(iter(self), _NOTHING) is not _NOTHING

    def __repr__(self):
        return f"{type(self).__name__}({list(self)})"


class ChainedLookup(Mapping):
    """A read-only mapping whose values are iterators: ``extract(base[key])`` followed by
    ``extra[key]``, for keys of either mapping."""

    def __init__(self, base, extract, extra=None):
        self._base = base
        self._extract = extract
        self._extra = extra or {}

    def _extra_only(self):
        return [key for key in self._extra if key not in self._base]

    def __getitem__(self, key):
        if key not in self._base:
            return iter(self._extra[key])
        return chain(self._extract(self._base[key]), self._extra.get(key, ()))

    def __contains__(self, key):
        return key in self._base or key in self._extra

    def __iter__(self):
        return chain(self._base, self._extra_only())

    def __len__(self):
        return len(self._base) + len(self._extra_only())

    def __bool__(self):
        return bool(self._base) or bool(self._extra)

    def __repr__(self):
        return f"ChainedLookup({self._base!r}, {self._extract!r}, {self._extra!r})"


class Digraph:
    """Nodes joined by one-way links."""

    def __init__(self):
        self._nodes = set()
        self._out = {}  # node -> nodes it points to
        self._in = {}  # node -> nodes pointing to it

    def __len__(self):
        return len(self._nodes)

    def __iter__(self):
        return iter(self._nodes)

    def __contains__(self, node):
        return node in self._nodes

    def add_node(self, node):
        """Insert a node that has no links yet."""
        if node in self._nodes:
            raise ValueError("node already present")
        self._nodes.add(node)
        self._out[node], self._in[node] = set(), set()

    def drop_node(self, node):
        """Delete a node together with every link touching it."""
        self._nodes.remove(node)
        for target in self._out.pop(node):
            self._in[target].remove(node)
        for source in self._in.pop(node):
            self._out[source].remove(node)

    def link(self, source, target):
        """Point ``source`` at ``target``; linking twice changes nothing."""
        if target not in self._nodes:
            raise KeyError(target)
        self._out[source].add(target)
        self._in[target].add(source)

    def linked(self, source, target):
        return source in self._in[target] and target in self._out[source]

    def links(self):
        return ((source, target) for source, targets in self._out.items() for target in targets)

    def successors(self, node):
        return iter(self._out[node])

    def predecessors(self, node):
        return iter(self._in[node])

    def clone(self):
        """A shallow copy: new sets, the same node objects."""
        twin = Digraph()
        twin._nodes = set(self._nodes)
        twin._out = {node: set(targets) for node, targets in self._out.items()}
        twin._in = {node: set(sources) for node, sources in self._in.items()}
        return twin
