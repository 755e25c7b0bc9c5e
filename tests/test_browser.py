"""The HTML report in a real browser: Debian's headless Chromium driven by Selenium.

The screenshot is kept as an artifact at ``<tmp_path>/report.png`` (pytest prints where). On a
machine without Chromium the test is skipped, except in CI (``CI=true``), where ``.ci/run``
installs it and a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SAMPLES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI") == "true":
        pytest.fail("CI needs Debian's chromium and chromium-driver (see .ci/run)")
    pytest.skip("needs Debian's chromium and chromium-driver", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

runner = CliRunner()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_report_is_usable_in_a_browser(browser, tmp_path):
    page = tmp_path / "report.html"
    done = runner.invoke(app, ["demo", "--samples", str(SAMPLES), "--html", str(page)])
    assert done.exit_code == 0, done.output
    browser.get(page.as_uri())

    rows = browser.find_elements(By.CSS_SELECTOR, "#summary tbody tr")
    names = [row.find_element(By.CSS_SELECTOR, "td").text.rsplit("/", 1)[-1] for row in rows]
    assert sorted(names) == sorted(
        [
            "subset-copy",
            "renamed-reformatted",
            "fork-of-public-sdk",
            "pasted-into-large.tar.gz",
            "unrelated-large",
            "lookalike-independent",
            "lookalike-boilerplate",
            "vendors-iso8601",
        ]
    )
    verdicts = [row.find_elements(By.CSS_SELECTOR, "td")[1].text for row in rows]
    assert verdicts[:3] == ["derivative"] * 3  # flagged first

    # Follow the renamed copy's link: its pair shows both panes, fragments highlighted in each.
    link = next(
        a
        for a in browser.find_elements(By.CSS_SELECTOR, "#summary a")
        if a.text.endswith("renamed-reformatted")
    )
    link.click()
    section = browser.find_element(By.ID, link.get_attribute("href").rsplit("#", 1)[-1])
    pair = section.find_element(By.CSS_SELECTOR, ".pair")
    browser.execute_script("arguments[0].scrollIntoView()", pair)
    left = pair.find_elements(By.CSS_SELECTOR, ".pane.candidate mark.frag")
    right = pair.find_elements(By.CSS_SELECTOR, ".pane.private .frag")
    assert left and right
    for element in (left[0], right[0]):
        assert element.is_displayed()
        assert element.size["height"] > 0 and element.size["width"] > 100
        assert element.value_of_css_property("background-color") == "rgba(255, 224, 138, 1)"
    left_box, right_box = left[0].rect, right[0].rect
    assert right_box["x"] > left_box["x"] + left_box["width"] / 2  # side by side
    assert "tallyhub/book.py" in pair.text and "acme_ledger/journal.py" in pair.text

    # Sorting by private tokens, ascending, puts a clear candidate first.
    browser.find_elements(By.CSS_SELECTOR, "#summary th")[3].click()
    first = browser.find_element(By.CSS_SELECTOR, "#summary tbody tr td:nth-child(2)").text
    assert first == "clear"

    shot = tmp_path / "report.png"
    browser.execute_script("arguments[0].scrollIntoView()", pair)
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def assert_injected_markup_runs_nothing(browser) -> None:
    """Markup and a script put into the open page (as if a name had slipped through escaping)
    run nothing under its Content-Security-Policy: the title stays as it was."""
    title = browser.title
    browser.execute_script(
        "document.body.insertAdjacentHTML('beforeend',"
        ' \'<img src="x.png" onerror="document.title=&quot;handler ran&quot;">\');'
        "var s = document.createElement('script');"
        "s.textContent = 'document.title = \"script ran\"';"
        "document.body.appendChild(s);"
    )
    browser.execute_script("return new Promise(function (done) { setTimeout(done, 300); });")
    assert browser.title == title


def test_the_report_runs_only_its_own_code(browser, tmp_path):
    """Under the report's Content-Security-Policy, markup that got into the page runs nothing:
    no inline event handler, no inline script without the page's own hash; its own still runs."""
    page = tmp_path / "report.html"
    done = runner.invoke(app, ["demo", "--samples", str(SAMPLES), "--html", str(page)])
    assert done.exit_code == 0, done.output
    browser.get(page.as_uri())
    assert_injected_markup_runs_nothing(browser)
    header = browser.find_elements(By.CSS_SELECTOR, "#summary th")[3]
    header.click()
    assert header.get_attribute("data-dir") == "asc"  # the page's own script, allowed by hash


def test_a_candidate_with_3000_file_pairs_stays_small_and_opens_fast(browser, tmp_path):
    """Sixty edited copies of mobx 6.13.5's real TypeScript sources in one candidate: every
    file a distinct content (nothing collapses), over 3,000 file pairs. The page stays under
    5 MB (the JSON keeps every pair) and the browser has it loaded in under 2 s."""
    from tests.real_packages import npm_tarball

    source = npm_tarball("mobx", "6.13.5")[1] / "src"
    store, results = tmp_path / "store.db", tmp_path / "results.db"
    done = runner.invoke(app, ["fingerprint", str(source), "--store", str(store)])
    assert done.exit_code == 0, done.output
    candidate = tmp_path / "forks"
    for n in range(60):
        for path in source.rglob("*.ts"):
            copy = candidate / f"fork-{n:02d}" / path.relative_to(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(path.read_text() + f"\n// fork {n}\n")
    page, data = tmp_path / "big.html", tmp_path / "big.json"
    done = runner.invoke(app, ["scan", str(candidate), "--store", str(store), "--results",
                               str(results), "--html", str(page), "--json", str(data)])  # fmt: skip
    assert done.exit_code == 1, done.output
    [found] = json.loads(data.read_text())["candidates"]
    pairs = len(found["files"])
    assert pairs >= 3000 and len({p["candidate_sha256"] for p in found["files"]}) >= 3000
    size = page.stat().st_size
    assert size < 5_000_000

    started = time.perf_counter()
    browser.get(page.as_uri())
    seconds = time.perf_counter() - started
    loaded = browser.execute_script(
        "var t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd;"
    )
    print(f"{pairs:,} file pairs: HTML {size / 1e6:.2f} MB (JSON {data.stat().st_size / 1e6:.1f} "
          f"MB), loaded in {loaded:.0f} ms (page) / {seconds:.2f} s (driver)")  # fmt: skip
    assert loaded < 2000 and seconds < 2
    groups = browser.find_elements(By.CSS_SELECTOR, ".pair.group")
    assert groups and groups[0].find_elements(By.CSS_SELECTOR, ".pane.candidate mark.frag")
    summary = browser.find_element(By.CSS_SELECTOR, "details table.more")
    assert summary.find_elements(By.CSS_SELECTOR, "tbody tr")  # the rest, summarised
    shot = tmp_path / "big.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
