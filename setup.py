"""Builds the optional native tokenizer (``fingerprints/_native.c``); everything else is in
pyproject.toml.

py-tree-sitter does not export tree-sitter's C API, so the extension compiles the tree-sitter
core itself: from the sdist of the py-tree-sitter release pyproject.toml pins (the same core
the Python path parses with), downloaded from the package index at build time with pip (never
committed), checked against its SHA-256, and unpacked into the build's temporary folder. When
the download or the compiler fails, the install still succeeds without the extension and
leaktrace runs its Python path, with identical results (``leaktrace version`` says which).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

TREE_SITTER = "0.26.1"
SDIST = f"tree_sitter-{TREE_SITTER}.tar.gz"
SDIST_SHA256 = "9919cbaf02d17fa9a4cd0e6da496aecf901b758e6eacf122eee393e3ef08aacd"
CORE = f"tree_sitter-{TREE_SITTER}/tree_sitter/core/lib"


def _core(folder: Path) -> Path:
    """The tree-sitter core's ``lib`` folder, unpacked from the checked sdist into ``folder``."""
    lib = folder / CORE
    if (lib / "src" / "lib.c").is_file():
        return lib
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / SDIST
    if not archive.is_file():
        # the hash goes to pip, which checks it before it unpacks or prepares anything (pip
        # runs an sdist's build backend to read its metadata; a tampered one never gets there)
        pinned = folder / "requirements.txt"
        pinned.write_text(f"tree-sitter=={TREE_SITTER} --hash=sha256:{SDIST_SHA256}\n")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", "--no-build-isolation", "--require-hashes",
                        "-d", str(folder), "-r", str(pinned)], check=True)  # fmt: skip
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        archive.unlink()
        raise RuntimeError(f"{SDIST} has SHA-256 {digest}, expected {SDIST_SHA256}")
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(f"tree_sitter-{TREE_SITTER}/")
                   and ("/core/lib/" in m.name or m.name.endswith("/LICENSE"))]  # fmt: skip
        tar.extractall(folder, members=members, filter="data")
    return lib


class OptionalBuildExt(build_ext):
    """Fetches the core before compiling; any failure leaves the extension out, with a line."""

    def build_extension(self, ext: Extension) -> None:
        try:
            lib = _core(Path(self.build_temp).resolve() / "tree-sitter-core")
            ext.sources = [str(lib / "src" / "lib.c"), *ext.sources]
            ext.include_dirs = [str(lib / "include"), str(lib / "src"), *ext.include_dirs]
            super().build_extension(ext)
        except Exception as exc:  # no index, no compiler: the Python path does the same work
            print(f"leaktrace: native tokenizer not built ({exc}); the Python path is used",
                  file=sys.stderr)  # fmt: skip


setup(
    ext_modules=[
        Extension(
            "fingerprints._native",
            sources=["fingerprints/_native.c"],
            define_macros=[("_DEFAULT_SOURCE", None), ("TREE_SITTER_HIDE_SYMBOLS", None)],
            extra_compile_args=["-O2", "-std=c11", "-fvisibility=hidden"],
            optional=True,
        )
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
