"""npm's file list without npm (``scanner.sources.packlist``) against npm itself: the same list
on real package layouts (the samples' web app, packages npm ships inside itself, layouts that
exercise each documented rule), each with files a publish must leave out added."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.sources.npm_folder import npm_pack_list
from scanner.sources.packlist import Rule, packlist
from tests.conftest import SAMPLES, write_tree

NPM = shutil.which("npm")
needs_npm = pytest.mark.skipif(NPM is None, reason="npm is not on PATH")
#: Packages npm itself ships (real package.json files, real layouts), when npm is installed.
NPM_PACKAGES = Path(NPM).resolve().parents[1] / "node_modules" if NPM else Path("/nonexistent")
REAL = ["minimatch", "npm-packlist", "semver", "tar", "cacache", "iconv-lite", "cssesc",
        "hosted-git-info", "exponential-backoff", "bin-links", "sigstore",
        "postcss-selector-parser"]  # fmt: skip

#: What a working copy holds beside the package: tests, sources, maps, secrets, VCS metadata,
#: lock files, editor droppings, nested ignore files.
NOISE = {
    "test/a.test.js": "x", "src/private.ts": "x", "dist/x.js.map": "{}", "lib/y.js.map": "{}",
    ".env": "TOKEN=1", "node_modules/dep/index.js": "x", ".git/config": "x",
    "coverage/lcov.info": "x", "README.orig": "x", ".DS_Store": "x", "lib/.DS_Store": "x",
    "CHANGELOG.md": "x", "Readme.markdown": "x", "licence.txt": "x", "package-lock.json": "{}",
    "yarn.lock": "", "docs/guide.md": "x", "lib/sub/.npmignore": "*.ts\n", "lib/sub/a.ts": "x",
    "lib/sub/a.js": "x", "debug.log": "x", ".y.swp": "", "lib/._z": "x", "bin/tool": "x",
    "index.d.ts": "x", ".npmrc": "//registry/:_authToken=x",
}  # fmt: skip


def with_noise(folder: Path, gitignore: str | None = "coverage/\n*.log\n/dist\n") -> Path:
    for rel, text in NOISE.items():
        path = folder / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if gitignore is not None and not (folder / ".gitignore").exists():
        (folder / ".gitignore").write_text(gitignore)
    return folder


LAYOUTS: dict[str, dict[str, str]] = {
    "files-folders-and-patterns": {
        "package.json": json.dumps({"name": "a", "version": "1.0.0", "main": "index.js",
                                    "bin": {"a": "cli/a.js"},
                                    "files": ["dist/", "lib/*", "./types", "!dist/**/*.map"]}),
        "index.js": "x", "cli/a.js": "x", "types/a.d.ts": "x", "dist/a.js": "x",
        "dist/deep/b.js": "x", "dist/deep/b.js.map": "{}", "lib/c.js": "x",
    },
    "npmignore-beats-gitignore": {
        "package.json": json.dumps({"name": "b", "version": "1.0.0"}),
        ".npmignore": "*.map\n/src\n!src/public.ts\ntest/\n", ".gitignore": "dist/\n",
        "dist/a.js": "x", "dist/a.js.map": "{}", "src/public.ts": "x", "src/secret.ts": "x",
    },
    "gitignore-only-with-negation": {
        "package.json": json.dumps({"name": "c", "version": "1.0.0", "browser": "web/b.js"}),
        ".gitignore": "web/\n*.map\n!keep.map\n", "web/b.js": "x", "web/c.js": "x",
        "keep.map": "{}", "drop.map": "{}", "LICENSE": "MIT", "COPYING": "x",
    },
    "files-with-a-file-and-subfolder-npmignore": {
        "package.json": json.dumps({"name": "d", "version": "1.0.0",
                                    "files": ["build", "extra.js", "*.json"]}),
        "build/.npmignore": "*.map\ninternal/\n", "build/app.js": "x", "build/app.js.map": "{}",
        "build/internal/x.js": "x", "extra.js": "x", "data.json": "{}", "other.js": "x",
    },
}  # fmt: skip


def layouts(tmp_path: Path) -> list[Path]:
    made = []
    web = tmp_path / "ledger-web"
    shutil.copytree(SAMPLES / "private/acme-ledger/web", web, symlinks=True)
    made.append(with_noise(web))
    for name, files in LAYOUTS.items():
        made.append(with_noise(write_tree(tmp_path / name, files), gitignore=None))
    for name in REAL:
        source = NPM_PACKAGES / name
        if (source / "package.json").is_file():
            copy = tmp_path / f"real-{name}"
            shutil.copytree(
                source, copy, symlinks=True, ignore=shutil.ignore_patterns("node_modules")
            )
            made.append(with_noise(copy))
    return made


@needs_npm
def test_npms_rules_give_the_list_npm_pack_gives(tmp_path):
    checked = layouts(tmp_path)
    assert len(checked) >= 1 + len(LAYOUTS)
    for folder in checked:
        ours, notes = packlist(folder)
        assert ours == npm_pack_list(folder), folder.name
        assert not notes
        # (npm does pack a .env that no rule leaves out: guard reads what is packed)
        assert not any(p.endswith(".npmrc") or p.startswith(".git/") for p in ours)


def test_the_documented_rules_without_npm(tmp_path):
    folder = with_noise(write_tree(tmp_path / "a", LAYOUTS["files-folders-and-patterns"]))
    (folder / "link.js").symlink_to(folder / "index.js")
    files, _ = packlist(folder)
    # npm 11's answer for this layout ("lib/*" is "lib/**"; README.orig is a README)
    assert files == ["README.orig", "Readme.markdown", "cli/a.js", "dist/a.js", "dist/deep/b.js",
                     "index.js", "lib/c.js", "lib/sub/a.js", "lib/y.js.map", "licence.txt",
                     "package.json", "types/a.d.ts"]  # fmt: skip


def test_bundled_dependencies_are_said_not_followed(tmp_path):
    package = {"name": "e", "version": "1.0.0", "bundleDependencies": ["dep"]}
    folder = write_tree(tmp_path / "e", {"package.json": json.dumps(package)})
    files, notes = packlist(folder)
    assert files == ["package.json"] and "bundleDependencies" in notes[0][1]


#: (rule, path, partial, what npm's minimatch 10 answers with ignore-walk's options)
MINIMATCH = [
    ("a/**", "a", False, False), ("a/**", "a/", False, True), ("*", "a/", False, True),
    ("dist", "/dist/", False, True), ("/dist", "dist", False, False),
    ("*.map", "/dist/x.js.map", False, True), ("!dist/**", "dist", True, True),
    ("!/readme{,.*[^~$]}", "/README.md", False, True),
    ("!/readme{,.*[^~$]}", "/readme~", False, False), ("lib/", "/lib/", False, False),
    ("lib/", "lib/", False, True), ("**/x", "x", False, True),
    ("**/.git/**", "/a/.git/config", False, True), ("._*", "/lib/._z", False, True),
    ("!dist/**/*.js", "/dist/a/b.js", False, False), ("!dist/**/*.js", "dist/a", True, True),
    ("!dist/**/*.js", "dist/a.map", False, False),
    ("/build/config.gypi", "/build/config.gypi", False, True),
    ("/build/config.gypi", "build/config.gypi", False, False),
    ("DIST/*.JS", "dist/a.js", False, True), ("bin//**", "bin/tool", False, True),
    ("x/**/y", "x/q/r/y", False, True), ("[!a]*.js", "/b.js", False, True),
    ("[!a]*.js", "/a.js", False, False), ("*.js", "/dir.js/", False, True),
    ("src/*", "src/a/b", False, False), ("src/*", "src/a", True, True),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "path", "partial", "expected"), MINIMATCH)
def test_rules_match_as_minimatch_does(rule, path, partial, expected):
    assert Rule.parse(rule).match(path, partial) is expected


def test_an_unreadable_package_json_is_an_input_error(tmp_path):
    from scanner.errors import InputError

    folder = write_tree(tmp_path / "f", {"package.json": "{not json"})
    with pytest.raises(InputError):
        packlist(folder)
