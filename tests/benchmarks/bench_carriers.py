"""Every carrier at real size, scanned through the real CLI. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_carriers [--only wheel,npm,...] [--keep]

One example per carrier, each built from real packages downloaded at pinned versions (PyPI
through pip, npm through ``npm pack``; ``tests/benchmarks/corpus.py``) with one file of the
samples' private repository planted in it. The store is that private repository
(``samples/private/acme-ledger``), fingerprinted with ``leaktrace fingerprint``, so each example
must come out ``derivative`` with the planted file as evidence, named by its path inside the
carrier (``outer.zip!/inner.tgz!/pkg/journal.py``).

Each example is scanned once by ``leaktrace scan TARGET --store STORE --json OUT --results DB``
in a fresh process (every core, the default). Printed per example: its size on disk, the files
and lines scanned (from the JSON report), wall and CPU time with the load other processes put on
the machine meanwhile (wall time alone means little on a shared machine), the peak memory of the
scan (GNU time's maximum RSS of the largest process of the tree, and the sampled peak of the PSS
summed over the tree, as in ``bench_scale``), the verdict and whether the expected evidence path
was found; then a Markdown table. The exit status is 1 when an example misses its verdict or
its evidence.

Downloads and the built examples are cached in ``$LEAKTRACE_BENCH_CACHE`` (default
``~/.cache/leaktrace-bench``; the examples under ``carriers-<BUILD>/``, about 180 MB); the store,
reports and results databases go to a temporary folder, removed at the end unless ``--keep``.
A first run downloads about 22 MB and builds the examples (under a minute); then the scans take
about 1.5 minutes on two cores, plus each scan that runs into ``--timeout`` (120 s by default:
Python's grammar parses a long comment block in quadratic time, see the padded ``.py``).
"""

from __future__ import annotations

import argparse
import ast
import base64
import bz2
import contextlib
import functools
import hashlib
import io
import itertools
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

from tests.benchmarks.bench_scale import MIB, Measured, run_measured
from tests.benchmarks.corpus import CACHE, PYPI_SDISTS, npm_package, pypi_sdist

REPO = Path(__file__).resolve().parents[2]
LEAKTRACE = Path(sys.executable).with_name("leaktrace")
PRIVATE = REPO / "samples" / "private" / "acme-ledger"
#: The planted files: one per language the examples carry.
PLANT_PY = PRIVATE / "acme_ledger" / "journal.py"
PLANT_TS = PRIVATE / "web" / "src" / "api" / "ledgerClient.ts"
PLANT_JAVA = PRIVATE / "android/src/main/java/com/acmepay/ledger/FraudScoreEvaluator.java"

#: Bump when a builder changes: examples are rebuilt into a new folder of the cache.
BUILD = 1
EXAMPLES = CACHE / f"carriers-{BUILD}"

WHEEL = ("SQLAlchemy", "2.0.30")
WHEEL_PLATFORM = ["--platform", "manylinux2014_x86_64", "--python-version", "3.11",
                  "--implementation", "cp", "--abi", "cp311"]  # fmt: skip
NPM = ("typescript", "5.4.5")  # 5.8 MB packed; lib/tsc.js, tsserver.js, typescript.js > 4 MiB
JAVA = ("jpype1", "1.5.0")  # the sdist carries JPype's Java sources
PADDING_BYTES = 20_000_000
EXAMPLE_NOTEBOOK = "ledger-analysis.ipynb"


@dataclass(frozen=True, slots=True)
class Built:
    """An example in the cache: where it is, what must be found in it, what it was made of."""

    path: Path
    expected: str
    made_of: str


@dataclass(frozen=True, slots=True)
class Example:
    key: str
    carrier: str
    name: str  # file or folder name in the cache
    build: Callable[[Path], tuple[str, str]]  # writes the example; (evidence path, made of)

    def get(self) -> Built:
        """The cached example, built once (into a scratch name, renamed when complete)."""
        path = EXAMPLES / self.name
        sidecar = EXAMPLES / f"{self.name}.json"
        if not (path.exists() and sidecar.is_file()):
            EXAMPLES.mkdir(parents=True, exist_ok=True)
            partial = EXAMPLES / f"{self.name}.partial"
            _remove(partial)
            _remove(path)
            expected, made_of = self.build(partial)
            partial.rename(path)
            sidecar.write_text(json.dumps({"expected": expected, "made_of": made_of}))
        meta = json.loads(sidecar.read_text())
        return Built(path, meta["expected"], meta["made_of"])


