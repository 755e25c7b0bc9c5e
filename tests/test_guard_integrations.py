"""The integrations in the repository, run: the GitHub Action's steps (``action.yml``) in a shell
as the runner would run them, and the pre-commit hook (``.pre-commit-hooks.yaml``), validated by
pre-commit itself and its entry run on the files it would be given."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import REPO, write_tree
from tests.test_guard import SOURCES, WEB, build_package, source_map
from tests.test_guard import store as store  # the module's fixture: a store from the samples

BIN = str(Path(sys.executable).parent)
_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


class ActionRun:
    """action.yml's steps, run in order the way a runner does: each ``run:`` in bash (``-e``,
    ``pipefail``) with ``${{ ... }}`` substituted, its ``env:``, ``GITHUB_OUTPUT`` read back into
    ``steps.ID.outputs``; a ``uses:`` step is recorded with its ``with:`` resolved."""

    def __init__(self, inputs: dict[str, str], workdir: Path, temp: Path) -> None:
        self.action = yaml.safe_load((REPO / "action.yml").read_text())
        declared = self.action["inputs"]
        missing = [n for n, spec in declared.items() if spec.get("required") and n not in inputs]
        assert not missing and set(inputs) <= set(declared)
        self.inputs = {n: str(spec.get("default", "")) for n, spec in declared.items()} | inputs
        self.workdir, self.temp = workdir, temp
        self.outputs: dict[str, dict[str, str]] = {}
        self.used: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.logs: list[str] = []
        self.failed: tuple[str, int] | None = None

    def value(self, expression: str) -> str:
        if expression.startswith("inputs."):
            return self.inputs[expression.removeprefix("inputs.")]
        if match := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return self.outputs.get(match[1], {}).get(match[2], "")
        if expression == "github.action_path":
            return str(REPO)
        raise AssertionError(f"an expression the test runner does not know: {expression}")

    def substitute(self, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self.value(m[1]), text)

    def run(self) -> ActionRun:
        assert self.action["runs"]["using"] == "composite"
        for number, step in enumerate(self.action["runs"]["steps"]):
            if "uses" in step:
                with_ = {k: self.substitute(str(v)) for k, v in step.get("with", {}).items()}
                self.used.append((step, with_))
                continue
            if self.failed:
                break  # later run steps are skipped after a failure (no `if: always()`)
            assert step["shell"] == "bash"
            output = self.temp / f"github-output-{number}"
            output.touch()
            step_env = {k: self.substitute(str(v)) for k, v in step.get("env", {}).items()}
            env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                   "GITHUB_ACTION_PATH": str(REPO), "GITHUB_OUTPUT": str(output),
                   "RUNNER_TEMP": str(self.temp), **step_env}  # fmt: skip
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                 self.substitute(step["run"])],
                cwd=self.workdir, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            self.logs.append(done.stdout + done.stderr)
            if "id" in step:
                lines = output.read_text().splitlines()
                self.outputs[step["id"]] = dict(line.split("=", 1) for line in lines if "=" in line)
            if done.returncode:
                self.failed = (step["name"], done.returncode)
        return self

    def upload(self) -> dict[str, str]:
        (step, with_), *_ = [u for u in self.used if "upload-sarif" in u[0]["uses"]]
        assert step["uses"].startswith("github/codeql-action/upload-sarif@")
        assert step["if"].startswith("always()")  # uploaded even when guard found something
        return with_


def sarif_schema() -> jsonschema.protocols.Validator:
    schema = json.loads((REPO / "tests/schemas/sarif-2.1.0-rtm.5.json").read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def test_the_action_fails_a_leaky_release_after_uploading_its_sarif(tmp_path, store):
    build_package(tmp_path / "repo/packages/ui", files=["dist/"])
    run = ActionRun({"path": "packages/ui", "store": str(store)}, tmp_path / "repo", tmp_path)
    run.run()
    assert "using the installed leaktrace" in run.logs[0]
    assert run.outputs["guard"] == {"exit-code": "1"}
    assert "FAIL embedded-sources" in run.logs[1] and "FAIL private-code" in run.logs[1]
    assert run.failed == ("Fail on findings", 1)
    upload = run.upload()
    assert upload["sarif_file"] == "leaktrace-guard.sarif"
    sarif = json.loads((tmp_path / "repo" / upload["sarif_file"]).read_text())
    sarif_schema().validate(sarif)
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert rules == {"leaktrace/private-code", "leaktrace/embedded-sources"}
    setup = next(step for step, _ in run.used if step["uses"].startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"


def test_the_action_passes_a_clean_release_and_works_without_a_store(tmp_path, store):
    clean = build_package(tmp_path / "repo/ui", files=["dist/**/*.js"])
    run = ActionRun({"path": "ui", "store": str(store)}, tmp_path / "repo", tmp_path).run()
    assert run.failed is None and run.outputs["guard"] == {"exit-code": "0"}
    (clean / "dist/app.min.js.map").unlink()
    leaky = build_package(tmp_path / "repo/other", files=["dist/"])
    run = ActionRun({"path": "ui\nother\n", "sarif": "out/guard.sarif", "upload-sarif": "false"},
                    tmp_path / "repo", tmp_path)  # fmt: skip
    (tmp_path / "repo/out").mkdir()
    run.run()
    assert run.outputs["guard"] == {"exit-code": "1"}, run.logs
    assert "FAIL embedded-sources      other:dist/app.min.js.map" in run.logs[1]
    assert run.upload()["sarif_file"] == "out/guard.sarif"
    assert (tmp_path / "repo/out/guard.sarif").is_file()
    assert leaky.is_dir()


def test_the_actions_path_is_a_path_or_a_glob_a_line_and_never_run(tmp_path, store):
    """``path``: one per line, a path with its spaces or a glob (``dist/*.whl``, as in the
    README's GitLab snippet), expanded by the step; ``read -r -a`` split on spaces and expanded
    nothing (``dist/*.whl: no such file or folder``, exit 2). What the input holds is never run
    (command substitutions, backquotes), and a line starting with ``-`` is no option."""
    private = (REPO / "samples/private/acme-ledger/acme_ledger/reconciliation.py").read_text()
    repo = write_tree(tmp_path / "repo", {"my pkg/ledger.py": private, "notes.txt": "x\n"})
    (repo / "dist").mkdir()
    for name in ["acme-1.0-py3-none-any.whl", "acme_cli-1.0-py3-none-any.whl"]:
        with zipfile.ZipFile(repo / "dist" / name, "w") as wheel:
            wheel.writestr("acme/ledger.py", private)
    path = "dist/*.whl\n  my pkg  \r\n\n**/*.txt\n"
    run = ActionRun({"path": path, "store": str(store), "upload-sarif": "false"}, repo, tmp_path)
    run.run()
    assert run.outputs["guard"] == {"exit-code": "1"}, run.logs
    for artifact in ["dist/acme-1.0-py3-none-any.whl", "dist/acme_cli-1.0-py3-none-any.whl",
                     "my pkg"]:  # fmt: skip
        assert f"FAIL private-code          {artifact}: derivative" in run.logs[1], run.logs
    assert "notes.txt: 0 source file(s) read" in run.logs[1]
    assert "in 4 artifact(s)" in run.logs[1]
    hostile = "$(touch pwned)\n`touch pwned`\n;touch pwned\n--help\n*.none\n"
    run = ActionRun({"path": hostile, "upload-sarif": "false"}, repo, tmp_path).run()
    assert run.outputs["guard"] == {"exit-code": "2"}, run.logs
    assert "leaktrace: $(touch pwned): no such file or folder" in run.logs[1]
    assert "Usage" not in run.logs[1] and not (repo / "pwned").exists()


def test_the_pre_commit_hook_is_valid_and_its_entry_runs(tmp_path):

    hook = hooks()["leaktrace-guard"]
    assert hook["pass_filenames"]
    repo = write_tree(tmp_path / "repo", {
        "web/dist/app.js": "export const a = 1;\n//# sourceMappingURL=app.js.map\n",
        "web/dist/app.js.map": source_map(["src/a.ts"], ["export const a = 1;\n"]),
        "web/src/a.ts": "export const a = 1;\n",
        "README.md": "# repo\n",
    })  # fmt: skip
    staged = ["README.md", "web/dist/app.js", "web/dist/app.js.map", "web/src/a.ts"]
    chosen = [f for f in staged if re.search(hook["files"], f)]
    assert chosen == ["README.md", "web/dist/app.js", "web/dist/app.js.map"]  # Markdown: fences
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}

    def entry(files: list[str]) -> subprocess.CompletedProcess[str]:
        argv = [*shlex.split(hook["entry"]), *hook["args"], *files]
        return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)

    done = entry(chosen)
    assert done.returncode == 1, done.stderr
    assert "FAIL embedded-sources      web/dist/app.js.map: embeds 1 source file(s)" in done.stdout
    # a map alone: where its package starts is not known, so ../src/a.ts is not "outside" it
    assert "private-paths" not in done.stdout
    done = entry(["web/dist/app.js"])
    assert done.returncode == 0, done.stdout + done.stderr


