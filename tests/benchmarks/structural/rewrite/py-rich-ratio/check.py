"""The rewrite of rich's _ratio.py behaves like the original on generated inputs."""

import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import load, rng, same  # noqa: E402

original = load(HERE / "original" / "_ratio.py", "original_ratio")
written = load(HERE / "candidate" / "spacing.py", "written_spacing")


@dataclass
class Edge:
    size: int | None = None
    ratio: int = 1
    minimum_size: int = 1


r = rng()


def edges():
    return [
        Edge(
            r.choice([None, None, 0, r.randint(1, 40)]),
            r.randint(1, 6),
            r.randint(0, 15),
        )
        for _ in range(r.randint(1, 7))
    ]


def lists(n):
    return [r.randint(0, 9) for _ in range(n)]


cases = [(r.randint(-5, 200), edges()) for _ in range(3000)]
same("ratio_resolve", original.ratio_resolve, written.layout_widths, cases)
sizes = [r.randint(1, 8) for _ in range(3000)]
same(
    "ratio_reduce",
    original.ratio_reduce,
    written.shrink_by_weight,
    [(r.randint(0, 60), lists(n), lists(n), lists(n)) for n in sizes],
)
same(
    "ratio_distribute",
    original.ratio_distribute,
    written.split_evenly,
    [(r.randint(0, 90), lists(n), r.choice([None, lists(n)])) for n in sizes],
)
