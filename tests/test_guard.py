"""``leaktrace guard``: real packages built from the samples' private web app, a store made with
``leaktrace fingerprint``, tarballs made by ``npm pack`` (or laid out as npm does without it),
wheels, sdists and ``docker save`` images made here."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.sources.sourcemap import inline_maps, private_path
from tests.conftest import REPO, SAMPLES, fifo_and_socket, write_tree

PRIVATE = SAMPLES / "private" / "acme-ledger"
WEB = PRIVATE / "web"
SOURCES = ["src/api/ledgerClient.ts", "src/components/InvoiceTable.tsx"]
LEAKTRACE = Path(sys.executable).parent / "leaktrace"
NPM = shutil.which("npm")
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("store") / "acme.db"
    done = subprocess.run(
        [
            str(LEAKTRACE),
            "fingerprint",
            str(PRIVATE),
            "--public",
            str(SAMPLES / "public" / "acme-pay-sdk"),
            "--store",
            str(db),
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return db


def source_map(sources: list[str], contents: list[str | None], prefix: str = "../") -> str:
    """A map in the shape esbuild and tsc write (``dist/app.min.js.map``: sources relative to
    the map, ``sourcesContent`` beside them)."""
    return json.dumps(
        {
            "version": 3,
            "file": "app.min.js",
            "sources": [prefix + s for s in sources],
            "sourcesContent": contents,
            "names": [],
            "mappings": "AAAA,SAASA,EAAE",
        }
    )


def build_package(root: Path, files: list[str] | None = None, inline: bool = False) -> Path:
    """The samples' back-office UI as its build leaves it: package.json, README, the source
    folder, ``dist/app.min.js`` and its map embedding the private TypeScript sources."""
    package = json.loads((WEB / "package.json").read_text())
    package.pop("private")
    package["main"] = "dist/app.min.js"
    if files is not None:
        package["files"] = files
    bundle = (WEB / "dist" / "app.min.js").read_text()
    contents = [(WEB / s).read_text() for s in SOURCES]
    themap = source_map(SOURCES, contents)
    if inline:
        encoded = base64.b64encode(themap.encode()).decode()
        bundle += f"\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{encoded}\n"
        extra = {}
    else:
        bundle += "\n//# sourceMappingURL=app.min.js.map\n"
        extra = {"dist/app.min.js.map": themap}
    return write_tree(
        root,
        {
            "package.json": json.dumps(package, indent=2),
            "README.md": "# @acmepay/ledger-backoffice\n",
            "tsconfig.json": (WEB / "tsconfig.json").read_text(),
            **{s: (WEB / s).read_text() for s in SOURCES},
            "dist/app.min.js": bundle,
            **extra,
        },
    )


def guard(*args: str | Path) -> tuple[int, str]:
    done = runner.invoke(app, ["guard", *map(str, args)])
    return done.exit_code, done.output


def report(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("npm", ["--npm", "--no-npm"])
def test_a_leaky_map_fails_naming_the_map_and_the_embedded_private_files(tmp_path, store, npm):
    package = build_package(tmp_path / "ui", files=["dist/"])
    out = tmp_path / "guard.json"
    code, output = guard(package, "--store", store, "--json", out, npm)
    assert code == 1, output
    assert f"FAIL private-code          {package}: derivative" in output
    assert f"FAIL embedded-sources      {package}:dist/app.min.js.map: embeds 2 source" in output
    for source in SOURCES:
        assert f"dist/app.min.js.map!/{source} = acme-ledger/web/{source}" in output
    data = report(out)
    (artifact,) = data["artifacts"]
    assert artifact["listed_by"] == (
        "npm pack --dry-run" if npm == "--npm" and NPM else "npm's rules (no npm)"
    )
    assert artifact["scan"]["verdict"] == "derivative"
    matched = {p["candidate_path"] for p in artifact["scan"]["files"]}
    assert matched == {f"dist/app.min.js.map!/{s}" for s in SOURCES}  # src/ is not packed
    embedded = next(f for f in artifact["findings"] if f["class"] == "embedded-sources")
    assert embedded["items"] == SOURCES and embedded["action"] == "fail"
    assert data["exit_code"] == 1 and data["policy"]["private_code"] == "fail"


@pytest.mark.parametrize("npm", ["--npm", "--no-npm"])
def test_the_same_package_with_maps_excluded_by_files_passes(tmp_path, store, npm):
    package = build_package(tmp_path / "ui", files=["dist/**/*.js", "!dist/**/*.map"])
    code, output = guard(package, "--store", store, npm)
    assert code == 0, output
    assert "guard: 0 failing finding(s), 0 warning(s) in 1 artifact(s); exit 0" in output
    assert f"{package}: 1 source file(s) read, 0 source map(s) audited" in output


def test_maps_are_audited_without_a_store_and_each_class_is_configurable(tmp_path):
    package = build_package(tmp_path / "ui", files=["dist/"])
    themap = json.loads((package / "dist/app.min.js.map").read_text())
    themap["sources"] += [
        "../../../services/billing/src/tax.ts",
        "webpack://acme/../internal/auth/token.ts",
        "/home/ci-runner/acme/web/src/flags.ts",
    ]
    themap["sourcesContent"] += [None, None, None]
    (package / "dist/app.min.js.map").write_text(json.dumps(themap))
    code, output = guard(package)
    assert code == 1, output
    assert "FAIL embedded-sources" in output
    assert "warn private-paths" in output
    assert "../../../services/billing/src/tax.ts (outside the package)" in output
    assert "webpack://acme/../internal/auth/token.ts (outside the package)" in output
    assert "/home/ci-runner/acme/web/src/flags.ts (a home folder)" in output
    config = tmp_path / "leaktrace.toml"
    config.write_text('[guard]\nembedded_sources = "warn"\n')
    code, output = guard(package, "--config", config)
    assert code == 0, output
    assert "warn embedded-sources" in output and "1 failing" not in output
    config.write_text('[guard]\nembedded_sources = "warn"\nprivate_paths = "fail"\n')
    code, output = guard(package, "--config", config)
    assert code == 1 and "FAIL private-paths" in output
    config.write_text('[guard]\nembedded_sources = "maybe"\n')
    code, output = guard(package, "--config", config)
    assert code == 2 and 'guard.embedded_sources: must be "fail" or "warn"' in output
    # in pyproject.toml, each setting is named by its whole path there
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.leaktrace.guard]\nembedded_sources = "maybe"\n')
    code, output = guard(package, "--config", config)
    assert code == 2, output
    assert f'{config}: tool.leaktrace.guard.embedded_sources: must be "fail" or "warn"' in output
    config.write_text("[tool.leaktrace.limits]\nmax_files = 0\n")
    code, output = guard(package, "--config", config)
    assert code == 2 and f"{config}: tool.leaktrace.limits.max_files: must be a positive" in output
    config.write_text("[tool.leaktrace.thresholds]\nnope = 1\n")
    done = runner.invoke(app, ["scan", str(package), "--store", str(tmp_path / "none.db"),
                               "--config", str(config)])  # fmt: skip
    assert done.exit_code == 2
    assert f"{config}: tool.leaktrace.thresholds.nope: unknown threshold" in done.output
    config.write_text("[tool.leaktrace.nope]\n")
    code, output = guard(package, "--config", config)
    assert code == 2 and f"{config}: tool.leaktrace.nope: unknown section" in output


def npm_tarball(package: Path, folder: Path) -> Path:
    """``npm pack`` of the package, or, without npm, the same layout (``package/`` inside)."""
    folder.mkdir(parents=True, exist_ok=True)
    if NPM:
        done = subprocess.run(
            [NPM, "pack", "--ignore-scripts", "--pack-destination", str(folder), str(package)],
            capture_output=True,
            text=True,
            check=True,
        )
        return folder / done.stdout.strip().splitlines()[-1]
    tgz = folder / "acmepay-ledger-backoffice-2.9.0.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            tar.add(path, arcname=f"package/{path.relative_to(package).as_posix()}")
    return tgz


def test_an_npm_tarball(tmp_path, store):
    tgz = npm_tarball(build_package(tmp_path / "ui", files=["dist/"]), tmp_path / "out")
    code, output = guard(tgz, "--store", store)
    assert code == 1, output
    assert f"{tgz}:package/dist/app.min.js.map: embeds 2 source file(s)" in output
    assert "package/dist/app.min.js.map!/src/api/ledgerClient.ts = acme-ledger/" in output


def test_wheels_sdists_and_docker_images_are_read_inside(tmp_path, store):
    themap = source_map(SOURCES, [(WEB / s).read_text() for s in SOURCES], "../../../web/")
    wheel = tmp_path / "acme_ui-2.9.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("acme_ui/__init__.py", "VERSION = '2.9.0'\n")
        zf.writestr("acme_ui/static/app.min.js.map", themap)
    sdist = tmp_path / "acme_ui-2.9.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        add(tar, "acme_ui-2.9.0/acme_ui/static/app.min.js.map", themap.encode())
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        add(tar, "srv/www/assets/app.min.js.map", themap.encode())
    image = tmp_path / "image.tar"
    with tarfile.open(image, "w") as tar:
        add(tar, "manifest.json", b'[{"Config":"c.json","Layers":["4f1e/layer.tar"]}]')
        add(tar, "4f1e/layer.tar", layer.getvalue())
    out = tmp_path / "guard.json"
    code, output = guard(wheel, sdist, image, "--store", store, "--json", out)
    assert code == 1, output
    by_artifact = {a["artifact"]: a for a in report(out)["artifacts"]}
    where = {
        wheel: "acme_ui/static/app.min.js.map",
        sdist: "acme_ui-2.9.0/acme_ui/static/app.min.js.map",
        image: "4f1e/layer.tar!/srv/www/assets/app.min.js.map",
    }
    for artifact, path in where.items():
        found = by_artifact[str(artifact)]
        assert found["scan"]["verdict"] == "derivative"
        classes = {(f["class"], f["path"]) for f in found["findings"]}
        assert ("embedded-sources", path) in classes
        # ../../../web/ from acme_ui/static/ climbs out of the package (an sdist's package is
        # inside its NAME-VERSION/); from srv/www/assets/ in an image it stays in the image
        assert (("private-paths", path) in classes) == (artifact != image)


def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def site_and_sdist(tmp_path: Path, in_site: str, in_sdist: str, text: str) -> tuple[Path, Path]:
    """A site folder holding ``text`` at ``in_site``, and an sdist holding it at ``in_sdist``."""
    folder = write_tree(tmp_path / "site", {in_site: text})
    sdist = tmp_path / "acme_ui-2.9.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        add(tar, f"acme_ui-2.9.0/{in_sdist}", text.encode())
    return folder, sdist


@pytest.mark.parametrize("prefix", [")]}'\n", ")]}'", "\ufeff)]}' xssi\r\n"])
def test_a_map_with_the_specs_xssi_prefix_is_audited_and_scanned(tmp_path, store, prefix,
                                                                  monkeypatch):  # fmt: skip
    """The source map spec lets a map start with a ``)]}'`` line (against cross-site script
    inclusion); such a map was passed over without a line (0 maps audited, exit 0)."""
    monkeypatch.chdir(tmp_path)  # the scan's results database
    themap = source_map(SOURCES, [(WEB / s).read_text() for s in SOURCES])
    # in the sdist under another name too, told by what it holds
    folder, sdist = site_and_sdist(tmp_path, "dist/app.min.js.map", "static/bundle.json",
                                   prefix + themap)  # fmt: skip
    code, output = guard(folder, sdist, "--store", store)
    assert code == 1, output
    assert f"{folder}: 2 source file(s) read, 1 source map(s) audited" in output
    assert f"FAIL embedded-sources      {folder}:dist/app.min.js.map: embeds 2 source" in output
    assert f"{sdist}:acme_ui-2.9.0/static/bundle.json: embeds 2 source file(s)" in output
    assert "dist/app.min.js.map!/src/api/ledgerClient.ts = acme-ledger/" in output
    out = tmp_path / "scan.json"
    done = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--json", str(out)])
    assert done.exit_code == 1, done.output
    assert report(out)["candidates"][0]["verdict"] == "derivative"


def test_a_stylesheets_inline_map_is_audited_and_its_sources_scanned(tmp_path, store):
    """sass, less and postcss write a stylesheet's map inline as ``/*# sourceMappingURL=data:
    ...*/``; its embedded sources were never read (only scripts' inline maps were)."""
    themap = source_map(SOURCES, [(WEB / s).read_text() for s in SOURCES])
    encoded = base64.b64encode(themap.encode()).decode()
    css = f"body{{margin:0}}\n/*# sourceMappingURL=data:application/json;base64,{encoded} */\n"
    folder, sdist = site_and_sdist(tmp_path, "dist/app.css", "static/app.css", css)
    code, output = guard(folder, sdist, "--store", store)
    assert code == 1, output
    assert f"{folder}: 2 source file(s) read, 1 source map(s) audited" in output
    assert f"{folder}:dist/app.css!/inline-source-map: embeds 2 source file(s)" in output
    assert f"{sdist}:acme_ui-2.9.0/static/app.css!/inline-source-map: embeds 2" in output
    assert "dist/app.css!/inline-source-map!/src/api/ledgerClient.ts = acme-ledger/" in output


def test_an_inline_map_is_audited_and_its_sources_scanned(tmp_path, store):
    package = build_package(tmp_path / "ui", files=["dist/"], inline=True)
    code, output = guard(package, "--store", store)
    assert code == 1, output
    assert f"{package}:dist/app.min.js!/inline-source-map: embeds 2 source file(s)" in output
    assert "dist/app.min.js!/inline-source-map!/src/api/ledgerClient.ts = acme-ledger/" in output


def test_unread_content_fails_with_3_unless_set_to_warn(tmp_path):
    site = write_tree(
        tmp_path / "site",
        {
            "index.html": "<html></html>",
            "assets/app.js": "console.log('hi')\n",
            "assets/bundle.tgz": b"\x1f\x8b\x08\x00broken",
        },
    )
    code, output = guard(site)
    assert code == 3, output
    assert "FAIL unread" in output and "assets/bundle.tgz" in output
    assert output.count("corrupt or unreadable gzip data") == 1, output  # said once, as FAIL
    assert "1 failing finding(s)" in output
    config = tmp_path / "leaktrace.toml"
    config.write_text('[guard]\nunread = "warn"\n')
    code, output = guard(site, "--config", config)
    assert code == 0 and "warn unread" in output


@pytest.mark.parametrize(
    ("sample", "why"),
    [
        ("fork-of-public-sdk", "set aside as code the company has published itself"),
        ("vendors-iso8601", "set aside as private boilerplate"),
    ],
)
def test_a_discount_that_kept_a_match_from_failing_is_said(store, sample, why):
    """A match passed over as public, reference, common or boilerplate code is said with its
    amount and why, as scan's reports say it: a release engineer sees why it did not fail."""
    artifact = SAMPLES / "candidates" / sample
    code, output = guard(artifact, "--store", store)
    assert code == 0, output
    [line] = [line for line in output.splitlines() if line.startswith("note discounted")]
    assert f"{artifact}: " in line and why in line and "never evidence" in line
    assert re.search(r": [1-9][0-9,]* tokens set aside", line)


def test_usage_errors_exit_2(tmp_path, store):
    code, output = guard(tmp_path / "missing.tgz")
    assert code == 2 and "no such file or folder" in output
    plain = write_tree(tmp_path / "x", {"notes.txt": "hello"})
    code, output = guard(plain, "--store", tmp_path / "nostore.db")
    assert code == 2


def test_a_plain_file_is_an_artifact_of_its_own_never_an_abort_of_the_others(tmp_path, store):
    """What pre-commit's source hook gives guard: every staged text file. One that is no code
    and no carrier (``.gitignore``, ``NOTICE``, ``.toml``) is read as a folder's file is, and
    holds nothing to check; a pipe is never opened (one ``unread`` line); the private copy
    beside them still fails."""
    private = (PRIVATE / "acme_ledger" / "reconciliation.py").read_text()
    repo = write_tree(tmp_path / "repo", {
        ".gitignore": "*.pyc\nci/acme.db.index\n", "NOTICE": "Copyright Acme\n",
        "pyproject.toml": "[project]\nname = 'sdk'\n", "ci.yaml": "a: 1\n",
        "notes.txt": "see ledger.py\n", "logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "sdk/ledger.py": private,
    })  # fmt: skip
    plain = [".gitignore", "NOTICE", "pyproject.toml", "ci.yaml", "notes.txt", "logo.png"]
    os.mkfifo(repo / "pipe")
    names = [str(repo / n) for n in [*plain, "sdk/ledger.py"]]
    code, output = guard(*names, "--store", store)
    assert code == 1, output
    assert "FAIL private-code" in output and "sdk/ledger.py: derivative" in output
    for name in plain:
        assert f"{repo / name}: 0 source file(s) read" in output
    assert "unread" not in output and "in 7 artifact(s)" in output
    code, output = guard(repo / "NOTICE", repo / "pipe", repo / "notes.txt")
    assert code == 3, output
    assert f"FAIL unread                {repo / 'pipe'}: not a regular file" in output
    assert f"{repo / 'notes.txt'}: 0 source file(s) read" in output


@pytest.mark.parametrize("command", ["guard", "scan"])
def test_reading_a_store_leaves_nothing_but_its_index_beside_it(tmp_path, store, command):
    """``git add -A`` in a repository holding ``ci/acme.db`` staged the ``-wal`` and ``-shm``
    files every guard and scan left beside it (the index readers' connections were never
    closed, and SQLite removes them at the last close); the source hook then exited 2 on them."""
    ci = tmp_path / "ci"
    ci.mkdir()
    shutil.copy(store, ci / "acme.db")
    leak = write_tree(tmp_path / "repo", {"leak.py": (PRIVATE / "acme_ledger/reconciliation.py")
                                          .read_text()})  # fmt: skip
    done = subprocess.run([str(LEAKTRACE), command, "leak.py", "--store", str(ci / "acme.db")],
                          cwd=leak, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert sorted(p.name for p in ci.iterdir()) == ["acme.db", "acme.db.index"]


def test_hostile_names_are_escaped(tmp_path):
    evil = "src/\x1b[2Jevil\nFAIL fake.ts"
    site = write_tree(tmp_path / "site", {"app.js.map": source_map([evil], ["let a = 1;\n"])})
    code, output = guard(site)
    assert code == 1
    assert "\x1b" not in output and "\nFAIL fake.ts" not in output
    assert "\\x1b[2Jevil\\nFAIL fake.ts" in output


def test_sarif_is_valid_and_follows_the_policy(tmp_path, store):
    package = build_package(tmp_path / "ui", files=["dist/"])
    sarif = tmp_path / "guard.sarif"
    config = tmp_path / "leaktrace.toml"
    config.write_text('[guard]\nprivate_code = "warn"\n')
    code, _ = guard(package, "--store", store, "--sarif", sarif, "--config", config)
    assert code == 1  # embedded sources still fail
    data = json.loads(sarif.read_text())
    schema = json.loads((REPO / "tests/schemas/sarif-2.1.0-rtm.5.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(data)
    results = data["runs"][0]["results"]
    private = [r for r in results if r["ruleId"] == "leaktrace/private-code"]
    assert {r["level"] for r in private} == {"warning"} and len(private) == 2
    embedded = [r for r in results if r["ruleId"] == "leaktrace/embedded-sources"]
    assert [r["level"] for r in embedded] == ["error"]
    uri = embedded[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("ui/dist/app.min.js.map")
    assert "ledgerClient" not in json.dumps(data["runs"][0]["properties"])


@pytest.mark.parametrize(
    ("source", "root", "folder", "reason"),
    [
        ("../src/index.ts", "", "dist", None),  # tsc/esbuild/rollup: inside the package
        ("../../packages/billing/src/tax.ts", "", "dist", "outside the package"),
        ("../../node_modules/react/index.js", "", "dist", None),  # hoisted dependency
        ("webpack:///./src/index.ts", "", "dist", None),
        ("webpack://acme-ui/./src/index.ts", "", "dist", None),
        ("webpack://acme-ui/../shared/src/auth.ts", "", "dist", "outside the package"),
        ("webpack:///webpack/bootstrap", "", "dist", None),
        ('webpack://acme-ui/external "fs"', "", "dist", None),
        ("\x00commonjsHelpers.js", "", "dist", None),  # rollup virtual module
        ("<stdin>", "", "dist", None),  # esbuild
        ("/builds/acme/web/src/index.ts", "", "dist", "an absolute path"),
        ("/Users/alice/acme/web/src/index.ts", "", "dist", "a home folder"),
        ("C:\\Users\\bob\\acme\\src\\index.ts", "", "dist", "a home folder"),
        ("file:///srv/ci/acme/src/index.ts", "", "dist", "an absolute path"),
        ("index.ts", "/srv/ci/acme/src", "dist", "an absolute path"),  # via sourceRoot
        ("turbopack:///[project]/src/app/page.tsx", "", ".next", None),
        ("https://cdn.example.com/lib.js", "", "dist", None),
    ],
)
def test_private_paths_follow_what_bundlers_emit(source, root, folder, reason):
    assert private_path(source, root, folder) == reason


def test_inline_maps_in_url_encoding_too():
    themap = '{"version":3,"sources":["a.ts"],"sourcesContent":["x"],"mappings":""}'
    encoded = themap.replace('"', "%22").replace(",", "%2C")
    data = f"x()\n//# sourceMappingURL=data:application/json,{encoded}\n".encode()
    assert list(inline_maps(data, "javascript")) == [themap.encode()]


def test_review_level_evidence_in_an_artifact_not_read_whole_is_still_reported(tmp_path, store):
    client = (WEB / SOURCES[0]).read_text().splitlines()
    site = write_tree(tmp_path / "site", {
        "assets/client.ts": "\n".join(client[40:75]) + "\n",  # some private code, not much
        "assets/bundle.tgz": b"\x1f\x8b\x08\x00broken",
    })  # fmt: skip
    out = tmp_path / "guard.json"
    code, output = guard(site, "--store", store, "--set", "review_tokens=60", "--json", out)
    (artifact,) = report(out)["artifacts"]
    assert artifact["scan"]["verdict"] == "incomplete"
    classes = [f["class"] for f in artifact["findings"]]
    assert classes == ["possible-private-code", "unread"], output
    assert code == 3  # review-level evidence warns; what was not read fails


def test_an_npm_folder_nested_too_deep_for_npms_rules_is_unread(tmp_path):
    package = write_tree(tmp_path / "p", {"package.json": '{"name": "p", "version": "1.0.0"}'})
    deep = package
    for _ in range(40):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "x.js").write_text("x")
    code, output = guard(package, "--no-npm")
    assert code == 3, output
    assert f"{'d/' * 33}: folder nested more than 32 levels deep; not read" in output


def test_a_version_control_folder_in_an_artifact_is_reported_never_passed_over(tmp_path):
    """A site folder that is a git checkout, and an sdist that packed its ``.git``: the most
    common way a whole history is published. Each is a ``version-control`` finding (fail by
    default, exit 1, as ``scan`` calls the same folder ``incomplete``; warn when so configured)
    saying its history was not read; a file named ``.git`` (a worktree's pointer) holds no
    history and is no finding. Before, it only warned: guard passed (exit 0) an artifact that
    publishes a whole history."""
    site = write_tree(tmp_path / "site", {"index.html": "<html></html>", "app.js": "let a = 1\n"})
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    code, output = guard(site, "--json", tmp_path / "site.json")
    assert code == 1, output
    assert f"FAIL {'version-control':<21} {site}:.git/: version-control metadata" in output
    assert "history is not read by guard" in output
    [finding] = report(tmp_path / "site.json")["artifacts"][0]["findings"]
    assert (finding["class"], finding["path"], finding["action"]) == ("version-control", ".git/",
                                                                      "fail")  # fmt: skip
    config = tmp_path / "leaktrace.toml"
    config.write_text('[guard]\nversion_control = "warn"\n')
    code, output = guard(site, "--config", config)
    assert code == 0 and f"warn {'version-control':<21} {site}:.git/: " in output, output

    sdist = tmp_path / "acme_ui-2.9.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        add(tar, "acme_ui-2.9.0/acme_ui/__init__.py", b"VERSION = '2.9.0'\n")
        add(tar, "acme_ui-2.9.0/.git/HEAD", b"ref: refs/heads/main\n")
        add(tar, "acme_ui-2.9.0/.git/objects/ab/cdef", b"x\x01\x00")
        add(tar, "acme_ui-2.9.0/vendor/lib/.git", b"gitdir: ../../.git/modules/lib\n")
    sarif = tmp_path / "guard.sarif"
    code, output = guard(sdist, "--sarif", sarif)
    assert code == 1, output
    lines = [line for line in output.splitlines() if "version-control " in line]
    assert lines == [f"FAIL {'version-control':<21} {sdist}:acme_ui-2.9.0/.git/: version-control "
                     "metadata: the repository's history may be published with it; its history "
                     "is not read by guard (leaktrace scan --history FOLDER reads it)"]  # fmt: skip
    [result] = [r for r in json.loads(sarif.read_text())["runs"][0]["results"]
                if r["ruleId"] == "leaktrace/version-control"]  # fmt: skip
    assert result["level"] == "error"


def test_a_link_out_of_a_guarded_folder_is_unread_one_inside_is_read(tmp_path):
    """A folder synced to a bucket (or tarred with ``tar -h``) may publish what a link points
    to: guard never follows a link out of the folder, and such a link (or a dangling one) is
    unread, one line, exit 3; a link to a file inside is read as that file."""
    outside = write_tree(tmp_path / "outside", {"secret.py": "TOKEN = 'x'\n"})
    site = write_tree(tmp_path / "site", {"index.html": "<html></html>", "app.js": "let a = 1\n"})
    (site / "secret.py").symlink_to(outside / "secret.py")
    (site / "more").symlink_to(outside, target_is_directory=True)
    (site / "gone.js").symlink_to(site / "nothing.js")
    (site / "main.js").symlink_to("app.js")
    out = tmp_path / "guard.json"
    code, output = guard(site, "--json", out)
    assert code == 3, output
    for path in ("more", "secret.py"):
        assert f"{site}:{path}: symbolic link to outside the folder; not followed, not read" in (
            output)  # fmt: skip
    assert f"{site}:gone.js: symbolic link to nothing (dangling); not read" in output
    [artifact] = report(out)["artifacts"]
    unread = [f for f in artifact["findings"] if f["class"] == "unread"]
    assert {f["path"] for f in unread} == {"more", "secret.py", "gone.js"}
    assert artifact["files"] == 2  # app.js, and main.js: the link to it


@pytest.mark.parametrize("npm", ["--npm", "--no-npm"])
def test_links_in_an_npm_package_folder_are_not_packed(tmp_path, npm):
    """npm 11.19 (``npm pack --dry-run --json`` on a folder with links to a file inside, to one
    outside, to a folder, dangling and looping, even when ``files`` names them) packs none of
    them and follows none: what npm does not publish is not unread, with npm or its rules."""
    if npm == "--npm" and shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    outside = write_tree(tmp_path / "outside", {"secret.js": "module.exports = 'x'\n"})
    package = write_tree(tmp_path / "p", {
        "package.json": '{"name": "p", "version": "1.0.0", "files": ["*.js", "lib"]}',
        "lib/real.js": "module.exports = 1\n",
    })  # fmt: skip
    (package / "inside.js").symlink_to("lib/real.js")
    (package / "outside.js").symlink_to(outside / "secret.js")
    (package / "gone.js").symlink_to("missing.js")
    out = tmp_path / "guard.json"
    code, output = guard(package, "--json", out, npm)
    assert code == 0, output
    [artifact] = report(out)["artifacts"]
    assert [f for f in artifact["findings"] if f["class"] == "unread"] == []
    assert artifact["files"] == 1  # lib/real.js: no link is packed


def test_a_version_control_folder_in_an_archive_an_npm_package_packs_is_reported(tmp_path):
    """The same finding as for a folder or a tarball, when the ``.git`` is inside an archive
    that an npm package folder ships (``files``), with npm's rules."""
    package = write_tree(tmp_path / "p", {
        "package.json": '{"name": "p", "version": "1.0.0", "files": ["vendor"]}',
    })  # fmt: skip
    (package / "vendor").mkdir()
    with tarfile.open(package / "vendor" / "bundle.tgz", "w:gz") as tar:
        add(tar, "repo/index.js", b"module.exports = 1\n")
        add(tar, "repo/.git/HEAD", b"ref: refs/heads/main\n")
    code, output = guard(package, "--no-npm")
    assert code == 1, output
    assert f"FAIL {'version-control':<21} {package}:vendor/bundle.tgz!/repo/.git/: " in output


def test_a_source_path_in_a_sarif_message_is_no_embedded_link(tmp_path):
    """SARIF viewers (GitHub code scanning, where the action uploads guard's SARIF) render
    ``[text](URL)`` in a message as a link (SARIF 2.1.0 §3.11.6): guard's messages escape it as
    scan's do (``sarif_text``), so a source map's path cannot put a link in a code-scanning
    alert."""
    hostile = ["src/[click](https://evil.example/a).ts", "../../../x/[y](https://evil.example).ts"]
    themap = source_map(hostile, ["let a = 1;\n", None])
    site = write_tree(tmp_path / "site", {"app.js.map": themap})
    sarif = tmp_path / "guard.sarif"
    code, _ = guard(site, "--sarif", sarif)
    assert code == 1
    texts = [r["message"]["text"] for r in report(sarif)["runs"][0]["results"]]
    assert len(texts) == 2 and not any(re.search(r"(?<!\\)\]\(", t) for t in texts), texts
    assert any("\\[click\\](https://evil.example/a).ts" in t for t in texts), texts


def test_a_match_of_many_line_ranges_says_how_many_more_it_does_not_name(tmp_path):
    """rich's console.py, cut every 300 lines by 60 of pip's: one pair of many ranges; the
    finding names the first three and counts the rest (it stopped at three, saying nothing)."""
    from tests.benchmarks.corpus import pypi_sdist

    console = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich" / "console.py"
    pip = pypi_sdist("pip", "24.0") / "pip-24.0" / "src" / "pip" / "_internal"
    other = (pip / "req" / "req_install.py").read_text().splitlines(keepends=True)
    lines = console.read_text().splitlines(keepends=True)
    cut = [line for at in range(0, len(lines), 300)
           for line in lines[at : at + 300] + other[at // 5 : at // 5 + 60]]  # fmt: skip
    private = write_tree(tmp_path / "acme", {"acme/console.py": console.read_text()})
    leak = write_tree(tmp_path / "leak", {"console.py": "".join(cut)})
    store = tmp_path / "s.db"
    done = runner.invoke(app, ["fingerprint", str(private), "--store", str(store)])
    assert done.exit_code == 0, done.output
    out = tmp_path / "g.json"
    code, output = guard(leak, "--store", store, "--json", out)
    assert code == 1, output
    [pair] = report(out)["artifacts"][0]["scan"]["files"]
    ranges = pair["candidate_lines"]
    assert len(ranges) > 3
    named = ", ".join(f"{a}-{b}" for a, b in ranges[:3])
    more = f"lines {named} and {len(ranges) - 3:,} more (--json lists them all))"
    assert more in " ".join(output.split())


def test_when_npm_pack_fails_its_error_is_shown_not_where_it_kept_its_log(tmp_path):
    """npm 11.19 refuses a package.json with no name and version (exit 1): the line says npm's
    reason, never only 'A complete log of this run can be found in: ...' (npm's last line on
    stderr, which was all that was shown), and the files are listed by npm's rules instead."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    package = write_tree(tmp_path / "p", {"package.json": "{}", "index.js": "let a = 1\n"})
    code, output = guard(package, "--npm")
    assert code == 0, output
    [line] = [line for line in output.splitlines() if "npm pack --dry-run failed" in line]
    assert "(exit 1: Invalid package, must have name and version); using npm's rules" in line
    assert "complete log" not in output and "_logs" not in output, output


def test_a_fifo_or_a_socket_in_a_folder_is_one_note_never_opened_and_loses_nothing(tmp_path, store):
    """A FIFO or a socket holds no content of its own, and nothing that publishes a folder
    publishes any: npm pack 11.19 leaves both out of the tarball, setuptools' sdist skips them
    (``not a regular file -- skipping``), tar keeps a name only. Guard and scan never open one
    (a writer waiting on the FIFO is never let through: opening it would be reading what a
    process writes, not the folder) and say each once, a note: guard exits 0, scan is clear.
    A socket was opened, failed (ENXIO) and was ``unread``: exit 3."""
    site = write_tree(tmp_path / "site", {"app.js": "let a = 1\n"})
    out = tmp_path / "out.json"
    with fifo_and_socket(site / "feed.py", site / "agent.sock") as let_through:
        guarded = subprocess.run([str(LEAKTRACE), "guard", str(site), "--store", str(store),
                                  "--json", str(out)], capture_output=True, text=True,
                                 timeout=120)  # fmt: skip
        assert guarded.returncode == 0, guarded.stdout + guarded.stderr
        [artifact] = report(out)["artifacts"]
        assert artifact["findings"] == [] and artifact["files"] == 1
        scanned = subprocess.run([str(LEAKTRACE), "scan", str(site), "--store", str(store),
                                  "--json", str(out), "--results", str(tmp_path / "r.db")],
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
        assert scanned.returncode == 0, scanned.stdout + scanned.stderr
        assert [c["verdict"] for c in report(out)["candidates"]] == ["clear"]
        assert not let_through.is_set()
    for done in (guarded, scanned):
        output = done.stdout + done.stderr
        assert output.count(f"{site}:feed.py: a FIFO: not opened") == 1, output
        assert output.count(f"{site}:agent.sock: a socket: not opened") == 1, output
