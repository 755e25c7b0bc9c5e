"""A whole review in the workspace, in Debian's headless Chromium driven by Selenium (issue 14).

On a real fork-network scan (``tests/test_serve.py``): open the queue, confirm the leaked files of
one fork (by keyboard and by button) and see them confirmed in the other forks holding the same
content, dismiss the look-alike with a reason, undo one decision, draft the notice and check it
lists exactly the confirmed locations with their URLs and line ranges. Screenshots of the queue, a
candidate page and the notice are saved under ``tests/.artifacts/serve/`` (printed).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from scanner.private_source import load_private_source
from scanner.resultsdb import ResultsDB
from scanner.serve import ServeConfig
from tests.test_browser import CHROMEDRIVER, CHROMIUM, assert_injected_markup_runs_nothing
from tests.test_crawler import PRIVATE
from tests.test_serve import (  # noqa: F401
    HOSTILE,
    LEAKY,
    LOOKALIKE,
    UNREAD_ONLY,
    results,
    scanned,
    serving,
)

if not (CHROMIUM and CHROMEDRIVER):  # tests.test_browser skips or fails the module already
    pytest.skip("needs Debian's chromium and chromium-driver", allow_module_level=True)

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ARTIFACTS = Path(__file__).parent / ".artifacts" / "serve"
TAX = "acme_pay_sdk/tax_rules.py"
EXPORT = "internal/export.go"


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1000"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def submitted(browser, click) -> None:
    """Click (or press) something that sends a form, and wait for the next page."""
    old = browser.find_element(By.TAG_NAME, "html")
    click()
    WebDriverWait(browser, 10).until(lambda b: old.id != b.find_element(By.TAG_NAME, "html").id)
    WebDriverWait(browser, 10).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )


def shot(browser, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000
    print(f"screenshot: {path}")
    return path


def open_candidate(browser, url: str, owner: str) -> None:
    browser.get(f"{url}/?state=all")
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, "#queue a.target")
                if a.text.startswith(f"github:{owner}/"))  # fmt: skip
    submitted(browser, link.click)
    assert browser.find_element(By.ID, "target").text.startswith(f"github:{owner}/")


def copy_states(browser) -> dict[str, str]:
    """The decision state of each content on the candidate page, by its path here."""
    states = {}
    for section in browser.find_elements(By.CSS_SELECTOR, "section[data-copy]"):
        for path in section.find_elements(By.CSS_SELECTOR, "ul.here code"):
            states[path.text] = section.get_attribute("data-state")
    return states


def queue_states(browser, url: str) -> dict[str, str]:
    browser.get(f"{url}/?state=all")
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    return {row.find_element(By.CSS_SELECTOR, "a.target").text.split("/")[0]:
            row.get_attribute("data-state") for row in rows}  # fmt: skip


def decide_copy(browser, path: str, action: str, reason: str) -> None:
    section = next(s for s in browser.find_elements(By.CSS_SELECTOR, "section[data-copy]")
                   if path in s.find_element(By.CSS_SELECTOR, "ul.here").text)  # fmt: skip
    section.find_element(By.CSS_SELECTOR, "input[name=reason]").send_keys(reason)
    submitted(browser, section.find_element(By.CSS_SELECTOR, f"button[value={action}]").click)


def test_a_whole_review_of_a_fork_network(browser, results):  # noqa: F811
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    with ResultsDB(results) as db:
        flagged = {"candidates": [candidate for _, candidate in db.flagged()]}
    private = load_private_source(flagged, str(PRIVATE)).texts  # side by side, as --private-source
    with serving(ServeConfig(results, "ana", private=private)) as url:
        # The queue: six forks await a decision, strongest first, counts at the top (the
        # last two hold nothing private, but their history was not read: incomplete).
        browser.get(url)
        rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
        assert len(rows) == 6
        assert all("fork network" in row.text for row in rows)
        sharing = [row.find_element(By.CSS_SELECTOR, "td.sharing").text for row in rows]
        assert sharing == ["2 others"] * 3 + [""] * 3  # three forks, one blob pair
        assert rows[3].find_element(By.CSS_SELECTOR, "a.target").text.startswith(
            f"github:{LOOKALIKE}/")  # the partial copy has the least evidence  # fmt: skip
        assert {row.find_element(By.CSS_SELECTOR, "a.target").text.split("/")[0]
                for row in rows[4:]} == {f"github:{o}" for o in UNREAD_ONLY}  # fmt: skip
        counts = browser.find_element(By.ID, "counts").text
        assert "6 awaiting, 0 confirmed, 0 dismissed" in counts
        Select(browser.find_element(By.NAME, "kind")).select_by_value("network")
        Select(browser.find_element(By.NAME, "verdict")).select_by_visible_text("derivative")
        submitted(browser, browser.find_element(By.CSS_SELECTOR, "#filters button").click)
        assert "kind=network" in browser.current_url
        assert len(browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")) >= 3
        shot(browser, "queue.png")
        browser.find_element(By.TAG_NAME, "body").send_keys("j")  # the first row, by keyboard
        chosen = browser.switch_to.active_element
        assert chosen.get_attribute("class") == "target current"
        assert chosen.text == browser.find_element(By.CSS_SELECTOR, "#queue a.target").text

        # One fork: two leaked contents. The first is confirmed by keyboard (n: the next
        # content, c: confirm, the reason, Enter), the second with its button.
        open_candidate(browser, url, "user1")
        assert browser.find_element(By.ID, "checks").text.startswith(
            "longest shared fragment") or "needed for derivative" in browser.find_element(
            By.ID, "checks").text  # fmt: skip
        assert "set aside" in browser.find_element(By.ID, "set-aside").text
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys("j")  # the first shared fragment
        current = browser.find_element(By.CSS_SELECTOR, "mark.frag.current")
        assert current.is_displayed() and current.get_attribute("data-stop") == "0"
        body.send_keys("n")
        first = browser.find_element(By.CSS_SELECTOR, "section[data-copy].current")
        first_path = first.find_element(By.CSS_SELECTOR, "ul.here code").text
        body.send_keys("c")
        focused = browser.switch_to.active_element
        assert focused.get_attribute("name") == "reason"
        focused.send_keys("verbatim copy of the private file")
        submitted(browser, lambda: focused.send_keys(Keys.ENTER))
        assert copy_states(browser).get(first_path) == "confirmed", browser.page_source[:3000]
        other = EXPORT if first_path == TAX else TAX
        decide_copy(browser, other, "confirm", "verbatim copy, checked line by line")
        assert copy_states(browser) == {TAX: "confirmed", EXPORT: "confirmed"}
        elsewhere = browser.find_element(By.CSS_SELECTOR, "ul.elsewhere").text
        assert all(f"github:{owner}/" in elsewhere for owner in LEAKY if owner != "user1")
        right = browser.find_elements(By.CSS_SELECTOR, ".pane.private mark.frag")
        left = browser.find_elements(By.CSS_SELECTOR, ".pane.candidate mark.frag")
        assert left and right and right[0].rect["x"] > left[0].rect["x"] + 300  # side by side
        browser.set_window_size(1400, 2000)
        browser.execute_script("window.scrollTo(0, 0)")
        shot(browser, "candidate.png")
        browser.set_window_size(1400, 1000)

        # The other forks holding the same blobs are confirmed too, each still listed.
        for owner in LEAKY[1:]:
            open_candidate(browser, url, owner)
            assert copy_states(browser) == {TAX: "confirmed", EXPORT: "confirmed"}
            history = browser.find_element(By.ID, "history").text
            assert "that content everywhere; decided on github:user1/" in history
        assert queue_states(browser, url) == {
            "github:user1": "confirmed", "github:user3": "confirmed",
            "github:user4": "confirmed", f"github:{LOOKALIKE}": "awaiting",
            **{f"github:{o}": "awaiting" for o in UNREAD_ONLY}}  # fmt: skip

        # The look-alike is dismissed, with a reason.
        open_candidate(browser, url, LOOKALIKE)
        form = browser.find_element(By.ID, "decide-candidate")
        form.find_element(By.NAME, "reason").send_keys("look-alike: the public tax table only")
        submitted(browser, form.find_element(By.CSS_SELECTOR, "button[value=dismiss]").click)
        assert browser.find_element(By.ID, "candidate-state").text.lower() == "dismissed"
        assert (
            "look-alike: the public tax table only" in browser.find_element(By.ID, "history").text
        )

        # One decision undone (export.go in user1, hence in every fork), the undo recorded.
        open_candidate(browser, url, "user1")
        entry = next(li for li in browser.find_elements(By.CSS_SELECTOR, "ol.history > li")
                     if EXPORT in li.text)  # fmt: skip
        entry.find_element(By.NAME, "reason").send_keys("legal wants export.go checked again")
        submitted(browser, entry.find_element(By.CSS_SELECTOR, "form.undo button").click)
        assert copy_states(browser) == {TAX: "confirmed", EXPORT: "awaiting"}
        undone = browser.find_element(By.CSS_SELECTOR, "ol.history > li.undone").text
        assert "undone by ana" in undone and "legal wants export.go checked again" in undone
        open_candidate(browser, url, "user4")
        assert copy_states(browser) == {TAX: "confirmed", EXPORT: "awaiting"}

        # The notice: exactly the confirmed locations, each fork on its own, URLs with lines.
        browser.get(f"{url}/notice")
        text = browser.find_element(By.ID, "notice").text
        shot(browser, "notice.png")
        exported = httpx.get(f"{url}/notice.md").text
    assert exported.strip() == text.strip()
    expected: set[str] = set()
    with ResultsDB(results) as db:
        for _, candidate in db.flagged():
            for pair in candidate["files"]:
                if candidate["target"].startswith(tuple(f"github:{o}/" for o in LEAKY)) and (
                    pair["candidate_path"] == TAX
                ):
                    expected.update(f["link"] for f in pair["fragments"])
    assert len(expected) >= 3 and all(re.search(r"#L\d+(-L\d+)?$", link) for link in expected)
    urls = set(re.findall(r"https://github\.com/[^\s>]+", text))
    assert urls == expected
    for owner in LEAKY:
        assert f"`github:{owner}/pay-sdk@main`" in text
    assert text.count("It was checked individually") == len(LEAKY)
    assert text.count(f"`{TAX}`, lines ") == len(LEAKY)
    assert EXPORT not in text and LOOKALIKE not in text
    assert "representative" not in text.lower()
    for field in ("[NAME]", "[ADDRESS]", "[TELEPHONE]", "[EMAIL]", "[SIGNATURE]"):
        assert field in text
    assert "good faith belief" in text and "penalty of perjury" in text


def test_hostile_names_run_nothing_in_the_browser(browser, results):  # noqa: F811
    """A candidate whose name and text hold markup and script: the page shows them as text,
    and nothing runs (the title stays, no alert opens)."""
    import copy

    with ResultsDB(results) as db:
        run, first = next((r, c) for r, c in db.flagged() if "user1/" in c["target"])
        hostile = copy.deepcopy(first)
        hostile.pop("review")
        hostile["target"] = HOSTILE
        for pair in hostile["files"]:
            for fragment in pair["fragments"]:
                fragment["link"] = "javascript:document.title='link ran'"
        excerpts = {p["candidate_path"]: (p["candidate_sha256"],
                                          "<img src=x onerror=\"document.title='img ran'\">\n")
                    for p in hostile["files"]}  # fmt: skip
        db.add_candidate(run, hostile, excerpts)
    with serving(ServeConfig(results, "ana")) as url:
        browser.get(f"{url}/?state=all")
        title = browser.title
        link = next(a for a in browser.find_elements(By.CSS_SELECTOR, "#queue a.target")
                    if a.text.startswith("<img"))  # fmt: skip
        assert link.text == HOSTILE  # shown as the text it is
        submitted(browser, link.click)
        browser.execute_script("return new Promise(function (done) { setTimeout(done, 300); });")
        assert browser.title.endswith("leaktrace review") and "ran" not in browser.title
        assert browser.find_element(By.ID, "target").text == HOSTILE
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, a[href^='javascript']")
        assert title  # the queue had a title of its own
        # Markup that got in anyway would run nothing: the policy allows no inline script.
        assert_injected_markup_runs_nothing(browser)
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys("n")  # the page's own script still runs
        assert browser.find_elements(By.CSS_SELECTOR, "section[data-copy].current")


def test_a_file_named_with_a_newline_or_nul_can_be_decided_in_the_browser(browser, results):  # noqa: F811
    """A browser sends a form's newlines as CRLF and a NUL as U+FFFD (HTML's form encoding):
    a leaked file whose name holds them could not be decided in the workspace (400, "no
    matched file"), a way for its publisher to keep it out of a notice. The form sends each
    name percent-encoded."""
    import copy

    odd = "internal/ex\nport\r\0.go"
    with ResultsDB(results) as db:
        run, first = next((r, c) for r, c in db.flagged() if "user1/" in c["target"])
        hostile = copy.deepcopy(first)
        hostile.pop("review")
        hostile["target"] = "github:odd/pay-sdk@main"
        for pair in hostile["files"]:
            if pair["candidate_path"] == EXPORT:
                pair["candidate_path"] = odd
        db.add_candidate(run, hostile, {})
    with serving(ServeConfig(results, "ana")) as url:
        open_candidate(browser, url, "odd")
        decide_copy(browser, "ex\\nport\\r\\x00.go", "confirm", "verbatim, whatever its name")
        assert "no matched file" not in browser.page_source
        assert copy_states(browser)["internal/ex\\nport\\r\\x00.go"] == "confirmed"
    with ResultsDB(results) as db:
        assert db.candidate(run, hostile["target"])["review"]["confirmed"] == [odd]
