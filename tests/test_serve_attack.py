"""Attacks on the review workspace, the review command and the reports, by a stranger who
publishes what leaktrace reads and by a web page the analyst visits while ``serve`` runs. Each
test here failed before its fix; the attacks that held are listed in the report of the branch
that added them and have their tests in ``test_serve.py`` and ``test_hostile_names.py``."""

from __future__ import annotations

import httpx

from scanner.resultsdb import ResultsDB
from scanner.serve import ServeConfig
from tests.test_serve import LEAKY, csrf_of, results, scanned, serving, target_of

__all__ = ["results", "scanned"]  # the fixtures, shared with test_serve.py


def _states(path) -> dict[str, dict]:
    with ResultsDB(path) as db:
        return {c["target"].split("/")[0].removeprefix("github:"): c["review"]
                for _, c in db.flagged()}  # fmt: skip


def test_dismissing_one_candidate_in_the_workspace_leaves_the_same_leak_elsewhere(results):
    """A hostile fork holding a real leaked file beside look-alike code: the analyst dismisses
    it (as a whole, or that file) for a reason about that place ("our own mirror", "an
    independent implementation"). The other forks holding the same leak stay awaiting: a
    dismissal never spreads silently. A confirmation still covers every copy."""
    run, hostile = target_of(results, "user3")
    first_run, first = target_of(results, "user1")
    with serving(ServeConfig(results, "ana")) as url, httpx.Client(base_url=url) as client:
        page = client.get("/candidate", params={"run": run, "target": hostile["target"]}).text
        token = csrf_of(page)

        def decide(run: int, target: str, action: str, reason: str, *files: str) -> None:
            fields = {"csrf": token, "run": str(run), "target": target, "action": action,
                      "reason": reason, "files": list(files)}  # fmt: skip
            assert client.post("/decide", data=fields).status_code == 303

        decide(run, hostile["target"], "dismiss", "our own mirror")  # the whole candidate
        states = _states(results)
        assert len(states["user3"]["dismissed"]) == 2 and states["user3"]["awaiting"] == []
        for owner in set(LEAKY) - {"user3"}:
            assert states[owner]["dismissed"] == [], owner
            assert len(states[owner]["awaiting"]) == 2, owner
        decide(run, hostile["target"], "dismiss", "independent", "internal/export.go")
        assert all(_states(results)[o]["dismissed"] == [] for o in set(LEAKY) - {"user3"})
        decide(first_run, first["target"], "confirm", "verbatim", "internal/export.go")
        states = _states(results)
        assert "internal/export.go" in states["user4"]["confirmed"]  # confirmations spread
        # a confirmation taken later elsewhere does not overturn the dismissal taken here
        assert "internal/export.go" in states["user3"]["dismissed"]
