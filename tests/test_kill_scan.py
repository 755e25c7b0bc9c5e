"""kill -9 during ``scan`` (issue 11), the short version of ``tests/benchmarks/kill_scan.py``
(which runs 20 trials at random moments): one scan killed as soon as its first verdict is
recorded, one killed while it starts. Each time the results database opens, ``report latest``
reads it, nothing of the killed scan is left running, and the same command resumes to the
verdicts of an uninterrupted run."""

from __future__ import annotations

from tests.benchmarks.kill_scan import Bench


def test_a_scan_killed_mid_run_resumes_to_the_same_verdicts(tmp_path):
    bench = Bench(tmp_path, jobs=1, most=3)
    expected, _ = bench.reference()
    assert sorted(expected.values()) == ["derivative"] * 3
    first = bench.trial(1, 0.0, expected, after_judged=1)
    assert not first.problems, first.line()
    judged_all = f"{len(expected)} candidate(s) judged" in first.killed_at
    if not first.killed_at.startswith("finished") and not judged_all:
        # killed with a verdict or two recorded (on a fast machine the kill may land only once
        # every verdict is in and the run is done: then the re-run is rightly a new run)
        assert first.resumed.startswith("resumed"), first.line()
    early = bench.trial(2, 0.3, expected)
    assert not early.problems, early.line()


def test_pool_workers_die_with_a_killed_scan(tmp_path):
    """With --jobs 2 the forked workers hold each other's pipe ends; they must not outlive a
    scan killed with -9 (check_orphans looks for any process of the killed scan)."""
    bench = Bench(tmp_path, jobs=2, most=3)
    expected, _ = bench.reference()
    trial = bench.trial(1, 0.0, expected, after_judged=1)
    assert not trial.problems, trial.line()
