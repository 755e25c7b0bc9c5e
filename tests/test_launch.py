"""The entry point starts the parser's zygote first only for a command that parses here."""

from __future__ import annotations

import pytest

from scanner.launch import parses_here


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fingerprint", "src", "--store", "s.db"], True),
        (["fingerprint", "src", "--store", "s.db", "--scheduler", "tcp://h:1"], False),
        (["scan", "x", "--store", "s.db", "--jobs", "2"], True),
        (["scan", "--help"], False),
        (["guard", "dist", "--store", "s.db"], True),
        (["version"], False),
        (["--help"], False),
        (["inventory", "--store", "s.db"], False),
        ([], False),
    ],
)
def test_which_command_lines_parse_on_this_machine(args, expected):
    assert parses_here(args) is expected
