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


def _names(app) -> list[str]:
    from typer.main import get_command_name

    return [
        info.name or get_command_name(info.callback.__name__) for info in app.registered_commands
    ]


def test_a_command_line_builds_only_its_command():
    import typer.main

    from scanner.cli import _app_for, app

    assert _app_for([]) is app and _app_for(["--help"]) is app and _app_for(["nosuch"]) is app
    for name in _names(app):
        only = typer.main.get_command(_app_for([name, "--store", "s.db"]))
        assert list(only.commands) == [name]


def test_each_command_behaves_the_same_built_alone():
    """Help, usage errors and their exit codes of every command: the same from the one-command
    app as from the whole one."""
    from typer.testing import CliRunner

    from scanner.cli import _app_for, app

    runner = CliRunner()
    for name in _names(app):
        for args in ([name, "--help"], [name, "--no-such-option"]):
            alone = runner.invoke(_app_for(args), args, prog_name="leaktrace")
            whole = runner.invoke(app, args, prog_name="leaktrace")
            assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), args
            assert f"leaktrace {name}" in alone.output, args


def test_every_command_lives_in_a_module_of_its_own():
    """``scanner/cli.py`` only registers commands: each one's function is in a module under
    ``scanner/commands/`` that holds no other command ('reference' is 'background' again)."""
    import inspect

    from scanner.cli import app

    homes: dict[str, set[str]] = {}
    for info in app.registered_commands:
        module = inspect.unwrap(info.callback).__module__
        homes.setdefault(module, set()).add(inspect.unwrap(info.callback).__name__)
    assert all(module.startswith("scanner.commands.") for module in homes), sorted(homes)
    assert all(len(names) == 1 for names in homes.values()), homes
    assert len(homes) == len(app.registered_commands) - 1  # 'reference'


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [(["version"], 0, "leaktrace"), (["scan", "--no-such-option"], 2, "No such option")],
)
def test_the_exit_leaves_the_objects_to_the_process_end_and_keeps_output_and_code(args, code, said):
    """The entry point freezes the objects there are when the command ends (the exit's
    collections need not walk them): its output and exit code are the command's."""
    import subprocess
    import sys

    script = ("import atexit, gc, sys\n"
              "atexit.register(lambda: print('FROZEN', gc.get_freeze_count() > 0,\n"
              "                              file=sys.stderr))\n"
              f"sys.argv = ['leaktrace', *{args!r}]\n"
              "from scanner.launch import main\nmain()")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == code, done.stderr[-2000:]
    assert said in done.stdout + done.stderr and "FROZEN True" in done.stderr


def test_a_command_line_imports_only_its_command_module():
    """Building the app of ``leaktrace scan ...`` imports scan's command module, none of the
    other commands' (about 7 ms before a scan forked its workers, or before a fingerprint run
    sent its first file)."""
    from tests.conftest import loaded_modules

    setup = "from scanner.cli import _app_for\n_app_for(['scan', 'x', '--store', 's.db'])"
    others = ("watch", "serve", "demo", "inventory", "fingerprint", "guard", "scan")
    loaded = loaded_modules(setup, "scanner.commands.")
    assert [m for m in loaded if m.rsplit(".", 1)[1] in others] == ["scanner.commands.scan"]