def hooks() -> dict[str, dict[str, Any]]:
    """``.pre-commit-hooks.yaml`` as pre-commit reads it (validated), by hook id."""
    from pre_commit.clientlib import load_manifest

    return {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}


def test_the_source_hook_stops_a_private_python_file_the_bundle_hook_is_not_given(tmp_path, store):
    """A published repository's commit adding a copy of a private ``.py``: the bundle hook is
    never given it (its ``files`` pattern); the source hook is (pre-commit's own ``identify``
    tags it ``text``) and its entry, with the store, fails ``private-code``."""
    from identify.identify import tags_from_path

    private = (REPO / "samples/private/acme-ledger/acme_ledger/reconciliation.py").read_text()
    repo = write_tree(tmp_path / "repo", {
        "sdk/ledger_tools.py": private,
        "sdk/hello.py": "def hello(name):\n    return f'hello {name}'\n",
        "README.md": "# sdk\n",
        ".gitignore": "ci/acme.db.index\n", "NOTICE": "Copyright Acme\n", "ci.yaml": "a: 1\n",
    })  # fmt: skip
    staged = [".gitignore", "NOTICE", "README.md", "ci.yaml", "sdk/hello.py", "sdk/ledger_tools.py"]
    found = hooks()
    bundles, source = found["leaktrace-guard"], found["leaktrace-guard-source"]
    assert [f for f in staged if re.search(bundles["files"], f)] == ["README.md"]  # its fences
    chosen = [f for f in staged if set(source["types"]) <= tags_from_path(str(repo / f))]
    assert chosen == staged
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}

    def entry(files: list[str]) -> subprocess.CompletedProcess[str]:
        argv = [*shlex.split(source["entry"]), *source["args"], "--store", str(store), *files]
        return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)

    done = entry(chosen)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL private-code" in done.stdout and "ledger_tools.py" in done.stdout
    done = entry([".gitignore", "NOTICE", "README.md", "ci.yaml", "sdk/hello.py"])
    assert done.returncode == 0, done.stdout + done.stderr


