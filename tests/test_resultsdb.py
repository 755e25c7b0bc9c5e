"""The results database: where else a matched content sits (``placements_elsewhere``), as each
candidate's latest run holds it."""

from __future__ import annotations

import json

from scanner.resultsdb import Placement, ResultsDB


def judged(db: ResultsDB, run: int, target: str, files: dict[str, str],
           verdict: str = "derivative") -> None:  # fmt: skip
    """Record ``target`` in ``run`` with these matched files (path -> content hash)."""
    db.add_candidate(run, {"target": target, "verdict": verdict,
                           "files": [{"candidate_path": path, "candidate_sha256": sha}
                                     for path, sha in files.items()]}, {})  # fmt: skip


def test_a_place_the_latest_run_no_longer_holds_is_not_elsewhere(tmp_path):
    with ResultsDB(tmp_path / "results.db", create=True) as db:
        first = db.start_run({})
        judged(db, first, "github:acme/leak", {"a.py": "aaa"})
        judged(db, first, "github:fork1/leak", {"a.py": "aaa", "b.py": "bbb"})
        judged(db, first, "github:fork2/leak", {"x/a.py": "aaa", "y/a.py": "aaa"})
        second = db.start_run({})  # fork1 changed: a.py is gone, b.py moved; fork2 not rescanned
        judged(db, second, "github:fork1/leak", {"c.py": "bbb"})
        places = db.placements_elsewhere(["bbb", "aaa", "aaa"], "github:acme/leak")
        assert places == [
            Placement(second, "github:fork1/leak", "c.py"),
            Placement(first, "github:fork2/leak", "x/a.py"),
            Placement(first, "github:fork2/leak", "y/a.py"),
        ]  # not fork1's a.py nor b.py of the first run: its latest run holds neither
        assert db.placements_elsewhere(["aaa"], "github:fork2/leak") == [
            Placement(first, "github:acme/leak", "a.py")
        ]
        assert db.placements_elsewhere([], "github:acme/leak") == []


def test_a_place_stays_elsewhere_while_later_runs_could_not_read_its_candidate(tmp_path):
    """A run that could not read a candidate (a download that failed, an archive gone corrupt)
    holds none of its places: the last complete read's places still stand, or a decision on the
    content would reach them unnamed (``review --everywhere``)."""
    with ResultsDB(tmp_path / "results.db", create=True) as db:
        first = db.start_run({})
        judged(db, first, "x.tar.gz", {"leak.py": "aaa"})
        judged(db, first, "y", {"leak.py": "aaa"})
        for _ in range(2):
            judged(db, db.start_run({}), "x.tar.gz", {}, verdict="incomplete")
        assert db.placements_elsewhere(["aaa"], "y") == [Placement(first, "x.tar.gz", "leak.py")]
        judged(db, db.start_run({}), "x.tar.gz", {})  # read whole: the content went
        assert db.placements_elsewhere(["aaa"], "y") == []


def test_many_contents_are_asked_for_in_chunks(tmp_path):
    with ResultsDB(tmp_path / "results.db", create=True) as db:
        run = db.start_run({})
        judged(db, run, "npm:leak@1.0.0", {f"f{n}.py": f"{n:064x}" for n in range(1500)})
        places = db.placements_elsewhere([f"{n:064x}" for n in range(1500)], "other")
        assert sorted(p.path for p in places) == sorted(f"f{n}.py" for n in range(1500))


def test_a_candidate_reads_back_as_recorded_whoever_writes_its_text(tmp_path):
    """A candidate's text is orjson's where it can write it, ``json.dumps``'s where it cannot
    (a key that is not a string, an integer beyond 64 bits, a lone surrogate): read back by
    another connection, each is the tree that was recorded (as JSON reads it), stored as text."""
    path = tmp_path / "results.db"
    files = [
        {
            "candidate_path": "sr\u00e7/\u65e5\u672c.py",
            "candidate_sha256": "a" * 64,
            "containment": 0.1234,
            "fragments": [{"fingerprint_hashes": ["00ff" * 4]}],
        }
    ]
    candidates = [
        {"target": "plain", "verdict": "derivative", "score": 1e-05, "files": files},
        {"target": "int key", "verdict": "clear", "counts": {1: 2}, "files": []},
        {"target": "big int", "verdict": "clear", "tokens": 1 << 70, "files": []},
        {"target": "surrogate", "verdict": "clear", "reasons": ["bad \udc80 name"], "files": []},
    ]
    with ResultsDB(path, create=True) as db:
        run = db.start_run({})
        for candidate in candidates:
            db.add_candidate(run, candidate, {})
    with ResultsDB(path) as db:
        report = db.report(run)
        kinds = db._db.execute("SELECT DISTINCT typeof(data) FROM candidates").fetchall()
    assert kinds == [("text",)]
    read = [{k: v for k, v in c.items() if k != "review"} for c in report["candidates"]]
    assert read == [json.loads(json.dumps(c)) for c in candidates]
