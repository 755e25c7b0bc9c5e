"""Feed entries ordered and merged by their published timestamps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .iso8601 import ParseError, parse_date

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(order=True)
class Entry:
    published: datetime.datetime
    guid: str = field(compare=False)
    title: str = field(compare=False, default="")

    @classmethod
    def from_item(cls, item: dict) -> "Entry":
        stamp = item.get("published") or item.get("updated") or ""
        try:
            when = parse_date(stamp)
        except ParseError:
            when = EPOCH
        return cls(when, item.get("id") or item.get("link") or title_key(item), item.get("title", ""))


def title_key(item: dict) -> str:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in item.get("title", ""))
    return "-".join(words.split())[:80]


def merge_feeds(*feeds: Iterable[dict]) -> list[Entry]:
    """Every entry of every feed once (by guid), newest first."""
    seen: dict[str, Entry] = {}
    for feed in feeds:
        for item in feed:
            entry = Entry.from_item(item)
            kept = seen.get(entry.guid)
            if kept is None or entry.published > kept.published:
                seen[entry.guid] = entry
    return sorted(seen.values(), reverse=True)


def latest(entries: Iterable[Entry], since: datetime.datetime) -> Iterator[Entry]:
    for entry in entries:
        if entry.published > since:
            yield entry
