"""A small, predictable Markdown dialect.

Quarry does not try to be CommonMark compliant. The goal is a parser that is
easy to reason about, produces stable HTML for the build cache, and records a
table of contents while it walks the document. Supported syntax:

* ATX headings (``#`` .. ``######``) with automatic, de-duplicated ids
* paragraphs, hard breaks (two trailing spaces), horizontal rules
* fenced code blocks with an optional language tag
* block quotes (nested), ordered and unordered lists (nested by indentation)
* simple pipe tables with an alignment row
* inline code, emphasis, strong, strikethrough, links, images, autolinks
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["Heading", "RenderResult", "render", "slugify"]

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE_RE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)\s*$")
_HR_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_ULIST_RE = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_OLIST_RE = re.compile(r"^(\s*)(\d{1,9})[.)]\s+(.*)$")
_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$")

_INLINE_CODE_RE = re.compile(r"(`+)(.+?)\1", re.S)
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*([^)\s]+)(?:\s+\"([^\"]*)\")?\s*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\(\s*([^)\s]+)(?:\s+\"([^\"]*)\")?\s*\)")
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S)
_EM_RE = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])", re.S)
_STRIKE_RE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S)
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")

_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass
class RenderResult:
    html: str
    headings: list[Heading] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        """The text of the first level-one heading, if the document has one."""
        for heading in self.headings:
            if heading.level == 1:
                return heading.text
        return None

    def toc(self, max_level: int = 3) -> list[Heading]:
        return [h for h in self.headings if 1 < h.level <= max_level]


def slugify(text: str) -> str:
    """Turn heading text into a URL fragment: lowercase, ASCII-ish, dashed."""
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    text = re.sub(r"[\s_-]+", "-", text).strip("-")
    return text or "section"


class _InlineRenderer:
    """Renders inline spans. Code spans and escapes are stashed first so that
    emphasis rules never see their contents."""

    def __init__(self, link_resolver=None):
        self._stash: list[str] = []
        self._resolve = link_resolver or (lambda url: url)

    def _protect(self, fragment: str) -> str:
        self._stash.append(fragment)
        return _PLACEHOLDER.format(len(self._stash) - 1)

    def _restore(self, text: str) -> str:
        # Stashed fragments may themselves contain placeholders (a link whose
        # label contains code), so loop until nothing is left to expand.
        while _PLACEHOLDER_RE.search(text):
            text = _PLACEHOLDER_RE.sub(lambda m: self._stash[int(m.group(1))], text)
        return text

    def _attr(self, value: str) -> str:
        return html.escape(value, quote=True)

    def render(self, text: str) -> str:
        text = _INLINE_CODE_RE.sub(
            lambda m: self._protect(f"<code>{html.escape(m.group(2).strip())}</code>"), text
        )
        text = _ESCAPE_RE.sub(lambda m: self._protect(html.escape(m.group(1))), text)
        text = _AUTOLINK_RE.sub(
            lambda m: self._protect(
                f'<a href="{self._attr(m.group(1))}">{html.escape(m.group(1))}</a>'
            ),
            text,
        )
        text = _IMAGE_RE.sub(self._image, text)
        text = _LINK_RE.sub(self._link, text)
        text = html.escape(text, quote=False)
        text = _STRONG_RE.sub(r"<strong>\2</strong>", text)
        text = _EM_RE.sub(r"<em>\2</em>", text)
        text = _STRIKE_RE.sub(r"<del>\1</del>", text)
        text = re.sub(r" {2,}\n", "<br>\n", text)
        return self._restore(text)

    def _image(self, match: re.Match) -> str:
        alt, src, title = match.groups()
        title_attr = f' title="{self._attr(title)}"' if title else ""
        tag = (
            f'<img src="{self._attr(self._resolve(src))}" alt="{self._attr(alt)}"'
            f'{title_attr} loading="lazy">'
        )
        return self._protect(tag)

    def _link(self, match: re.Match) -> str:
        label, href, title = match.groups()
        title_attr = f' title="{self._attr(title)}"' if title else ""
        inner = _InlineRenderer(self._resolve).render(label)
        return self._protect(
            f'<a href="{self._attr(self._resolve(href))}"{title_attr}>{inner}</a>'
        )


class _BlockParser:
    def __init__(self, lines: list[str], link_resolver=None, highlight=None):
        self.lines = lines
        self.pos = 0
        self.headings: list[Heading] = []
        self._anchors: dict[str, int] = {}
        self._resolve = link_resolver
        self._highlight = highlight

    # -- helpers -----------------------------------------------------------
    def _inline(self, text: str) -> str:
        return _InlineRenderer(self._resolve).render(text)

    def _peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.lines[index] if index < len(self.lines) else None

    def _unique_anchor(self, text: str) -> str:
        base = slugify(text)
        count = self._anchors.get(base, 0)
        self._anchors[base] = count + 1
        return base if count == 0 else f"{base}-{count}"

    @staticmethod
    def _is_blank(line: str | None) -> bool:
        return line is not None and not line.strip()

    def _starts_block(self, line: str) -> bool:
        return bool(
            _HEADING_RE.match(line)
            or _FENCE_RE.match(line.strip())
            or _HR_RE.match(line)
            or line.lstrip().startswith(">")
            or _ULIST_RE.match(line)
            or _OLIST_RE.match(line)
        )

    # -- block handlers ----------------------------------------------------
    def parse(self) -> str:
        out: list[str] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if not line.strip():
                self.pos += 1
                continue
            out.append(self._block(line))
        return "\n".join(part for part in out if part)

    def _block(self, line: str) -> str:
        if m := _FENCE_RE.match(line.strip()):
            return self._fenced_code(m.group(1), m.group(2))
        if m := _HEADING_RE.match(line):
            self.pos += 1
            return self._heading(len(m.group(1)), m.group(2))
        if _HR_RE.match(line):
            self.pos += 1
            return "<hr>"
        if line.lstrip().startswith(">"):
            return self._blockquote()
        if _ULIST_RE.match(line) or _OLIST_RE.match(line):
            return self._list(self._indent_of(line))
        nxt = self._peek(1)
        if "|" in line and nxt is not None and _TABLE_SEP_RE.match(nxt):
            return self._table()
        return self._paragraph()

    def _heading(self, level: int, raw: str) -> str:
        text = re.sub(r"<[^>]+>", "", self._inline(raw))
        anchor = self._unique_anchor(text)
        self.headings.append(Heading(level, html.unescape(text), anchor))
        return f'<h{level} id="{anchor}">{self._inline(raw)}</h{level}>'

    def _fenced_code(self, fence: str, lang: str) -> str:
        self.pos += 1
        body: list[str] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            self.pos += 1
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                break
            body.append(line)
        code = "\n".join(body)
        if self._highlight and lang:
            highlighted = self._highlight(code, lang)
            if highlighted is not None:
                return highlighted
        cls = f' class="language-{html.escape(lang)}"' if lang else ""
        return f"<pre><code{cls}>{html.escape(code)}</code></pre>"

    def _blockquote(self) -> str:
        inner: list[str] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            stripped = line.lstrip()
            if stripped.startswith(">"):
                inner.append(stripped[2:] if stripped.startswith("> ") else stripped[1:])
            elif line.strip() and inner and not self._starts_block(line):
                inner.append(line)  # lazy continuation line
            else:
                break
            self.pos += 1
        nested = _BlockParser(inner, self._resolve, self._highlight)
        nested._anchors = self._anchors
        body = nested.parse()
        self.headings.extend(nested.headings)
        return f"<blockquote>\n{body}\n</blockquote>"

    @staticmethod
    def _indent_of(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    def _list(self, indent: int) -> str:
        first = self.lines[self.pos]
        ordered = bool(_OLIST_RE.match(first)) and not _ULIST_RE.match(first)
        tag = "ol" if ordered else "ul"
        start_attr = ""
        if ordered:
            start = int(_OLIST_RE.match(first).group(2))
            if start != 1:
                start_attr = f' start="{start}"'

        items: list[str] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if self._is_blank(line):
                # A blank line ends the list unless the next item continues it.
                nxt = self._peek(1)
                if nxt is not None and self._indent_of(nxt) >= indent and (
                    _ULIST_RE.match(nxt) or _OLIST_RE.match(nxt)
                ):
                    self.pos += 1
                    continue
                break
            line_indent = self._indent_of(line)
            match = _OLIST_RE.match(line) if ordered else _ULIST_RE.match(line)
            if line_indent < indent or (line_indent == indent and not match):
                break
            if line_indent > indent and items:
                if _ULIST_RE.match(line) or _OLIST_RE.match(line):
                    items[-1] += "\n" + self._list(line_indent)
                else:
                    items[-1] += " " + self._inline(line.strip())
                    self.pos += 1
                continue
            if not match:
                break
            text = match.group(3) if ordered else match.group(2)
            items.append(self._task_item(text))
            self.pos += 1
        body = "\n".join(f"<li>{item}</li>" for item in items)
        return f"<{tag}{start_attr}>\n{body}\n</{tag}>"

    def _task_item(self, text: str) -> str:
        if text.startswith(("[ ] ", "[x] ", "[X] ")):
            checked = " checked" if text[1] in "xX" else ""
            return f'<input type="checkbox" disabled{checked}> {self._inline(text[4:])}'
        return self._inline(text)

    def _table(self) -> str:
        def cells(row: str) -> list[str]:
            row = row.strip()
            if row.startswith("|"):
                row = row[1:]
            if row.endswith("|") and not row.endswith("\\|"):
                row = row[:-1]
            return [c.strip() for c in re.split(r"(?<!\\)\|", row)]

        header = cells(self.lines[self.pos])
        aligns = []
        for spec in cells(self.lines[self.pos + 1]):
            if spec.startswith(":") and spec.endswith(":"):
                aligns.append("center")
            elif spec.endswith(":"):
                aligns.append("right")
            elif spec.startswith(":"):
                aligns.append("left")
            else:
                aligns.append(None)
        self.pos += 2

        def row_html(values: list[str], cell_tag: str) -> str:
            parts = []
            for i, value in enumerate(values):
                align = aligns[i] if i < len(aligns) else None
                style = f' style="text-align:{align}"' if align else ""
                parts.append(f"<{cell_tag}{style}>{self._inline(value)}</{cell_tag}>")
            return "<tr>" + "".join(parts) + "</tr>"

        rows = []
        while self.pos < len(self.lines) and "|" in self.lines[self.pos]:
            rows.append(row_html(cells(self.lines[self.pos]), "td"))
            self.pos += 1
        thead = f"<thead>{row_html(header, 'th')}</thead>"
        tbody = f"<tbody>{''.join(rows)}</tbody>" if rows else ""
        return f"<table>{thead}{tbody}</table>"

    def _paragraph(self) -> str:
        chunk: list[str] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if not line.strip() or (chunk and self._starts_block(line)):
                break
            chunk.append(line)
            self.pos += 1
        return f"<p>{self._inline(chr(10).join(chunk)).strip()}</p>"


def render(source: str, *, link_resolver=None, highlight=None) -> RenderResult:
    """Render ``source`` to HTML.

    ``link_resolver`` is called with every link/image target and may rewrite
    it (the builder uses this to turn ``other.md`` into ``other/``).
    ``highlight`` is an optional ``(code, lang) -> str | None`` hook.
    """
    lines = source.replace("\r\n", "\n").replace("\t", "    ").split("\n")
    parser = _BlockParser(lines, link_resolver, highlight)
    body = parser.parse()
    return RenderResult(html=body, headings=parser.headings)
