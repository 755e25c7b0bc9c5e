"""The entry point starts the parser's zygote first only for a command that parses here."""

from __future__ import annotations

import pytest

from scanner.launch import parses_here


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fingerprint", "src", "--store", "s.db"], True),
        (["fingerprint", "src", "--store", "s.db", "--scheduler", "tcp://h:1"], False),
        (["scan", "x", "--store", "s.db", "--jobs", "1"], True),
        (["scan", "x", "--store", "s.db", "-j1"], True),
        (["scan", "x", "--store", "s.db", "--jobs=1"], True),
        (["scan", "x", "--store", "s.db", "--jobs", "2"], False),
        (["scan", "x", "--store", "s.db", "--jobs", "many"], False),
        (["guard", "dist", "--store", "s.db"], True),
        (["version"], False),
        (["--help"], False),
        ([], False),
    ],
)
def test_which_command_lines_parse_in_the_calling_process(args, expected):
    assert parses_here(args) is expected


def test_a_scan_on_every_core_of_a_one_core_machine_parses_here(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert parses_here(["scan", "x", "--store", "s.db"])