def given_by_pre_commit(hook: dict[str, Any], repo: Path, names: list[str]) -> list[str]:
    """The staged ``names`` pre-commit hands ``hook``, by its own filters (``files`` and
    ``exclude`` regexes, then ``identify``'s tags against ``types``), run in ``repo``."""
    from pre_commit.commands.run import Classifier, filter_by_include_exclude

    cwd = Path.cwd()
    os.chdir(repo)
    try:
        named = filter_by_include_exclude(names, hook["files"], hook["exclude"])
        return list(Classifier(names).by_types(
            named, hook["types"], hook["types_or"], hook["exclude_types"]
        ))  # fmt: skip
    finally:
        os.chdir(cwd)


def test_the_bundle_hook_is_given_every_carrier_guard_reads(tmp_path, store):
    """Every name guard opens as a carrier (the code's own lists) is given to the bundle hook,
    whatever its case; and real ones, each holding the private file or a map embedding it, are
    given and each fails (a ``.tar.xz``, ``.jar`` or ``numbers.py.gz`` was skipped)."""
    from fingerprints.embedded import MARKUP_SUFFIXES
    from scanner.sources.carriers import CARRIER_SUFFIXES, MARKDOWN_SUFFIXES

    hook = hooks()["leaktrace-guard"]
    read = {*CARRIER_SUFFIXES, *MARKUP_SUFFIXES, *MARKDOWN_SUFFIXES, ".css", ".js", ".mjs", ".cjs"}
    names = sorted(f"x{suffix}" for suffix in read) + sorted(f"X{s.upper()}" for s in read)
    write_tree(tmp_path / "names", dict.fromkeys(names, "x"))
    assert given_by_pre_commit(hook, tmp_path / "names", names) == names
    assert given_by_pre_commit(hook, tmp_path / "names", ["a.py", "NOTICE", "a.mapx"]) == []
    private = (REPO / "samples/private/acme-ledger/acme_ledger/reconciliation.py").read_bytes()
    themap = source_map(SOURCES, [(WEB / s).read_text() for s in SOURCES])
    inline = "sourceMappingURL=data:application/json;base64," + base64.b64encode(
        themap.encode()).decode()  # fmt: skip
    repo = write_tree(tmp_path / "repo", {
        "rel/numbers.py.gz": gzip.compress(private),
        "site/app.css": f"body{{margin:0}}\n/*# {inline} */\n",
        "site/index.html": f"<html><script>var a = 1;\n//# {inline}\n</script></html>\n",
    })  # fmt: skip
    for name, mode in [("leak.tar.xz", "w:xz"), ("leak.tar.bz2", "w:bz2")]:
        with tarfile.open(repo / "rel" / name, mode) as tar:
            tar.add(REPO / "samples/private/acme-ledger/acme_ledger", "leak")
    for name in ["leak.jar", "leak.egg"]:
        with zipfile.ZipFile(repo / "rel" / name, "w") as archive:
            archive.writestr("acme/reconciliation.py", private)
    staged = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
    assert given_by_pre_commit(hook, repo, staged) == staged
    argv = [*shlex.split(hook["entry"]), *hook["args"], "--store", str(store), *staged]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    failing = {line.split()[2].split(":")[0] for line in done.stdout.splitlines()
               if line.startswith("FAIL private-code")}  # fmt: skip
    assert failing == set(staged), done.stdout
    assert "FAIL embedded-sources      site/app.css:app.css!/inline-source-map" in done.stdout
    assert "FAIL embedded-sources      site/index.html:index.html!/script" in done.stdout