@dataclass(frozen=True, slots=True)
class Outcome:
    example: Example
    built: Built
    run: Measured
    candidate: dict
    killed: bool  # by the timeout: GNU time went with it, so no max RSS and no CPU time

    @property
    def rss(self) -> str:
        return "n/a (killed)" if self.killed else size(self.run.max_rss)

    @property
    def cpu(self) -> str:
        return "n/a" if self.killed else f"{self.run.cpu:.1f} s"

    @property
    def load(self) -> str:
        return "n/a" if self.killed else f"{self.run.others:.1f} of {os.cpu_count()}"


# -- real packages -------------------------------------------------------------------------------


def sdist_root(name: str, version: str) -> Path:
    """The sdist's top folder (``SQLAlchemy-2.0.30/``) inside its cached unpacked tree."""
    [top] = list(pypi_sdist(name, version).iterdir())
    return top


def pypi_wheel(name: str, version: str) -> Path:
    """A pinned binary wheel (CPython 3.11, manylinux x86-64), downloaded once."""
    download = CACHE / "downloads" / "wheels"
    download.mkdir(parents=True, exist_ok=True)
    stem = f"{name.lower()}-{version}-".replace("_", "-")

    def found() -> list[Path]:
        wheels = download.glob("*.whl")
        return sorted(p for p in wheels if p.name.lower().replace("_", "-").startswith(stem))

    if not found():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary",
             ":all:", *WHEEL_PLATFORM, "-d", str(download), f"{name}=={version}"],
            check=True,
        )  # fmt: skip
    return found()[0]


def npm_tarball(name: str, version: str) -> Path:
    """The tarball ``npm pack`` downloaded for ``name@version`` (``npm_package`` keeps it)."""
    tarball = CACHE / "downloads" / "npm" / f"{name}-{version}.tgz"
    if not tarball.is_file():
        shutil.rmtree(CACHE / "npm" / f"{name}-{version}", ignore_errors=True)
        npm_package(name, version)
    return tarball


def files_of(root: Path) -> Iterator[tuple[str, Path]]:
    """Regular files under ``root`` as (relative POSIX path, path), sorted."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: int = 1_700_000_000) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    archive.addfile(_root_owned(info), io.BytesIO(data))


def tar_of(trees: dict[str, Path], planted: dict[str, bytes], mode: str = "w") -> bytes:
    """A tar of whole trees (folders, files, links, as ``tar`` would store them) under the
    given names, then the planted files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as archive:
        for arcname, tree in trees.items():
            archive.add(tree, arcname=arcname, filter=_root_owned)
        for name, data in planted.items():
            add_bytes(archive, name, data)
    return buffer.getvalue()


# -- builders: each writes one example and says where its planted file must be found ---------------


def build_wheel(dest: Path) -> tuple[str, str]:
    """The real wheel, rewritten with one more module (and its line in RECORD, as a tampered
    wheel would have it)."""
    source = pypi_wheel(*WHEEL)
    planted = "sqlalchemy/util/_ledger_journal.py"
    data = PLANT_PY.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    with zipfile.ZipFile(source) as wheel, zipfile.ZipFile(dest, "w") as out:
        for info in wheel.infolist():
            content = wheel.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                out.writestr(planted, data, zipfile.ZIP_DEFLATED)
                content += f"{planted},sha256={digest},{len(data)}\n".encode()
            out.writestr(info, content, info.compress_type)
    return planted, f"PyPI {source.name} + {planted}"


def build_npm(dest: Path) -> tuple[str, str]:
    """The real npm tarball, re-packed entry by entry with one more file in ``package/lib``."""
    source = npm_tarball(*NPM)
    planted = "package/lib/ledgerClient.ts"
    with tarfile.open(source, "r:gz") as packed, tarfile.open(dest, "w:gz") as out:
        for member in packed:
            out.addfile(member, packed.extractfile(member) if member.isfile() else None)
        add_bytes(out, planted, PLANT_TS.read_bytes(), 499162500)  # npm's fixed 1985 mtime
    return planted, f"npm {source.name} + {planted}"


