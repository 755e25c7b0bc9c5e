"""The native tokenizer (``fingerprints/_native.c``) gives what the Python path gives, bit for bit.

Real code in all 13 languages: the real modules the structural benchmark keeps (Python,
JavaScript, Go, Rust), Pygments 2.18.0's example files (Ruby, JavaScript, C++, C, Python, PHP,
Java, Go, Rust, Kotlin, C#), mobx 6.13.5's TypeScript sources (also read as TSX), CPython's
own C headers, and each example file read as every other language too (error recovery on
every grammar). Then hostile input, the isolated parser process, and a whole store.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fingerprints import FingerprintParams, isolation, native, open_store
from fingerprints.fingerprinter import fingerprint_file
from fingerprints.isolation import ParseLimits, isolated_tokenize
from fingerprints.languages import LANGUAGES, language_for_path, load_language
from fingerprints.normalize import TokenStream, tokenize
from fingerprints.signature import _permutations
from fingerprints.structure import LOCAL
from scanner.cli import app
from tests.benchmarks.corpus import npm_package, pypi_sdist
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parent
ARRAYS = ("values", "raw", "line_start", "line_end", "start_byte", "end_byte")
PARAMS = FingerprintParams()


def test_the_install_built_the_extension():
    """``pip install -e .`` builds it (setup.py); pip's output says why when it could not."""
    assert native.built(), "the native tokenizer was not built: see 'native tokenizer not built'"
    assert native.active()


def test_a_tokenizer_used_outside_its_one_initialisation_is_an_error_not_a_crash():
    module = native._module()
    assert module is not None
    bare = module.Tokenizer.__new__(module.Tokenizer)
    with pytest.raises(RuntimeError, match="not initialised"):
        bare.tokenize(b"x = 1\n", b"x = 1\n")
    a, b = _permutations(PARAMS.num_perm, PARAMS.seed)
    with pytest.raises(RuntimeError, match="not initialised"):
        bare.fingerprint(b"x = 1\n", b"x = 1\n", PARAMS.k, PARAMS.w, a, b)
    working = native.tokenizer("python")
    assert working is not None
    with pytest.raises(RuntimeError, match="initialised once"):
        working.__init__()  # any arguments: refused before they are read
    assert len(working.tokenize(b"x = 1\n", b"x = 1\n")[0]) == 3 * 8


def python_path(data: bytes, language: str) -> TokenStream:
    with native.disabled():
        assert native.tokenizer(language) is None
        return tokenize(data, load_language(language))


def assert_same(data: bytes, language: str, where: str = "") -> TokenStream:
    """Native and Python token streams, structures and file fingerprints of ``data`` agree."""
    assert native.tokenizer(language) is not None
    ours, theirs = tokenize(data, load_language(language)), python_path(data, language)
    for name in ARRAYS:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), f"{where} {language}: {name}"
    assert (ours.lines, ours.error_line) == (theirs.lines, theirs.error_line), where
    assert ours.structure.to_bytes() == theirs.structure.to_bytes(), f"{where} {language}"
    native_fp = fingerprint_file(where, data, language, PARAMS)
    with native.disabled():
        python_fp = fingerprint_file(where, data, language, PARAMS)
    assert native_fp.fingerprints.dtype == python_fp.fingerprints.dtype
    assert native_fp.fingerprints.tobytes() == python_fp.fingerprints.tobytes(), where
    assert native_fp == _without_arrays(python_fp, native_fp.fingerprints), where
    return ours


def _without_arrays(fp, fingerprints):
    """``fp`` holding the other side's (byte-equal) array, so ``==`` compares the rest."""
    from dataclasses import replace

    return replace(fp, fingerprints=fingerprints)