@pytest.mark.parametrize("name", ["action.yml", ".pre-commit-hooks.yaml"])
def test_the_integration_files_are_yaml(name):
    assert yaml.safe_load((REPO / name).read_text())


def readme_block(after: str, language: str) -> str:
    """The first ``language`` code block of the README after the line holding ``after``."""
    text = (REPO / "README.md").read_text()
    start = text.index(f"```{language}\n", text.index(after)) + len(language) + 4
    return text[start : text.index("```", start)]


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not on PATH")
def test_the_readme_npm_snippet_stops_a_leak_its_own_build_makes(tmp_path, store):
    """The README's scripts as they are, in a real ``npm pack``: the build (``prepack``) writes
    the map embedding the private sources, and the guard (``postpack``) runs after it, so it
    reads that map and stops with exit 1; with the maps left out by ``files``, the pack goes on.
    A guard in ``prepublishOnly`` ran before the build and passed the map (npm 11)."""
    snippet = json.loads("{" + readme_block("**npm** (`package.json`", "json") + "}")
    assert "prepublishOnly" not in snippet["scripts"]
    package = build_package(tmp_path / "ui", files=["dist/"])
    (package / "build").mkdir()
    (package / "dist" / "app.min.js.map").rename(package / "build" / "app.min.js.map")
    manifest = json.loads((package / "package.json").read_text())
    copy = "require('fs').copyFileSync('build/app.min.js.map', 'dist/app.min.js.map')"
    manifest["scripts"] = {**snippet["scripts"], "build": f'node -e "{copy}"'}
    (package / "package.json").write_text(json.dumps(manifest))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "LEAKTRACE_STORE": str(store)}  # fmt: skip
    out = tmp_path / "packed"
    out.mkdir()
    npm = ["npm", "pack", "--foreground-scripts", "--pack-destination", str(out)]
    done = subprocess.run(npm, cwd=package, env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "FAIL private-code" in done.stdout + done.stderr
    assert (package / "dist" / "app.min.js.map").exists()  # the build ran before the guard
    manifest["files"] = ["dist/*.js"]
    (package / "package.json").write_text(json.dumps(manifest))
    done = subprocess.run(npm, cwd=package, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_gitlab_snippet_runs_guard_with_the_store(tmp_path):
    job = yaml.safe_load(readme_block("**GitLab CI**", "yaml"))["guard"]
    (command,) = [line for line in job["script"] if line.startswith("leaktrace guard")]
    argv = shlex.split(command)
    store = argv[argv.index("--store") + 1]
    (decrypt,) = [line for line in job["script"] if line.startswith("gpg ")]
    assert shlex.split(decrypt)[shlex.split(decrypt).index("--output") + 1] == store
    assert job["artifacts"]["paths"] == [argv[argv.index("--sarif") + 1]]
