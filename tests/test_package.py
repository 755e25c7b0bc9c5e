"""The public face of each package, and the one-way dependency between them."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fingerprints
import scanner
import scanner.sources


@pytest.mark.parametrize("module", [fingerprints, scanner, scanner.sources])
def test_all_is_sorted_and_complete(module):
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_fingerprints_never_needs_scanner_network_or_cli():
    code = (
        "import sys\n"
        "for name in ('scanner', 'httpx', 'typer', 'rich', 'requests', 'urllib3'):\n"
        "    sys.modules[name] = None\n"
        "import fingerprints, fingerprints.tree, fingerprints.store\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_scanner_uses_only_the_public_names_of_fingerprints():
    import re
    from pathlib import Path

    root = Path(scanner.__file__).parent
    private = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in root.rglob("*.py")
        for line in path.read_text().splitlines()
        if re.match(r"\s*(from fingerprints\.\w+ import|import fingerprints\.)", line)
    ]
    assert private == []


@pytest.mark.parametrize("module", [fingerprints, scanner, scanner.sources])
def test_every_public_name_has_a_lazy_home(module):
    assert sorted(module._HOME) == sorted(set(module.__all__) - {"__version__"})


def _imported_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('MODULES', *sorted(sys.modules), file=sys.stderr)\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert "MODULES" in done.stderr, done.stderr[-2000:]  # the code ran to its end
    return set(done.stderr.rpartition("MODULES")[2].split())


HEAVY = {"numpy", "scipy", "datasketch", "httpx", "rich", "tree_sitter", "pydantic",
         "starlette", "uvicorn", "jinja2"}  # fmt: skip


def test_version_and_help_import_nothing_heavy():
    for argv in (
        ["leaktrace", "version"],
        ["leaktrace", "--help"],
        ["leaktrace", "scan", "--help"],
        ["leaktrace", "background", "--help"],
        ["leaktrace", "inventory", "--help"],
        ["leaktrace", "serve", "--help"],
    ):
        code = (f"sys.argv = {argv!r}\nfrom scanner.cli import main\n"
                "try:\n    main()\nexcept SystemExit:\n    pass")  # fmt: skip
        assert not HEAVY & _imported_after(code), argv


def test_fingerprints_and_the_store_need_no_datasketch():
    loaded = _imported_after("import fingerprints\nfingerprints.open_store\nfingerprints.analyze")
    assert not {"datasketch", "scipy"} & loaded
    assert "datasketch" in _imported_after("import fingerprints\nfingerprints.minhash(__import__("
                                           "'numpy').zeros(3, 'u8'), 16, 1)")  # fmt: skip
    # Fingerprinting writes signatures without datasketch (fingerprints.signature_bytes).
    fingerprinted = _imported_after("import fingerprints\nfingerprints.fingerprint_file('a.py', "
                                    "b'def f(x):\\n    return x + 1\\n', 'python', "
                                    "fingerprints.FingerprintParams())")  # fmt: skip
    assert "tree_sitter" in fingerprinted and not {"datasketch", "scipy"} & fingerprinted


def test_the_config_needs_no_fingerprinting_modules():
    """``fingerprint`` reads its limits, then starts its parsers: before numpy and the
    fingerprinting modules are imported, not after."""
    loaded = _imported_after("import scanner.config\nscanner.config.load_limits()")
    assert not {"numpy", "tree_sitter", "fingerprints.fingerprinter"} & loaded
    from scanner.sources.base import CandidateFile

    assert CandidateFile is fingerprints.SourceFile


def test_fingerprint_starts_its_parsers_and_sends_its_first_file_before_importing_numpy(tmp_path):
    """The parser processes are asked for before the store is opened, and the first file is
    sent to them before numpy and tree-sitter are imported (0.05 s of CPU) on this process's
    main thread: a thread started with the first file imports them while this process waits
    for its parsers to be ready and for their answers."""
    (tmp_path / "src").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "src" / name).write_text(f"def {name[0]}(x):\n    return x + 1\n")
    argv = ["leaktrace", "fingerprint", str(tmp_path / "src"), "--store", str(tmp_path / "s.db")]
    code = (f"sys.argv = {argv!r}\nimport fingerprints\nfrom fingerprints import isolation\n"
            "def loaded():\n    return sorted({'numpy', 'tree_sitter'} & set(sys.modules))\n"
            "real, submit = fingerprints.start_parser, isolation.IsolatedParser.submit\n"
            "def start(*args):\n"
            "    print('STARTED', loaded(), file=sys.stderr)\n"
            "    return real(*args)\n"
            "def send(self, call, args, size=None):\n"
            "    print('SENT', args[0], loaded(), file=sys.stderr)\n"
            "    return submit(self, call, args, size)\n"
            "fingerprints.start_parser, isolation.IsolatedParser.submit = start, send\n"
            "import scanner.lazy\n"
            "scanner.lazy.prefetch = lambda *names: print('PREFETCH', *names, file=sys.stderr)\n"
            "from scanner.launch import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", f"import sys\n{code}"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    said = [line for line in done.stderr.splitlines()
            if line.startswith(("STARTED", "SENT", "PREFETCH"))]  # fmt: skip
    # what it needs next is imported on a thread from the first file on, not at its answer
    assert said[:3] == ["STARTED []", "PREFETCH numpy scanner.index", "SENT a.py []"], said
    assert said[3].startswith("SENT b.py")
    assert (tmp_path / "s.db").is_file() and len(said) == 4


def test_prefetch_imports_on_a_thread_and_leaves_a_failure_to_the_importer(tmp_path, monkeypatch):
    from scanner.lazy import prefetch

    (tmp_path / "prefetched_fine.py").write_text("VALUE = 1\n")
    (tmp_path / "prefetched_broken.py").write_text("raise RuntimeError('broken module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = prefetch("prefetched_broken", "prefetched_fine")
    thread.join(30)
    assert not thread.is_alive() and sys.modules["prefetched_fine"].VALUE == 1
    with pytest.raises(RuntimeError, match="broken module"):
        import prefetched_broken  # noqa: F401