KOTLIN = """\
package acme.ledger

import java.math.BigDecimal

/** Raised when a journal entry does not balance. */
class LedgerError(message: String) : Exception(message)

data class Posting(val account: String, val amount: BigDecimal, val currency: String = "EUR")

class Journal {
    private val postings = mutableMapOf<String, MutableList<Posting>>()

    fun post(lines: List<Pair<String, BigDecimal>>, currency: String = "EUR"): Int {
        var total = BigDecimal.ZERO
        for ((account, amount) in lines) {
            if (amount.signum() == 0) throw LedgerError("zero amount for $account")
            total += amount
        }
        if (total.signum() != 0) {
            throw LedgerError("entry does not balance: ${total.toPlainString()}")
        }
        lines.forEach { (account, amount) ->
            postings.getOrPut(account) { mutableListOf() }.add(Posting(account, amount, currency))
        }
        return lines.size
    }

    fun balance(account: String): BigDecimal =
        postings[account].orEmpty().fold(BigDecimal.ZERO) { sum, p -> sum + p.amount }

    fun trialBalance(): Triple<List<Pair<String, BigDecimal>>, BigDecimal, BigDecimal> {
        val rows = postings.keys.sorted().map { it to balance(it) }
            .filter { it.second.signum() != 0 }
        val debit = rows.filter { it.second > BigDecimal.ZERO }.sumOf { it.second }
        val credit = rows.filter { it.second < BigDecimal.ZERO }.sumOf { -it.second }
        return when {
            rows.isEmpty() -> Triple(emptyList(), BigDecimal.ZERO, BigDecimal.ZERO)
            else -> Triple(rows, debit, credit)
        }
    }
}

fun main(args: Array<String>) {
    val journal = Journal()
    val count = journal.post(listOf("cash" to BigDecimal("10.50"), "sales" to BigDecimal("-10.50")))
    println("posted $count lines; cash ${journal.balance("cash")}")
    val (rows, debit, credit) = journal.trialBalance()
    rows.forEachIndexed { i, (account, value) -> println("${i + 1}. $account: $value") }
    check(debit == credit) { "unbalanced: $debit != $credit" }
}
"""
"""A Kotlin module written for these tests (little real Kotlin ships in the registries' Python
and npm packages), beside Pygments' ``example.kt``."""


def corpus() -> dict[str, list[Path]]:
    """Real files by language (see the module docstring)."""
    files = sorted(ROOT.glob("benchmarks/structural/*/*/original/**/*"))
    examples = pypi_sdist("pygments", "2.18.0")
    files += sorted(examples.glob("**/tests/examplefiles/**/*"))
    files += sorted(p for p in npm_package("mobx", "6.13.5").glob("src/**/*.ts")
                    if not p.name.endswith(".d.ts"))[:25]  # fmt: skip
    files += sorted(Path(sysconfig.get_paths()["include"]).glob("*.h"))[:25]
    found: dict[str, list[Path]] = {}
    for path in files:
        language = language_for_path(path)
        if language and path.is_file():
            found.setdefault(language, []).append(path)
    written = ROOT / ".artifacts" / "native" / "Journal.kt"
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(KOTLIN)
    found.setdefault("kotlin", []).append(written)
    found["tsx"] = found.get("tsx", []) + found.get("typescript", [])[:10]
    found["cpp"] = found.get("cpp", []) + found.get("c", [])[:10]
    return found


@pytest.fixture(scope="module")
def real() -> dict[str, list[Path]]:
    return corpus()