def build_jar(dest: Path) -> tuple[str, str]:
    """A sources jar of JPype's real Java files (each at its package's path), plus one more."""
    root = sdist_root(*JAVA)
    planted = "com/acmepay/ledger/FraudScoreEvaluator.java"
    count = 0
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: 17 (bench)\r\n")
        seen = set()
        for _, path in files_of(root):
            if path.suffix != ".java":
                continue
            text = path.read_bytes()
            package = next((line.split()[1].rstrip(";") for line in text.decode().splitlines()
                            if line.startswith("package ")), "")  # fmt: skip
            name = f"{package.replace('.', '/')}/{path.name}".lstrip("/")
            if name not in seen:
                seen.add(name)
                jar.writestr(name, text)
                count += 1
        jar.writestr(planted, PLANT_JAVA.read_bytes())
    return planted, f"{count} Java files of PyPI JPype1-1.5.0 sdist + {planted}"


@functools.cache
def sqlalchemy_tar() -> tuple[bytes, str]:
    root = sdist_root("sqlalchemy", PYPI_SDISTS["sqlalchemy"])
    planted = f"{root.name}/lib/sqlalchemy/util/_ledger_journal.py"
    return tar_of({root.name: root}, {planted: PLANT_PY.read_bytes()}), planted


def build_compressed(compress: Callable[[bytes], bytes], tool: str) -> Callable[[Path], tuple]:
    def build(dest: Path) -> tuple[str, str]:
        plain, planted = sqlalchemy_tar()
        dest.write_bytes(compress(plain))
        return planted, f"PyPI SQLAlchemy-2.0.30 sdist re-compressed ({tool}) + {planted}"

    return build


def build_nested(dest: Path) -> tuple[str, str]:
    """A release zip: three real sdists as folders, and in ``release/vendor/`` a real sdist as
    a ``.tgz`` with the planted file inside."""
    click = sdist_root("click", PYPI_SDISTS["click"])
    inner = f"{click.name}/src/click/_ledger_journal.py"
    tgz = tar_of({click.name: click}, {inner: PLANT_PY.read_bytes()}, "w:gz")
    vendored = f"release/vendor/{click.name}.tgz"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as bundle:
        for name in ("flask", "werkzeug", "jinja2"):
            root = sdist_root(name, PYPI_SDISTS[name])
            for relative, path in files_of(root):
                bundle.write(path, f"release/{root.name}/{relative}")
        bundle.writestr(vendored, tgz, zipfile.ZIP_STORED)
    return f"{vendored}!/{inner}", "zip of flask, werkzeug, jinja2 sdists + click sdist as .tgz"


