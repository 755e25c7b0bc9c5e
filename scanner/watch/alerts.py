"""Alerts: what a finding says to a webhook, and the outbox that delivers it.

Every alert is first written to the outbox in the results database, in the transaction that
records its finding (``WatchState.commit``). A delivery thread then POSTs each due alert; an
answer of 2xx marks it delivered, anything else (the webhook down, a timeout, 5xx, 429) leaves it
in the outbox for a later attempt, after an exponential backoff (1 s doubling to 5 minutes, with
jitter) or the ``Retry-After`` the webhook asked for. An alert is never dropped: a restarted
watch delivers what an earlier one could not. Delivery is at least once (killed between the POST
and marking it delivered, an alert is sent again); each alert carries a stable ``id`` so a
receiver can tell.

The webhook URL is a secret (a Slack webhook's path is its key): it is never printed, only its
origin, and like a token it may go only over HTTPS (or to a loopback host).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fingerprints import printable
from scanner.errors import ConfigError
from scanner.http import FetchError, Http, is_loopback, origin
from scanner.resultsdb import ResultsDB
from scanner.watch.state import WatchState, alert_destination

FORMATS = ("json", "slack")
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 300.0
RESTART_SECONDS = 1.0
"""The pause before delivery starts again after an unexpected error."""


def check_webhook(url: str) -> str:
    """The webhook's origin as shown (``https://hooks.example``); a ``ConfigError`` for a URL
    that is not http(s), or plain HTTP to a host that is not loopback (it would travel in
    clear)."""
    bound = origin(url)
    if bound is None or bound[0] not in ("https", "http"):
        raise ConfigError("--webhook", "not an http(s) URL")  # the URL itself is not shown
    scheme, host, port = bound
    shown = f"{scheme}://{host}:{port}"
    if scheme != "https" and not is_loopback(host):
        raise ConfigError("--webhook", f"{shown} is plain HTTP; a webhook URL is a secret and "
                                       "only goes over HTTPS (or to a loopback host)")  # fmt: skip
    return shown


def alert_payload(candidate: dict[str, Any], feed: str, seen: float,
                  alert_id: str) -> dict[str, Any]:  # fmt: skip
    """The JSON alert: what was found where, and the evidence in short (no private source: the
    store has none, and excerpts stay in the results database)."""
    return {
        "id": alert_id,
        "tool": "leaktrace watch",
        "feed": feed,
        "target": candidate["target"],
        "verdict": candidate["verdict"],
        "revision": candidate.get("revision"),
        "matched_tokens": candidate.get("matched_tokens"),
        "score": candidate.get("score"),
        "reasons": candidate.get("reasons", [])[:5],
        "files": [
            {
                "candidate_path": f.get("candidate_path"),
                "private_path": f.get("private_path"),
                "private_repo": f.get("private_repo"),
                "tokens": f.get("matched_tokens"),
            }
            for f in candidate.get("files", [])[:20]
        ],
        "seen_at": seen,
        "found_at": time.time(),
    }


SLACK_BACKTICK = "\u02cb"
"""What a backtick in a name is shown as (MODIFIER LETTER GRAVE ACCENT): mrkdwn has no escape
for a backtick, and one would end the code span a name is shown in (or open one)."""


_SLACK_CHARS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": SLACK_BACKTICK}
SLACK_NAME_MAX = 400
"""The most characters a name takes in a Slack message, escapes counted (longer: cut, with
``…``). Slack refuses (HTTP 400) a section whose text is over 3,000 characters, and an alert it
refuses is never delivered: the target and five file names at most 400 each, with the sentence
around them, stay well under it, whatever names a stranger chose."""


def _slack_escape(text: str, limit: int = SLACK_NAME_MAX) -> str:
    """Text for Slack's mrkdwn: control characters shown escaped, ``&``, ``<``, ``>`` escaped as
    Slack asks (so a name cannot make a link or a mention), a backtick shown as
    ``SLACK_BACKTICK`` (so a name cannot end its code span), and at most ``limit`` characters
    (cut between escapes, never inside one)."""
    pieces = [_SLACK_CHARS.get(char, char) for char in printable(text)]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept, used = [], 1  # the "…"
    for piece in pieces:
        if used + len(piece) > limit:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + "…"


def render(payload: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(payload, ensure_ascii=True).encode()
    paths = dict.fromkeys(str(f["candidate_path"]) for f in payload["files"])  # one per path,
    # not one per private file it matched
    files = ", ".join(f"`{_slack_escape(path)}`" for path in list(paths)[:5])
    text = (f"leaktrace: *{payload['verdict']}* in `{_slack_escape(payload['target'])}` "
            f"({payload['feed']}): {payload['matched_tokens']:,} private tokens"
            + (f" in {files}" if files else ""))  # fmt: skip
    return json.dumps({"text": text, "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn",
                                          "text": f"alert {_slack_escape(payload['id'])}"}]},
    ]}).encode()  # fmt: skip


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones."""
    if retry_after is not None and math.isfinite(retry_after):
        return min(max(retry_after, 0.0), 3600.0)
    base = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(0, attempts - 1))
    return base * (0.5 + random.random() / 2)


