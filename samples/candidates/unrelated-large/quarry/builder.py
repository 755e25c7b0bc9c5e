"""Turns a content directory into a static website."""

from __future__ import annotations

import datetime as dt
import fnmatch
import html as html_lib
import json
import logging
import posixpath
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
from urllib.parse import urlsplit

from . import markup
from .cache import BuildCache
from .config import Config
from .frontmatter import FrontMatterError, split_front_matter
from .template import Environment, Markup, TemplateError

__all__ = ["BuildError", "BuildReport", "Page", "SiteBuilder"]

log = logging.getLogger("quarry.build")

CONTENT_SUFFIXES = {".md", ".markdown", ".html"}
CACHE_FILENAME = ".quarry-cache.json"
_TEMPLATE_REF_RE = re.compile(r"{%-?\s*(?:extends|include)\s+[\"']([^\"']+)[\"']\s*-?%}")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_BLOCK_TAG_RE = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|pre|blockquote|table|tr|td|th|div|br|hr)\b[^>]*>", re.I)
_ANY_TAG_RE = re.compile(r"<[^>]+>")


def plain_text(markup_html: str) -> str:
    """Strip tags from rendered HTML, keeping word boundaries between blocks."""
    text = _ANY_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", markup_html))
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


class BuildError(Exception):
    """A content or template problem that prevents a page from being built."""

    def __init__(self, source: Path, message: str):
        super().__init__(f"{source}: {message}")
        self.source = source


@dataclass
class Page:
    source: Path
    rel_path: PurePosixPath
    meta: dict[str, Any]
    body: str
    content: str = ""
    headings: list[markup.Heading] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.rel_path.stem.replace("-", " ").title())

    @property
    def date(self) -> dt.date | None:
        value = self.meta.get("date")
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None

    @property
    def draft(self) -> bool:
        return bool(self.meta.get("draft", False))

    @property
    def tags(self) -> list[str]:
        tags = self.meta.get("tags") or []
        return [tags] if isinstance(tags, str) else [str(t) for t in tags]

    @property
    def is_listing(self) -> bool:
        """Listing pages (home page, blog index) show other pages, so they must
        be rebuilt whenever any content changes."""
        return bool(self.meta.get("listing", False))

    def output_path(self, pretty: bool) -> PurePosixPath:
        if "slug" in self.meta:
            base = self.rel_path.parent / str(self.meta["slug"])
        else:
            base = self.rel_path.with_suffix("")
        if base.name == "index":
            return base.with_suffix(".html")
        if pretty:
            return base / "index.html"
        return base.with_suffix(".html")

    def url(self, pretty: bool) -> str:
        out = self.output_path(pretty).as_posix()
        if out.endswith("index.html"):
            out = out[: -len("index.html")]
        return "/" + out

    def summary(self, length: int = 200) -> str:
        if "summary" in self.meta:
            return str(self.meta["summary"])
        text = plain_text(self.content)
        if len(text) <= length:
            return text
        return text[:length].rsplit(" ", 1)[0] + "…"


@dataclass
class BuildReport:
    rendered: list[str] = field(default_factory=list)
    skipped: int = 0
    copied: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def changed_outputs(self) -> list[str]:
        return sorted(set(self.rendered) | set(self.copied) | set(self.removed))

    def describe(self) -> str:
        parts = [f"{len(self.rendered)} rendered", f"{self.skipped} unchanged",
                 f"{len(self.copied)} static copied"]
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s)")
        return ", ".join(parts) + f" in {self.seconds * 1000:.0f} ms"