def test_every_language_has_real_code(real):
    assert sorted(real) == sorted(LANGUAGES)
    assert all(real[language] for language in LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_real_code_gives_the_same_tokens_structure_and_fingerprints(real, language):
    tokens = functions = 0
    for path in real[language]:
        stream = assert_same(path.read_bytes(), language, str(path))
        tokens += len(stream)
        functions += len(stream.structure)
    assert tokens > 400 and functions > 0  # real work was compared, not empty streams


def test_every_example_read_as_every_language(real):
    """Files in the wrong grammar: error recovery, ERROR leaves and MISSING nodes everywhere."""
    examples = [p for paths in real.values() for p in paths if "examplefiles" in str(p)]
    errors = 0
    for path in examples[:: max(1, len(examples) // 12)]:
        for language in LANGUAGES:
            errors += assert_same(path.read_bytes(), language, str(path)).error_line is not None
    assert errors > 50


NESTED = b"function f(a, b) { g(1); a.h('s'); if (a < 2) { return b; } " * 400 + b"}" * 400
SOME = ("python", "javascript", "php", "ruby", "rust", "kotlin")
HOSTILE = {  # name: (bytes, languages read as)
    "empty": (b"", LANGUAGES),
    "one newline": (b"\n", LANGUAGES),
    "nul bytes": (b"def f(x):\n    return '\0\0' + x\0\0\n" * 40, SOME),
    "not utf-8": (b"def f():\n    return '\xff\xfe\x80' + \"\xc3\x28\"\n" * 40, SOME),
    "crlf and lone cr": (b"def f(a, b):\r\n    if a:\r        return b\r\n" * 40, SOME),
    "only comments": (b"# a\n# b\n// c\n/* d */\n" * 100, SOME),
    "unterminated": (b"function f(a) { return '" + b"x" * 5000, SOME),
    # one 1.3 MB line: a minified bundle
    "huge minified line": (b"var a=function(b,c){return b+c*2||'s'+\"t\"};" * 30_000,
                           ("javascript",)),
    "nested lambdas": (b"f = " + b"lambda x: (" * 400 + b"x" + b")" * 400 + b"\n", ("python",)),
    "nested closures": (b"x = " + b"function(a, b) { return [" * 300 + b"1" + b"]}" * 300,
                        ("javascript", "typescript")),
    "string runs": (b'x = "a" "b" \'c\' f"{d}" "\\n\\t" r"e"\n' * 500, SOME),
    # hundreds of nested functions, each long enough to count: PAINT_BUDGET stops the painting
    # (test_the_paint_budget_stops_nested_functions_alike)
    "nested functions past the paint budget": (NESTED, ("javascript", "typescript")),
    "odd numbers": (("def f(a, b):\n" + "    x = a + 1e400 - 0x_FF * 1_000.0 / 07 + 1e-7 + 0o17"
                     " + 0b101 + 1j + 10L + .5 + 5. + 0xffffffffffffffffffff + 1e-400 + 1E5"
                     " + 123456789012345678901234567890 + 0.1 + 1_0 + 9e18 + 1e19 + 0X1F + 1f"
                     " + 1.5e+3 + 12u + 0.0 + -0.0 + 1e309 + 0x1p3 + 017L + 1'000 + 0b\n"
                     "    return b(x, 2.50, 3)\n" * 20).encode(), LANGUAGES),
    "unicode names and strings": (("def Straße(ǅ, b):\n    return İstanbul.ToUpper(ǅ) + Ω.ΣΑΣ()"
                                   " + _private(b) + Straße(1) + x.__init__() + b.__len__()"
                                   " + 'Ärger  über' + '\u00a0a\u2003b' + 'ǅ' + 'ﬁ' + ß(2)\n"
                                   * 30).encode(), SOME),
    "invalid utf-8 in names": (b"def f\xff(a, b):\n    return g\xc3(a) + a.h\x80\x80(b) + "
                               b"f\xff(1) + '\xfe' + 1\n" * 40, SOME),
    "long names, numbers and strings": (
        ("function f(a, b) {\n" + f"  {'q' * 300}(a); x.{'Q_' * 200}(b); g({'9' * 400}); "
         f"h('{'s ' * 34}'); k(\"{'z' * 70}\"); m(`{'y' * 69}`); return 0x{'F' * 300};\n"
         * 20 + "}\n").encode(), ("javascript", "typescript", "java", "go")),
    # more distinct texts than the native tokenizer keeps between files: emptied mid-file
    "many distinct texts": (("function f(a, b) {\n" + "".join(
        f"  g{i}({i}, 's{i}', a.m{i}());\n" for i in range(12_000)) + "}\n").encode(),
        ("javascript",)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_the_same_results(name):
    data, languages = HOSTILE[name]
    for language in languages:
        assert_same(data, language, name)


def test_the_paint_budget_stops_nested_functions_alike():
    stream = assert_same(NESTED, "javascript", "nested")
    assert 0 < len(stream.structure) < 20  # of 400 functions, the outer ones within the budget


def test_a_stream_without_structure_is_the_stream_with_one_less_it():
    """Reference files ask for none (``tokenize(structure=False)``): the same tokens."""
    code = (SAMPLES / "private" / "acme-ledger" / "acme_ledger" / "journal.py").read_bytes()
    python = load_language("python")
    for context in (contextlib.nullcontext, native.disabled):
        with context():
            full, bare = tokenize(code, python), tokenize(code, python, structure=False)
        assert len(full.structure) > 0 and len(bare.structure) == 0
        for name in ARRAYS:
            assert np.array_equal(getattr(full, name), getattr(bare, name)), name
        assert (full.lines, full.error_line) == (bare.lines, bare.error_line)


def test_the_native_codes_of_a_text_depend_on_the_file_that_calls_it():
    """A name the tokenizer has kept from one file is LOCAL only in a file that defines it."""
    calls = b"def f(a, b):\n    x = helper(a) + b.run(1) + run(2) + helper(3)\n    return x\n" * 4
    defines = calls + b"def helper(x):\n    return x\n\nclass run:\n    pass\n"
    for data in (calls, defines, calls, defines):
        events = assert_same(data, "python", "local").structure.events
        assert (LOCAL in events.tolist()) == (data == defines)


def test_deep_nesting_in_a_thread_with_a_big_stack():
    """The isolated child's setting: 100,000 nested ``([{`` parse in a thread whose stack is
    ``STACK_BYTES`` (they overflow the main thread's 8 MiB), natively and not alike."""
    deep = b"([{" * 100_000
    results: list[TokenStream] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            results.append(assert_same(deep, "java", "deep"))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    before = threading.stack_size(isolation.STACK_BYTES)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(before)
    assert not failures, failures
    assert len(results[0]) == 300_000 and results[0].error_line == 1


def test_a_native_answer_has_the_fields_of_a_file_fingerprint_in_their_order():
    """``from_fields`` makes a ``FileFingerprint`` of a ``NativeFile`` by position: the two
    field lists are written apart (the parser processes import no numpy) and must stay one."""
    import dataclasses

    from fingerprints.fingerprinter import FileFingerprint

    names = tuple(field.name for field in dataclasses.fields(FileFingerprint))
    assert isolation.NativeFile._fields == names


def test_the_isolated_child_tokenizes_natively():
    """The parser process imports the extension through its stand-in package."""
    isolation.close_parsers()
    code = (SAMPLES / "private" / "acme-ledger" / "acme_ledger" / "journal.py").read_bytes()
    there = isolated_tokenize(code, "python", ParseLimits())
    here = python_path(code, "python")
    for name in ARRAYS:
        assert np.array_equal(getattr(here, name), getattr(there, name))
    assert here.structure.to_bytes() == there.structure.to_bytes()
    probe = ("import sys, types; p = types.ModuleType('fingerprints'); "
             f"p.__path__ = [{str(ROOT.parent / 'fingerprints')!r}]; "
             "sys.modules['fingerprints'] = p; from fingerprints import native; "
             "print(native.active())")  # fmt: skip
    for setting, expected in (("1", "True"), ("0", "False")):
        environment = {**os.environ, native.ENVIRONMENT: setting}
        said = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              check=True, env=environment)  # fmt: skip
        assert said.stdout.strip() == expected  # so LEAKTRACE_NATIVE=0 reaches the children


def store_content(path: Path) -> tuple[str, list[tuple]]:
    with open_store(path) as opened:
        digest = opened.digest()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT path, language, tokens, lines, fingerprints, signature, "
                          "structure, boilerplate FROM files ORDER BY path").fetchall()  # fmt: skip
    return digest, rows


def test_a_store_fingerprinted_natively_is_the_store_without(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    tree.mkdir()
    for language, paths in corpus().items():
        for number, path in enumerate(paths[:6]):
            target = tree / language / f"{number}-{path.name}"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(path.read_bytes())
    runner = CliRunner()
    stores = {}
    for name, setting in (("native", "1"), ("python", "0")):
        monkeypatch.setenv(native.ENVIRONMENT, setting)
        isolation.close_parsers()  # children started now read the setting
        stores[name] = tmp_path / f"{name}.db"
        with native.disabled() if setting == "0" else contextlib.nullcontext():
            done = runner.invoke(app, ["fingerprint", str(tree), "--store", str(stores[name])])
        assert done.exit_code == 0, done.output
    isolation.close_parsers()
    native_store, python_store = store_content(stores["native"]), store_content(stores["python"])
    assert len(native_store[1]) > 60
    assert native_store == python_store


def test_version_says_whether_the_native_tokenizer_runs():
    done = CliRunner().invoke(app, ["version"])
    assert done.exit_code == 0 and "native tokenizer: yes" in done.output


@pytest.mark.parametrize("data", [
    b"", b"#", b"\n#\n", b"# a\n  # b\n\t# c\nx = 1  # d\n#e", b"\r\n# a\r\n \t #b\r\n",
    b"\f# form feed\n \x0b# vertical tab\n", b"x\n#\xff\xfe\n" * 3, b"\n\n  #  \n", b"'#'\n",
    b"  \n#" + b"#" * 5000, b"a#\n #\n", b"no comment at all\n",
])  # fmt: skip
def test_comment_lines_are_blanked_natively_as_the_regex_blanks_them(data):
    from fingerprints import normalize

    assert native.blank_comment_lines(data) == normalize._COMMENT_LINE.sub(
        lambda m: b" " * len(m.group()), data
    )


def test_the_event_codes_worked_out_in_c_are_pythons():
    """``_native.text_code`` (ASCII names, integers, printable strings; BLAKE2b in C) answers
    as ``structure.text_codes`` on every text it answers for, and leaves the rest to it."""
    import random

    from fingerprints import structure

    module = native._module()
    native.tokenizer("python")  # sets the names table
    assert module.CONTROL_CODES == structure.CONTROL_CODES
    rng = random.Random(12)
    alphabet = "aAbBeEfFlLoOxXzZ_09178.'\"` -+\t\n\r\x0b\x1c\xe9\u0130"
    texts = [(kind, ("q" * n).encode()) for kind in (0, 1, 2) for n in range(0, 260)]  # blocks
    texts += [(0, name.encode()) for name in (*structure.CALL_ALIASES, *structure.SYNTAX_CALLS)]
    texts += [(2, b'"' + b"\xc3\xa9" * n + b'"') for n in range(30, 145)]  # over 70 characters
    texts += [(2, b"'a \n\tb'\n"), (2, b"'a'\n"), (2, b"'''\n  x\r\n'''"), (2, b"'a\x0b\x0cb'")]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.choice((1, 2, 3, 5, 8, 20, 75))))
        texts.append((rng.randrange(3), text.encode()))
    answered = 0
    for kind, data in texts:
        ours = module.text_code(kind, data)
        if ours is not None:
            answered += 1
            assert list(ours) == structure.text_codes([(kind, data)]), (kind, data)
    assert answered > 5_000  # thousands of them worked out in C, each checked


SEEDS = (0, 1, 2**63, 2**64 - 1, 0x9E3779B97F4A7C15)


def test_the_hash_tables_seed_changes_no_output(real):
    """Each Tokenizer keys its hash tables' slots with a random seed (a file cannot bring its
    names or functions into one probe chain); any seed gives the same outputs, byte for byte:
    real code of every language, then the inputs that fill the tables most (thousands of
    texts, past the cache's size; hundreds of nested functions; string runs)."""
    module = native._module()
    work = [(language, path.read_bytes()) for language in LANGUAGES
            for path in real[language][:4]]  # fmt: skip
    work += [(language, HOSTILE[name][0]) for name in ("many distinct texts", "nested closures",
             "nested functions past the paint budget", "string runs", "nested lambdas")
             for language in HOSTILE[name][1][:2]]  # fmt: skip
    expected = [native.tokenizer(language).tokenize(data, data) for language, data in work]
    assert sum(len(answer[7] or b"") for answer in expected) > 10_000  # structures compared
    for seed in SEEDS:
        tokenizers = {language: native.new_tokenizer(module, language, seed)
                      for language in LANGUAGES}  # fmt: skip
        for _ in range(2):  # the second time from the texts' cache
            for (language, data), answer in zip(work, expected, strict=True):
                assert tokenizers[language].tokenize(data, data) == answer, (seed, language)


def test_a_string_token_cannot_be_an_anchor(monkeypatch):
    """The walk finds an anchor's function when it meets the token; a string token's range
    may still grow after that, so a Tokenizer whose anchors hold it is refused."""
    from fingerprints import events
    from fingerprints.grammars import STRING

    monkeypatch.setattr(events, "ANCHORS", (*events.ANCHORS, STRING))
    with pytest.raises(ValueError, match="string token cannot be an anchor"):
        native.new_tokenizer(native._module(), "python")


ALLOCATING = """import pickle, sys
from fingerprints import native
from fingerprints.fingerprinter import fingerprint_file
from fingerprints.params import FingerprintParams
native.use_python_allocator()
native.use_python_allocator()  # again: nothing to do
files = pickle.load(sys.stdin.buffer)
done = [fingerprint_file(*file, FingerprintParams()) for file in files + files]
sys.stdout.buffer.write(pickle.dumps(done))
"""


def test_parsing_on_pythons_allocator_gives_the_same_fingerprints(real):
    """What a parser process does (``native.use_python_allocator``): the same fingerprints, bit
    for bit, for real code of every language, each file twice (the second time on the arenas
    the first one's tree freed and this process kept)."""
    files = [(str(path), path.read_bytes(), language)
             for language in LANGUAGES for path in real[language][:4]]  # fmt: skip
    files.append(("deep.py", b"x = " + b"(" * 20_000 + b"1" + b")" * 20_000 + b"\n", "python"))
    said = subprocess.run([sys.executable, "-c", ALLOCATING], input=pickle.dumps(files),
                          capture_output=True, check=True)  # fmt: skip
    there = pickle.loads(said.stdout)
    assert len(there) == 2 * len(files)
    twice = zip(files, there[: len(files)], there[len(files) :], strict=True)
    for (path, data, language), first, second in twice:
        here = fingerprint_file(path, data, language, PARAMS)
        for theirs in (first, second):
            assert theirs.fingerprints.tobytes() == here.fingerprints.tobytes(), path
            assert theirs == _without_arrays(here, theirs.fingerprints), path
    assert sum(len(fp.fingerprints) for fp in there) > 1000  # real work was compared


def test_the_allocator_is_not_changed_under_a_tokenizer():
    """A parser made on malloc is never freed by Python's allocator: refused once one exists."""
    assert native.tokenizer("python") is not None
    with pytest.raises(RuntimeError, match="before the first parser"):
        native.use_python_allocator()


def test_typescript_under_a_js_name_is_read_as_typescript_on_every_path(real):
    """A ``.ts`` or ``.tsx`` source shipped as ``.js`` gives the JavaScript grammar an error at
    every type; it is read as TypeScript (or TSX), natively and not, as its ``.ts`` original is:
    the same tokens. JavaScript with a real syntax error stays JavaScript, its error said."""
    for path in real["typescript"][:10]:
        data = path.read_bytes()
        original = tokenize(data, load_language("typescript"))
        if original.error_line is not None:
            continue
        renamed = assert_same(data, "javascript", str(path))
        assert renamed.error_line is None and np.array_equal(renamed.values, original.values)
        private = fingerprint_file(str(path), data, "javascript", PARAMS)  # the private side
        as_ts = fingerprint_file(str(path), data, "typescript", PARAMS)
        assert private.language == "javascript" and private.warning is None
        assert private.fingerprints.tobytes() == as_ts.fingerprints.tobytes()
    tsx = b"export const Row = ({ id }: { id: number }) => <tr key={id}><td>{id}</td></tr>;\n"
    assert assert_same(tsx * 20, "javascript", "tsx").error_line is None
    broken = b"function f(a, {\n  return a + 1;\n}\n" * 20
    assert assert_same(broken, "javascript", "broken").error_line == 1
