"""Helpers that share out a fixed amount of room between panes.

Each pane may ask for a fixed width, a weight (its share of what is left) and a floor below
which it must never shrink.
"""

import sys
from fractions import Fraction
from math import ceil
from typing import List, Optional, Sequence, cast

if sys.version_info >= (3, 8):
    from typing import Protocol
else:
    from typing_extensions import Protocol  # pragma: no cover


class Pane(Protocol):
    """Anything laid out along one axis (a row or a column of a split view)."""

    size: Optional[int] = None
    ratio: int = 1
    minimum_size: int = 1


def _weights_where(weights: List[int], gates: Sequence[int]) -> List[int]:
    """Keep a weight only where its gate is truthy; other slots get zero."""
    return [weight if gate else 0 for weight, gate in zip(weights, gates)]


def split_evenly(
    amount: int, weights: List[int], floors: Optional[List[int]] = None
) -> List[int]:
    """Share ``amount`` out by ``weights``, never giving a slot less than its floor.

    Each slot is rounded up, so the shares always add up to exactly ``amount``.
    """
    if floors:
        weights = _weights_where(weights, floors)
    weight_left = sum(weights)
    assert weight_left > 0, "the weights must add up to more than zero"

    floors_used = [0] * len(weights) if floors is None else floors
    still_free = amount
    shares: List[int] = []
    for weight, floor in zip(weights, floors_used):
        share = (
            max(floor, ceil(weight * still_free / weight_left))
            if weight_left > 0
            else still_free
        )
        shares.append(share)
        weight_left -= weight
        still_free -= share
    return shares


def shrink_by_weight(
    amount: int, weights: List[int], caps: List[int], current: List[int]
) -> List[int]:
    """Take ``amount`` away from ``current`` in proportion to ``weights``, at most ``caps``."""
    weights = _weights_where(weights, caps)
    weight_left = sum(weights)
    if not weight_left:
        return current[:]

    still_to_take = amount
    reduced: List[int] = []
    for weight, cap, value in zip(weights, caps, current):
        if not weight or weight_left <= 0:
            reduced.append(value)
            continue
        taken = min(cap, round(weight * still_to_take / weight_left))
        reduced.append(value - taken)
        still_to_take -= taken
        weight_left -= weight
    return reduced


def _fill_floors(widths: List[Optional[int]], panes: Sequence[Pane]) -> List[int]:
    """No room is left: every unsized pane falls back to its floor."""
    return [
        (pane.minimum_size or 1) if width is None else width
        for width, pane in zip(widths, panes)
    ]


def _hand_out(
    widths: List[Optional[int]], open_panes: List[tuple], unit: Fraction
) -> None:
    """Give each open pane its weighted share, carrying the fractional part forward."""
    carry = Fraction(0)
    for slot, pane in open_panes:
        widths[slot], carry = divmod(unit * pane.ratio + carry, 1)


def layout_widths(available: int, panes: Sequence[Pane]) -> List[int]:
    """Work out how wide each pane is, honouring fixed sizes, weights and floors.

    The widths add up to ``available`` whenever the floors allow it; when the floors alone
    are wider than ``available`` the result overflows and the caller has to crop.

    Args:
        available (int): Room to share, in cells.
        panes (List[Pane]): The panes to fit.

    Returns:
        List[int]: The width of each pane.
    """
    widths: List[Optional[int]] = [pane.size or None for pane in panes]

    while None in widths:
        open_panes = [
            (slot, pane)
            for slot, (width, pane) in enumerate(zip(widths, panes))
            if width is None
        ]
        room = available - sum(width or 0 for width in widths)
        if room <= 0:
            return _fill_floors(widths, panes)

        unit = Fraction(room, sum(pane.ratio or 1 for _, pane in open_panes))
        # A pane whose share would fall to its floor is pinned there, and the rest
        # is worked out again with one fewer open pane.
        pinned = next(
            (
                (slot, pane)
                for slot, pane in open_panes
                if unit * pane.ratio <= pane.minimum_size
            ),
            None,
        )
        if pinned is None:
            _hand_out(widths, open_panes, unit)
            break
        widths[pinned[0]] = pinned[1].minimum_size

    return cast(List[int], widths)


if __name__ == "__main__":
    from dataclasses import dataclass

    @dataclass
    class DemoPane:
        size: Optional[int] = None
        ratio: int = 1
        minimum_size: int = 1

    print(sum(layout_widths(110, [DemoPane(), DemoPane(), DemoPane()])))