class SiteBuilder:
    def __init__(self, config: Config, *, include_drafts: bool | None = None):
        self.config = config
        self.include_drafts = config.build.drafts if include_drafts is None else include_drafts
        self.env = Environment(config.template_path)
        self.env.filters["absolute_url"] = self._absolute_url
        self.env.filters["wordcount"] = lambda value: len(_WORD_RE.findall(plain_text(str(value))))
        self.cache = BuildCache(config.output_path / CACHE_FILENAME, config.output_path,
                                config.fingerprint() + f"|drafts={self.include_drafts}")
        self.cache.load()

    # -- discovery ---------------------------------------------------------
    def _ignored(self, rel: PurePosixPath) -> bool:
        return any(fnmatch.fnmatch(part, pattern)
                   for part in rel.parts for pattern in self.config.build.ignore)

    def _walk(self, root: Path) -> Iterator[tuple[Path, PurePosixPath]]:
        if not root.is_dir():
            return
        for path in sorted(root.rglob("*")):
            rel = PurePosixPath(path.relative_to(root).as_posix())
            if path.is_file() and not self._ignored(rel):
                yield path, rel

    def load_pages(self) -> list[Page]:
        pages: list[Page] = []
        for path, rel in self._walk(self.config.content_path):
            if path.suffix.lower() not in CONTENT_SUFFIXES:
                continue
            try:
                text = path.read_text(encoding="utf-8")
                meta, body, _ = split_front_matter(text)
            except UnicodeDecodeError:
                raise BuildError(path, "content files must be UTF-8") from None
            except FrontMatterError as exc:
                raise BuildError(path, str(exc)) from None
            page = Page(path, rel, meta, body)
            if page.draft and not self.include_drafts:
                log.debug("skipping draft %s", rel)
                continue
            pages.append(page)
        self._check_collisions(pages)
        return pages

    def _check_collisions(self, pages: list[Page]) -> None:
        seen: dict[PurePosixPath, Path] = {}
        for page in pages:
            out = page.output_path(self.config.build.pretty_urls)
            if out in seen:
                raise BuildError(page.source, f"writes {out}, which {seen[out].name} also writes")
            seen[out] = page.source

    # -- rendering ---------------------------------------------------------
    def _absolute_url(self, path: str) -> str:
        if urlsplit(str(path)).scheme:
            return str(path)
        return self.config.site.base_url.rstrip("/") + "/" + str(path).lstrip("/")

    def _link_resolver(self, page: Page, by_source: dict[PurePosixPath, Page]):
        pretty = self.config.build.pretty_urls

        def resolve(target: str) -> str:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                return target
            if not parts.path.endswith((".md", ".markdown")):
                return target
            joined = posixpath.normpath(posixpath.join(page.rel_path.parent.as_posix(), parts.path))
            linked = by_source.get(PurePosixPath(joined))
            if linked is None:
                log.warning("%s: link to missing page %s", page.rel_path, parts.path)
                return target
            url = linked.url(pretty)
            return url + (f"#{parts.fragment}" if parts.fragment else "")

        return resolve

    def _render_body(self, page: Page, by_source: dict[PurePosixPath, Page]) -> None:
        if page.source.suffix.lower() == ".html":
            page.content = page.body
            return
        result = markup.render(page.body, link_resolver=self._link_resolver(page, by_source))
        page.content = result.html
        page.headings = result.headings
        page.meta.setdefault("title", result.title)

    def template_dependencies(self, name: str, _seen: set[str] | None = None) -> list[Path]:
        """Template files that ``name`` extends or includes, found statically."""
        seen = _seen if _seen is not None else set()
        if name in seen:
            return []
        seen.add(name)
        path = self.env.template_path(name)
        if path is None or not path.is_file():
            return []
        deps = [path]
        for ref in _TEMPLATE_REF_RE.findall(path.read_text(encoding="utf-8")):
            deps.extend(self.template_dependencies(ref, seen))
        return deps

    def _page_context(self, page: Page) -> dict[str, Any]:
        pretty = self.config.build.pretty_urls
        return {
            "title": page.title,
            "url": page.url(pretty),
            "date": page.date,
            "tags": page.tags,
            "content": Markup(page.content),
            "summary": page.summary(),
            "toc": page.headings and [h for h in page.headings if 1 < h.level <= 3],
            "meta": page.meta,
            "source": page.rel_path.as_posix(),
        }

    def _site_context(self, pages: list[Page]) -> dict[str, Any]:
        listed = [self._page_context(p) for p in pages if not p.is_listing]
        listed.sort(key=lambda p: (p["date"] or dt.date.min, p["title"]), reverse=True)
        tags: dict[str, list[dict[str, Any]]] = {}
        for entry in listed:
            for tag in entry["tags"]:
                tags.setdefault(tag, []).append(entry)
        return {
            **vars(self.config.site),
            "pages": listed,
            "tags": dict(sorted(tags.items())),
            "extra": self.config.extra,
            "build_time": dt.datetime.now(dt.timezone.utc),
        }

    def _write(self, rel: PurePosixPath, text: str) -> None:
        target = self.config.output_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        # Skip the write when nothing changed so that file watchers and
        # rsync-based deploys don't see spurious modifications.
        if target.exists() and target.read_text(encoding="utf-8") == text:
            return
        target.write_text(text, encoding="utf-8")

    # -- static files ------------------------------------------------------
    def _copy_static(self, report: BuildReport) -> list[Path]:
        sources = []
        for path, rel in self._walk(self.config.static_path):
            sources.append(path)
            if not self.cache.is_stale(path):
                continue
            target = self.config.output_path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            self.cache.record(path, [rel.as_posix()])
            report.copied.append(rel.as_posix())
        return sources

    def _write_search_index(self, pages: list[Page]) -> None:
        pretty = self.config.build.pretty_urls
        documents = [
            {
                "url": page.url(pretty),
                "title": page.title,
                "tags": page.tags,
                "headings": [h.text for h in page.headings if h.level > 1],
                "text": plain_text(page.content),
            }
            for page in pages
            if not page.is_listing and not page.meta.get("nosearch")
        ]
        self._write(PurePosixPath("search.json"),
                    json.dumps({"documents": documents}, ensure_ascii=False, indent=None))

    # -- entry point -------------------------------------------------------
    def build(self) -> BuildReport:
        started = time.perf_counter()
        report = BuildReport()
        self.cache.forget_memo()
        self.config.output_path.mkdir(parents=True, exist_ok=True)

        pages = self.load_pages()
        by_source = {page.rel_path: page for page in pages}
        for page in pages:
            self._render_body(page, by_source)
        site = self._site_context(pages)
        content_sources = [page.source for page in pages]
        pretty = self.config.build.pretty_urls

        for page in pages:
            template_name = str(page.meta.get("template") or self.config.build.default_template)
            deps = self.template_dependencies(template_name)
            if page.is_listing:
                deps += [src for src in content_sources if src != page.source]
            out_rel = page.output_path(pretty)
            if not self.cache.is_stale(page.source, deps):
                report.skipped += 1
                continue
            try:
                template = self.env.get_template(template_name)
                rendered = template.render(page=self._page_context(page), site=site)
            except TemplateError as exc:
                report.errors.append(f"{page.rel_path}: {exc}")
                continue
            self._write(out_rel, rendered)
            self.cache.record(page.source, [out_rel.as_posix()], deps)
            report.rendered.append(out_rel.as_posix())

        static_sources = self._copy_static(report)
        if self.config.build.search_index:
            self._write_search_index(pages)

        for orphan in self.cache.prune(content_sources + static_sources):
            target = self.config.output_path / orphan
            if target.exists():
                target.unlink()
                report.removed.append(orphan)
                _remove_empty_parents(target.parent, self.config.output_path)

        self.cache.save()
        report.seconds = time.perf_counter() - started
        return report

    def clean(self) -> None:
        output = self.config.output_path
        if output.exists():
            if output == self.config.root or output in self.config.root.parents:
                raise BuildError(output, "refusing to delete the project root")
            shutil.rmtree(output)


def _remove_empty_parents(directory: Path, stop: Path) -> None:
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
