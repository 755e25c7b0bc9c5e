import sys
from pathlib import Path

import pytest

# Allow running the suite from a source checkout without installing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture
def site(tmp_path):
    """A tiny project with one template and two pages."""
    (tmp_path / "quarry.toml").write_text('[site]\ntitle = "Test site"\n', encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text(
        "<title>{{ page.title }}</title>{{ page.content }}", encoding="utf-8"
    )
    content = tmp_path / "content"
    content.mkdir()
    (content / "index.md").write_text("# Home\n\nSee [about](about.md).\n", encoding="utf-8")
    (content / "about.md").write_text("---\ntitle: About us\n---\nHello.\n", encoding="utf-8")
    return tmp_path
