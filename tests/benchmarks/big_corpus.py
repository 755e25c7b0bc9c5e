"""A corpus of up to 100 million lines of source for the distributed-build benchmark.

Real code first: every package already in the benchmark cache (the PyPI sdists, the npm
packages, the Debian Go and Rust sources, pip's wheel), each passed as its own folder. Then, to
reach the size asked for, *variants*: copies of the real code files (by the extensions leaktrace
reads), round after round, each made a distinct file of its own:

- a first-line comment naming the round and the original (``# leaktrace-bench variant 7 of
  pypi/rich-13.7.1/...``), so no two files share content;
- every identifier of three or more characters that is not a keyword of a supported language
  renamed with the round's own suffix (``parse_args`` -> ``parse_args_r7``): a deterministic
  rename, consistent within the file, that keeps the file's syntax and token distribution
  (leaktrace folds identifiers, so a variant's fingerprints are its original's, as a renamed copy's
  are).

Variants are written once into ``$LEAKTRACE_BENCH_CACHE/big-corpus/`` in chunks of about one
million lines (``variants-0001`` ...), each a folder passed as one source; a manifest records
every finished chunk, so a larger corpus extends a smaller one and an interrupted build resumes.
The order (real packages sorted, then round by round, file by file) is fixed, so the first N
lines are always the same code.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from tests.benchmarks.corpus import CACHE

ROOT = CACHE / "big-corpus"
CHUNK_LINES = 1_000_000
GROUPS = ("pip-wheel", "pypi", "npm", "debian")
EXTENSIONS = {
    ".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".go",
    ".java", ".rs", ".c", ".h", ".cc", ".cpp", ".hh", ".hpp", ".cs", ".rb", ".php", ".kt",
}  # fmt: skip
#: Files larger than this are left out of the variants (minified bundles, generated tables).
MAX_VARIANT_BYTES = 512 * 1024
#: Keywords (and contextual keywords) of the languages above, never renamed.
_KEYWORD_TEXT = """
False None True and as assert async await break class continue def del elif else except
finally for from global if import in is lambda nonlocal not or pass raise return try while
with yield match case type print self cls super
abstract any arguments boolean byte catch char const debugger declare default delete do double
enum eval export extends final float function get goto implements instanceof int interface
keyof let long module namespace native never new null number of package private protected
public readonly require short static string switch symbol synchronized this throw throws
transient typeof undefined unique unknown var void volatile infer satisfies override accessor
asserts constructor object bigint
chan defer fallthrough func map range select struct
crate dyn extern fn impl loop mod move mut pub ref Self static trait unsafe use where union
macro_rules
auto register signed sizeof unsigned inline restrict typedef bool char16_t char32_t
alignas alignof decltype explicit friend mutable noexcept nullptr operator template
typename virtual using constexpr
begin end ensure rescue retry redo unless until then alias defined undef elsif yield nil
echo foreach endif endforeach endwhile endfor endswitch insteadof clone fun val init when
internal inner open sealed data object companion lateinit reified tailrec vararg suspend
"""
KEYWORDS = frozenset(_KEYWORD_TEXT.split())
IDENTIFIER = re.compile(r"(?<![\w$])([A-Za-z_][A-Za-z0-9_]{2,})(?![\w$])")


def real_packages() -> list[Path]:
    """Every package unpacked in the cache, in a fixed order."""
    found = []
    for group in GROUPS:
        folder = CACHE / group
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_dir() and p.suffix != ".partial")
    return found


def own_code(package: Path) -> Iterator[tuple[Path, bytes]]:
    """Every code file of a package that leaktrace fingerprints as the company's own (not in a
    vendored or tool folder, not generated, not minified: ``third_party_reason``), in order."""
    from fingerprints import third_party_reason

    for path in sorted(package.rglob("*")):
        if path.suffix.lower() in EXTENSIONS and path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if not third_party_reason(PurePosixPath(path.relative_to(package).as_posix()), data):
                yield path, data


def code_files(packages: list[Path]) -> list[tuple[str, Path]]:
    """(name within the corpus, path) of the real packages' own code files to copy, in order."""
    return [(f"{package.parent.name}/{path.relative_to(package.parent)}", path)
            for package in packages for path, data in own_code(package)
            if len(data) <= MAX_VARIANT_BYTES]  # fmt: skip


def template(name: str, path: Path) -> tuple[str, int]:
    """The file as a ``str.format`` template of one argument (the round), and its line count."""
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    text = text.replace("{", "{{").replace("}", "}}")
    renamed = IDENTIFIER.sub(lambda m: m[1] if m[1] in KEYWORDS else m[1] + "_r{0}", text)
    comment = "#" if Path(name).suffix in (".py", ".pyi", ".rb") else "//"
    escaped = name.replace("{", "{{").replace("}", "}}")
    header = f"{comment} leaktrace-bench variant {{0}} of {escaped}"
    body = f"{header}\n{renamed}"
    return body, body.count("\n")


def _sequence(files: list[tuple[str, Path]], start: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """(round, file index) from ``start`` on, round after round."""
    round_, index = start
    while True:
        for i in range(index, len(files)):
            yield round_, i
        round_, index = round_ + 1, 0


def real_lines(packages: list[Path]) -> int:
    """Lines of the real packages' own code files (a newline count; the store counts its own)."""
    cached = ROOT / "real-lines.json"
    key = [str(p) for p in packages]
    if cached.exists():
        saved = json.loads(cached.read_text())
        if saved["packages"] == key:
            return int(saved["lines"])
    total = sum(data.count(b"\n") for package in packages for _, data in own_code(package))
    ROOT.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({"packages": key, "lines": total}))
    return total


def big_corpus(lines: int) -> tuple[list[Path], int, int]:
    """The folders of a corpus of at least ``lines`` lines: (folders, real lines, variant lines).

    Real packages come first, whole; the variant chunks needed to reach ``lines`` are written
    now unless already in the cache."""
    packages = real_packages()
    real = real_lines(packages)
    manifest_path = ROOT / "manifest.json"
    key = [str(p) for p in packages]
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if manifest.get("packages") != key:  # other packages in the cache: other variants, anew
        manifest = {"packages": key, "chunks": []}
    chunks: list[dict] = manifest["chunks"]
    files: list[tuple[str, Path]] | None = None
    templates: dict[int, tuple[str, int]] = {}
    while real + sum(c["lines"] for c in chunks) < lines:
        if files is None:
            files = code_files(packages)
            print(f"variants: {len(files):,} real code files to copy", flush=True)
        start = tuple(chunks[-1]["end"]) if chunks else (1, 0)
        folder = ROOT / f"variants-{len(chunks) + 1:04d}"
        partial = folder.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        written, count, end = 0, 0, start
        for round_, index in _sequence(files, start):  # type: ignore[arg-type]
            if written >= CHUNK_LINES:
                end = (round_, index)
                break
            if index not in templates:
                templates[index] = template(*files[index])
            body, body_lines = templates[index]
            target = partial / f"r{round_:03d}" / files[index][0]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body.format(round_).encode("utf-8", "surrogateescape"))
            written += body_lines
            count += 1
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        chunks.append({"folder": folder.name, "files": count, "lines": written, "end": end})
        manifest_path.write_text(json.dumps(manifest))
        print(f"  {folder.name}: {count:,} files, {written:,} lines (to round {end[0]})",
              flush=True)  # fmt: skip
    needed, total = [], real
    for chunk in chunks:
        if total >= lines:
            break
        needed.append(ROOT / chunk["folder"])
        total += chunk["lines"]
    return [*packages, *needed], real, total - real
