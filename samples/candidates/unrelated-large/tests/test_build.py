import json
import os

from quarry.builder import SiteBuilder
from quarry.cache import BuildCache
from quarry.config import load_config


def build(root):
    return SiteBuilder(load_config(root, environ={})).build()


def test_full_build_writes_pages_and_index(site):
    report = build(site)
    assert report.ok, report.errors
    assert sorted(report.rendered) == ["about/index.html", "index.html"]
    index = (site / "public" / "index.html").read_text()
    assert '<a href="/about/">about</a>' in index
    search = json.loads((site / "public" / "search.json").read_text())
    assert {d["title"] for d in search["documents"]} == {"Home", "About us"}


def test_second_build_is_incremental(site):
    build(site)
    report = build(site)
    assert report.rendered == [] and report.skipped == 2


def test_template_change_rebuilds_dependents(site):
    build(site)
    template = site / "templates" / "page.html"
    template.write_text("<main>{{ page.content }}</main>")
    report = build(site)
    assert len(report.rendered) == 2


def test_deleted_page_output_is_removed(site):
    build(site)
    (site / "content" / "about.md").unlink()
    report = build(site)
    assert report.removed == ["about/index.html"]
    assert not (site / "public" / "about").exists()


def test_drafts_are_skipped(site):
    (site / "content" / "wip.md").write_text("---\ndraft: true\n---\nsoon\n")
    build(site)
    assert not (site / "public" / "wip").exists()


def test_cache_reuses_digest_when_stat_unchanged(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("one")
    cache = BuildCache(tmp_path / "cache.json", tmp_path, "fp")
    first = cache.digest(source)
    cache.save()

    # Same size and mtime but different bytes: the cache trusts the stat.
    stat = source.stat()
    source.write_text("two")
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    reloaded = BuildCache(tmp_path / "cache.json", tmp_path, "fp")
    reloaded.load()
    assert reloaded.digest(source) == first