class Outbox:
    """Delivers the outbox on a thread of its own, with its own connection."""

    def __init__(self, results_path: Path, http: Http, url: str, fmt: str,
                 say: Callable[[str], None]) -> None:  # fmt: skip
        self.results_path = results_path
        self.http = http
        self.url = url
        self.fmt = fmt
        self.say = say
        self.shown = check_webhook(url)
        self.destination = alert_destination(url, fmt)  # only this webhook's alerts
        self.delivered = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        """A new alert was committed: try now."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        """Deliver until stopped. Whatever goes wrong (a bug, a database error, an exception
        from a library) is one line and a pause, then delivery goes on from the outbox, which
        still holds every undelivered alert: the thread never dies of it."""
        failing: str | None = None  # the error last said, so a lasting one is said once
        while not self._stop.is_set():
            try:
                with ResultsDB(self.results_path) as results:
                    self._deliver(WatchState(results, destination=self.destination))
                return
            except Exception as exc:  # the thread must outlive any error
                text = _hide(f"{type(exc).__name__}: {exc}", self.url, self.shown)
                if text != failing:
                    self.say(f"webhook {self.shown}: delivery failed ({text}); "
                             "the alerts stay in the outbox, retried in "
                             f"{RESTART_SECONDS:g} s")  # fmt: skip
                    failing = text
                self._stop.wait(RESTART_SECONDS)

    def _deliver(self, state: WatchState) -> None:
        down = False
        while not self._stop.is_set():
            for alert in state.due():
                if self._stop.is_set():
                    return
                error, retry_after = self._send(alert.payload)
                if error is None:
                    state.delivered(alert.id)
                    self.delivered += 1
                    if down:
                        self.say(f"webhook {self.shown}: delivering again")
                        down = False
                    continue
                wait = backoff(alert.attempts + 1, retry_after)
                state.failed(alert.id, error, time.time() + wait)
                if not down:
                    self.say(f"webhook {self.shown}: {error}; {state.pending()} alert(s) "
                             f"kept in the outbox, retried with backoff")  # fmt: skip
                    down = True
                break  # the webhook is down: do not hammer it with the rest
            upcoming = state.next_due()
            wait = 1.0 if upcoming is None else min(1.0, max(0.0, upcoming - time.time()))
            self._wake.wait(wait)
            self._wake.clear()

    def _send(self, payload: dict[str, Any]) -> tuple[str | None, float | None]:
        """(None, None) when the webhook took it, else (what went wrong, Retry-After). Any
        error sending this one alert (one the payload cannot be rendered from included) is a
        failed attempt of this alert, retried with backoff like a webhook that is down."""
        try:
            response = self.http.post(self.url, render(payload, self.fmt), retry=False,
                                      headers={"Content-Type": "application/json"},
                                      kind="webhook")  # fmt: skip
        except FetchError as exc:
            return _hide(str(exc), self.url, self.shown), None
        except Exception as exc:  # one alert's error must not stop the rest
            return _hide(f"{type(exc).__name__}: {exc}", self.url, self.shown), None
        if 200 <= response.status_code < 300:
            return None, None
        retry_after = response.headers.get("retry-after")
        try:
            seconds = float(retry_after) if retry_after else None
        except ValueError:
            seconds = None
        if seconds is not None and not math.isfinite(seconds):  # "nan" would store no due time
            seconds = None
        return f"HTTP {response.status_code}", seconds


def _hide(message: str, url: str, shown: str) -> str:
    """A message with the webhook's URL (its secret path) replaced by its origin."""
    return message.replace(url, shown)