def build_docker(dest: Path) -> tuple[str, str]:
    """What ``docker save`` writes since Docker 25: an OCI image layout (layers as nameless,
    uncompressed tar blobs) plus the legacy ``manifest.json``. Four layers of real packages; the
    app layer adds the planted file and the last layer deletes it with a whiteout."""
    site = "usr/local/lib/python3.11/site-packages"
    python = {f"{site}/{root.name}": root
              for root in (sdist_root(name, PYPI_SDISTS[name])
                           for name in ("sqlalchemy", "rich", "click", "jinja2", "werkzeug",
                                        "flask", "httpx"))}  # fmt: skip
    planted = "app/acme_ledger/journal.py"
    layers = [
        tar_of(python, {}),
        tar_of({"app/node_modules/typescript": npm_package(*NPM)}, {}),
        tar_of({}, {"app/acme_ledger/__init__.py": b"", planted: PLANT_PY.read_bytes()}),
        tar_of({}, {"app/acme_ledger/.wh.journal.py": b""}),
    ]
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return digest

    layer_digests = [blob(layer) for layer in layers]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["python3", "-m", "acme_ledger"], "WorkingDir": "/app"},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{d}" for d in layer_digests]},
    }).encode()  # fmt: skip
    config_digest = blob(config)
    descriptor = "application/vnd.oci.image.layer.v1.tar"
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": f"sha256:{config_digest}", "size": len(config)},
        "layers": [{"mediaType": descriptor, "digest": f"sha256:{d}", "size": len(layer)}
                   for d, layer in zip(layer_digests, layers, strict=True)],
    }).encode()  # fmt: skip
    manifest_digest = blob(manifest)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "digest": f"sha256:{manifest_digest}", "size": len(manifest),
                            "annotations": {"io.containerd.image.name":
                                            "docker.io/acme/ledger-app:1.4.0"}}]}  # fmt: skip
    legacy = [{"Config": f"blobs/sha256/{config_digest}", "RepoTags": ["acme/ledger-app:1.4.0"],
               "Layers": [f"blobs/sha256/{d}" for d in layer_digests]}]  # fmt: skip
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as image:
        for name, data in blobs.items():
            add_bytes(image, name, data)
        add_bytes(image, "index.json", json.dumps(index).encode())
        add_bytes(image, "manifest.json", json.dumps(legacy).encode())
        add_bytes(image, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    made_of = "docker save (OCI) of 4 layers: 7 PyPI sdists, npm typescript, app, whiteout"
    return f"blobs/sha256/{layer_digests[2]}!/{planted}", made_of


def cells_of(text: str, min_lines: int = 30) -> Iterator[str]:
    """A module cut at top-level statements into cells of at least ``min_lines`` lines."""
    lines = text.splitlines(keepends=True)
    starts = sorted({min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                     for node in ast.parse(text).body})  # fmt: skip
    cuts = [0]
    for start in starts[1:]:
        if start - 1 - cuts[-1] >= min_lines:
            cuts.append(start - 1)
    cuts.append(len(lines))
    for begin, end in itertools.pairwise(cuts):
        if begin < end:
            yield "".join(lines[begin:end])


def build_notebook(dest: Path) -> tuple[str, str]:
    """A notebook of real code: the modules of six PyPI packages cut into cells at top-level
    statements, each file introduced by a markdown cell, some cells with output; the planted
    file is one cell in the middle."""
    packages = {"rich": "rich", "click": "src/click", "jinja2": "src/jinja2",
                "werkzeug": "src/werkzeug", "flask": "src/flask", "httpx": "httpx"}  # fmt: skip
    sources = [(f"{name}/{relative}", path)
               for name, inside in packages.items()
               for relative, path in files_of(sdist_root(name, PYPI_SDISTS[name]) / inside)
               if path.suffix == ".py"]  # fmt: skip
    cells: list[dict] = []
    numbers = itertools.count(1)

    def code(text: str) -> dict:
        number = next(numbers)
        outputs = [] if number % 7 else [{"output_type": "stream", "name": "stdout",
                                          "text": [f"checked {number} cells\n"]}]  # fmt: skip
        return {
            "cell_type": "code",
            "execution_count": number,
            "id": f"c{len(cells):05d}",
            "metadata": {},
            "outputs": outputs,
            "source": text.splitlines(keepends=True),
        }

    for position, (name, path) in enumerate(sources):
        if position == len(sources) // 2:
            cells.append({"cell_type": "markdown", "id": f"m{len(cells):05d}", "metadata": {},
                          "source": ["## The journal\n"]})  # fmt: skip
            cells.append(code(PLANT_PY.read_text()))
            planted = len(cells)
        cells.append({"cell_type": "markdown", "id": f"m{len(cells):05d}", "metadata": {},
                      "source": [f"## `{name}`\n"]})  # fmt: skip
        for text in cells_of(path.read_text()):
            cells.append(code(text))
    notebook = {
        "nbformat": 4, "nbformat_minor": 5, "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python", "file_extension": ".py",
                                       "version": "3.11.7"}},
    }  # fmt: skip
    dest.write_text(json.dumps(notebook, indent=1))
    made_of = f"{next(numbers) - 2:,} code cells of {len(sources)} modules of 6 sdists + 1 planted"
    return f"{EXAMPLE_NOTEBOOK}!/cell-{planted}.py", made_of


def build_utf16(dest: Path) -> tuple[str, str]:
    """The rich sdist with every text file re-encoded as UTF-16 with a BOM (as Windows tools
    save them), the planted file too."""
    root = sdist_root("rich", PYPI_SDISTS["rich"])
    planted = "rich/_ledger_journal.py"
    count = 0
    for relative, path in [*files_of(root), (planted, PLANT_PY)]:
        data = path.read_bytes()
        with contextlib.suppress(UnicodeDecodeError):  # binary files are copied as they are
            if b"\0" not in data:
                data = data.decode("utf-8").encode("utf-16")
                count += 1
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return planted, f"PyPI rich-13.7.1 sdist, {count} text files as UTF-16 + {planted}"


