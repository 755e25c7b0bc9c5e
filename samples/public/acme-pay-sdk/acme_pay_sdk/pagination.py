"""Cursor-based pagination.

List endpoints return::

    {"data": [...], "has_more": true, "next_cursor": "cur_8fa1..."}

:func:`iterate_pages` hides the cursor bookkeeping behind a plain iterator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, Iterator, List, Mapping, Optional, TypeVar

T = TypeVar("T")

FetchPage = Callable[[Dict[str, Any]], Mapping[str, Any]]


@dataclass
class CursorPage(Generic[T]):
    items: List[T]
    has_more: bool
    next_cursor: Optional[str]

    @classmethod
    def from_response(
        cls, body: Mapping[str, Any], decode: Callable[[Mapping[str, Any]], T]
    ) -> "CursorPage[T]":
        return cls(
            items=[decode(item) for item in body.get("data", [])],
            has_more=bool(body.get("has_more", False)),
            next_cursor=body.get("next_cursor"),
        )


def iterate_pages(
    fetch: FetchPage,
    decode: Callable[[Mapping[str, Any]], T],
    *,
    params: Optional[Mapping[str, Any]] = None,
    page_size: int = 50,
    max_pages: Optional[int] = None,
) -> Iterator[T]:
    """Yield every item of a list endpoint, fetching pages lazily.

    ``fetch`` receives the query parameters for one page and returns the
    decoded JSON body. ``max_pages`` is a safety valve for scripts that only
    want a sample.
    """
    if page_size < 1 or page_size > 100:
        raise ValueError("page_size must be between 1 and 100")

    query: Dict[str, Any] = dict(params or {})
    query["limit"] = page_size
    pages_fetched = 0

    while True:
        page = CursorPage.from_response(fetch(query), decode)
        pages_fetched += 1
        yield from page.items

        if not page.has_more or not page.next_cursor:
            return
        if max_pages is not None and pages_fetched >= max_pages:
            return
        query = {"cursor": page.next_cursor}
