"""Starter project written by ``quarry init``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

__all__ = ["ScaffoldError", "create_project", "new_content_file"]


class ScaffoldError(Exception):
    pass


_CONFIG = """\
[site]
title = "{title}"
base_url = "/"
author = ""

[build]
pretty_urls = true

[serve]
port = 8000
"""

_BASE = """\
<!doctype html>
<html lang="{{ site.language }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{{ page.title }} · {{ site.title }}{% endblock %}</title>
  <link rel="stylesheet" href="{{ 'style.css' | absolute_url }}">
</head>
<body>
  <header><a href="{{ site.base_url }}">{{ site.title }}</a></header>
  <main>{% block main %}{% endblock %}</main>
  {% include "footer.html" %}
</body>
</html>
"""

_PAGE = """\
{% extends "base.html" %}
{% block main %}
<article>
  {% if page.date %}<time datetime="{{ page.date | date }}">{{ page.date | date("%d %B %Y") }}</time>{% endif %}
  {% if page.toc %}
  <nav class="toc"><ol>
    {% for h in page.toc %}<li class="lvl-{{ h.level }}"><a href="#{{ h.anchor }}">{{ h.text }}</a></li>{% endfor %}
  </ol></nav>
  {% endif %}
  {{ page.content }}
</article>
{% endblock %}
"""

_LIST = """\
{% extends "base.html" %}
{% block main %}
{{ page.content }}
<ul class="posts">
{% for p in site.pages | limit(20) %}
  <li><a href="{{ p.url }}">{{ p.title }}</a>{% if p.date %} <small>{{ p.date | date }}</small>{% endif %}
    <p>{{ p.summary | truncate(140) }}</p></li>
{% else %}
  <li>Nothing here yet.</li>
{% endfor %}
</ul>
{% endblock %}
"""

_FOOTER = """\
<footer>© {{ site.build_time.year }} {{ site.author or site.title }}</footer>
"""

_STYLE = """\
body { max-width: 42rem; margin: 2rem auto; padding: 0 1rem; font: 17px/1.6 system-ui, sans-serif; }
pre { overflow-x: auto; padding: .75rem; background: #f5f5f4; }
.toc { font-size: .9em; }
"""

_INDEX = """\
---
title: Home
template: list.html
listing: true
---

# Welcome

This site is built with quarry. Edit `content/index.md` to change this page.
"""


def create_project(target: Path, title: str = "My site", *, force: bool = False) -> list[Path]:
    """Write a minimal working site into ``target`` and return the files created."""
    if target.exists() and any(target.iterdir()) and not force:
        raise ScaffoldError(f"{target} is not empty (use --force to write into it anyway)")
    files = {
        "quarry.toml": _CONFIG.format(title=title.replace('"', '\\"')),
        "templates/base.html": _BASE,
        "templates/page.html": _PAGE,
        "templates/list.html": _LIST,
        "templates/footer.html": _FOOTER,
        "static/style.css": _STYLE,
        "content/index.md": _INDEX,
    }
    written = []
    for rel, text in files.items():
        path = target / rel
        if path.exists() and not force:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _slug(title: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", title.lower())
    return re.sub(r"[\s_-]+", "-", slug).strip("-") or "untitled"


def new_content_file(content_dir: Path, title: str, *, section: str = "",
                     draft: bool = True, today: dt.date | None = None) -> Path:
    """Create ``content/<section>/<slug>.md`` with front matter filled in."""
    today = today or dt.date.today()
    directory = content_dir / section if section else content_dir
    path = directory / f"{_slug(title)}.md"
    if path.exists():
        raise ScaffoldError(f"{path} already exists")
    directory.mkdir(parents=True, exist_ok=True)
    escaped = title.replace('"', '\\"')
    path.write_text(
        f'---\ntitle: "{escaped}"\ndate: {today.isoformat()}\ndraft: {str(draft).lower()}\n'
        f"tags: []\n---\n\n",
        encoding="utf-8",
    )
    return path