def build_padded(
    plant: Path, language: str, marker: bytes, padding: Callable[[], list[Path]]
) -> Callable[[Path], tuple[str, str]]:
    """The planted file, then a comment block of ``PADDING_BYTES`` (real code commented out,
    as someone hiding a file in a large one would write it): five parse windows of 4 MiB."""

    def build(dest: Path) -> tuple[str, str]:
        lines = (line for path in itertools.cycle(padding())
                 for line in path.read_bytes().splitlines(keepends=True))  # fmt: skip
        written = 0
        with dest.open("wb") as out:
            out.write(plant.read_bytes())
            while written < PADDING_BYTES:
                comment = marker + next(lines)
                out.write(comment)
                written += len(comment)
        made_of = f"{plant.name} + {written / 1e6:.0f} MB of commented-out {language}"
        return dest.name.removesuffix(".partial"), made_of

    return build


def sqlalchemy_modules() -> list[Path]:
    root = sdist_root("sqlalchemy", PYPI_SDISTS["sqlalchemy"]) / "lib" / "sqlalchemy"
    return [path for _, path in files_of(root) if path.suffix == ".py"]


def typescript_bundles() -> list[Path]:
    return sorted((npm_package(*NPM) / "lib").glob("*.js"))


EXAMPLE_LIST = [
    Example("wheel", "wheel (zip)", "SQLAlchemy-2.0.30-cp311-cp311-manylinux.whl", build_wheel),
    Example("npm", "npm tarball (tgz)", "typescript-5.4.5.tgz", build_npm),
    Example("jar", "jar (zip)", "org.jpype-1.5.0-sources.jar", build_jar),
    Example("xz", ".tar.xz", "SQLAlchemy-2.0.30.tar.xz",
            build_compressed(lambda data: lzma.compress(data, preset=6), "xz -6")),
    Example("bz2", ".tar.bz2", "SQLAlchemy-2.0.30.tar.bz2",
            build_compressed(lambda data: bz2.compress(data, 9), "bzip2 -9")),
    Example("zst", ".tar.zst", "SQLAlchemy-2.0.30.tar.zst",
            build_compressed(lambda data: zstandard.ZstdCompressor(level=3).compress(data),
                             "zstd -3")),
    Example("nested", "tgz in a folder in a zip", "release-bundle.zip", build_nested),
    Example("docker", "docker save image", "acme-ledger-app-image.tar", build_docker),
    Example("notebook", "Jupyter notebook", EXAMPLE_NOTEBOOK, build_notebook),
    Example("utf16", "UTF-16 (BOM) tree", "rich-13.7.1-utf16", build_utf16),
    Example("padded-ts", "file > 1 MiB window (.ts)", "ledger_client_padded.ts",
            build_padded(PLANT_TS, "typescript lib/*.js", b"// ", typescript_bundles)),
    Example("padded-py", "file > 1 MiB window (.py)", "ledger_journal_padded.py",
            build_padded(PLANT_PY, "SQLAlchemy", b"# ", sqlalchemy_modules)),
]  # fmt: skip


# -- running -------------------------------------------------------------------------------------


def disk_bytes(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for _, p in files_of(path))
    return path.stat().st_size


def leaktrace(*args: str, timeout: float = 1800.0) -> Measured:
    return run_measured([str(LEAKTRACE), *args], cwd=REPO, timeout=timeout)


def scan(example: Example, built: Built, store: Path, scratch: Path, timeout: float) -> Outcome:
    out = scratch / f"{example.key}.json"
    run = leaktrace("scan", str(built.path), "--store", str(store), "--json", str(out),
                    "--results", str(scratch / f"{example.key}-results.db"),
                    timeout=timeout)  # fmt: skip
    killed = run.wall >= timeout and run.code < 0
    try:
        [candidate] = json.loads(out.read_text())["candidates"]
    except (OSError, ValueError):
        verdict = f"killed at the {timeout:.0f} s timeout" if killed else f"exit {run.code}"
        candidate = {"verdict": verdict, "files": [], "scanned": {}}
    return Outcome(example, built, run, candidate, killed)


def evidence(candidate: dict) -> list[str]:
    return sorted({pair["candidate_path"] for pair in candidate.get("files", [])})


def passed(outcome: Outcome) -> bool:
    return (outcome.run.code == 1 and outcome.candidate["verdict"] == "derivative"
            and outcome.built.expected in evidence(outcome.candidate))  # fmt: skip


def size(n: int) -> str:
    return f"{n / MIB:,.1f} MiB" if n >= MIB else f"{n / 1024:,.0f} KiB"


def report(outcome: Outcome) -> None:
    c, run = outcome.candidate, outcome.run
    scanned = c.get("scanned", {})
    found = evidence(c)
    print(f"\n== {outcome.example.carrier}: {outcome.built.path.name} "
          f"({disk_bytes(outcome.built.path):,} bytes; {outcome.built.made_of})")  # fmt: skip
    print(f"   exit {run.code}, {scanned.get('files', 0):,} files, {scanned.get('lines', 0):,} "
          f"lines in {run.wall:.1f} s wall, {outcome.cpu} CPU; peak RSS {outcome.rss}, "
          f"tree PSS {size(run.tree_peak)}; other load {outcome.load} cores")  # fmt: skip
    print(f"   verdict {c['verdict']}, complete {c.get('complete')}, "
          f"{c.get('matched_tokens', 0):,} private tokens")  # fmt: skip
    print(f"   expected evidence: {outcome.built.expected}")
    for pair in c.get("files", []):
        if pair["candidate_path"] == outcome.built.expected:
            print(f"   its lines {_ranges(pair['candidate_lines'])}, private "
                  f"{pair['private_path']} lines {_ranges(pair['private_lines'])}")  # fmt: skip
    print("   found:    " + ("\n             ".join(found) or "(nothing)"))
    for item in c.get("unread", []) + c.get("problems", [])[:5]:
        print(f"   problem: {item['path'] or '(candidate)'}: {item['message']}")
    if len(c.get("problems", [])) > 5:
        print(f"   ... {len(c['problems']) - 5:,} more problems")
    if not passed(outcome):
        tail = run.stderr.strip().splitlines()[-15:]
        print("   FAIL" + ("; stderr ends:\n" + "\n".join(tail) if tail else "; no stderr"))


def _ranges(ranges: list[list[int]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges)


def table(outcomes: list[Outcome]) -> str:
    rows = [
        "| carrier | example | on disk | files | lines | wall | CPU | other load | peak RSS "
        "| tree PSS | verdict | evidence found |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for o in outcomes:
        scanned = o.candidate.get("scanned", {})
        mark = "yes" if o.built.expected in evidence(o.candidate) else "**no**"
        rows.append(
            f"| {o.example.carrier} | `{o.built.path.name}` | {size(disk_bytes(o.built.path))} "
            f"| {scanned.get('files', 0):,} | {scanned.get('lines', 0):,} | {o.run.wall:.1f} s "
            f"| {o.cpu} | {o.load} | {o.rss} "
            f"| {size(o.run.tree_peak)} | {o.candidate['verdict']} "
            f"| {mark}: `{o.built.expected}` |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated: " + ",".join(e.key for e in EXAMPLE_LIST))
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds one scan may take before it is killed (default 120)",
    )
    args = parser.parse_args(argv)
    chosen = EXAMPLE_LIST
    if args.only:
        keys = args.only.split(",")
        chosen = [e for e in EXAMPLE_LIST if e.key in keys]
        if unknown := set(keys) - {e.key for e in chosen}:
            parser.error(f"unknown examples: {', '.join(sorted(unknown))}")

    print(f"building examples in {EXAMPLES} (cached) ...", flush=True)
    built = [(example, example.get()) for example in chosen]
    scratch = Path(tempfile.mkdtemp(prefix="carriers-", dir=CACHE))
    try:
        store = scratch / "store.db"
        done = leaktrace("fingerprint", str(PRIVATE), "--store", str(store))
        if done.code != 0:
            print(done.stdout + done.stderr)
            return 2
        print(f"store: {PRIVATE.relative_to(REPO)} fingerprinted in {done.wall:.1f} s; "
              f"scans use every core ({os.cpu_count()})")  # fmt: skip
        outcomes = []
        for example, item in built:
            outcomes.append(scan(example, item, store, scratch, args.timeout))
            report(outcomes[-1])
            sys.stdout.flush()
    finally:
        if args.keep:
            print(f"\nscratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print()
    print(table(outcomes))
    failed = [o.example.key for o in outcomes if not passed(o)]
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} examples derivative with the "
          "expected evidence" + (f"; FAILED: {', '.join(failed)}" if failed else ""))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
