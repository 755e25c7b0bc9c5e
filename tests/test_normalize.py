from __future__ import annotations

import difflib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerprints import LANGUAGES, language_for_path, load_language, tokenize
from fingerprints.languages import IDENT, NUMBER, STRING
from tests.code import GO, GO_RENAMED, PYTHON, PYTHON_RENAMED


def values(source: str, language: str) -> np.ndarray:
    return tokenize(source.encode(), load_language(language)).values


def test_every_language_loads_offline():
    for name in LANGUAGES:
        lang = load_language(name)
        assert lang.token_table.shape[0] > 10


@pytest.mark.parametrize(
    ("name", "language"),
    [("a.py", "python"), ("b.tsx", "tsx"), ("c.ts", "typescript"), ("d.go", "go"),
     ("e.java", "java"), ("f.rs", "rust"), ("g.c", "c"), ("h.cpp", "cpp"), ("i.cs", "csharp"),
     ("j.rb", "ruby"), ("k.php", "php"), ("l.kt", "kotlin"), ("m.mjs", "javascript"),
     ("README.md", None), ("data.json", None)],
)  # fmt: skip
def test_language_by_extension(name, language):
    assert language_for_path(name) == language


def test_renamed_reformatted_python_is_the_same_stream():
    original, renamed = values(PYTHON, "python"), values(PYTHON_RENAMED, "python")
    # Only the two removed docstrings (and the ``pass`` that replaced one) differ.
    matcher = difflib.SequenceMatcher(None, original.tolist(), renamed.tolist(), autojunk=False)
    assert matcher.ratio() > 0.98
    assert _longest_common_run(original, renamed) >= 100


def test_renamed_reformatted_go_is_the_same_stream():
    original, renamed = values(GO, "go"), values(GO_RENAMED, "go")
    # The method body, brace style changed and put on fewer lines, is one run of equal tokens.
    assert _longest_common_run(original, renamed) >= 40


def _longest_common_run(a: np.ndarray, b: np.ndarray) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def test_identifiers_and_literals_fold_comments_drop():
    stream = values('x = foo(12, "a\\nb") # note\ny = 3.5', "python")
    assert list(stream).count(IDENT) == 3
    assert list(stream).count(NUMBER) == 2
    assert list(stream).count(STRING) == 1  # three string pieces collapse into one
    assert np.array_equal(stream, values("renamed = other(9, 'zz')\nq = 1e9\n", "python"))


def test_tokens_keep_their_lines():
    source = 'def f(a):\n\n    return [\n        a,\n        """x\ny"""\n    ]\n'
    stream = tokenize(source.encode(), load_language("python"))
    assert stream.error_line is None
    assert stream.line_start[0] == 1
    assert stream.line_end[-1] == 7
    string_at = list(stream.values).index(STRING)
    assert (stream.line_start[string_at], stream.line_end[string_at]) == (5, 6)
    assert np.all(np.diff(stream.line_start.astype(int)) >= 0)


def test_raw_hash_tells_verbatim_from_renamed():
    a = tokenize(b"total = price * qty", load_language("python"))
    b = tokenize(b"total  =  price*qty  # same", load_language("python"))
    c = tokenize(b"amount = cost * count", load_language("python"))
    assert np.array_equal(a.values, c.values)
    assert np.array_equal(a.raw, b.raw)
    assert not np.array_equal(a.raw, c.raw)


def test_syntax_errors_still_give_tokens_and_a_line():
    stream = tokenize(
        b"def ok():\n    return 1\n\ndef broken(:\n    pass\n", load_language("python")
    )
    assert len(stream) > 5
    assert stream.error_line in (4, 5)


def test_error_leaves_outside_the_grammar_table_are_dropped():
    # A stray character makes an ERROR leaf with tree-sitter's builtin error symbol (65535).
    for source, language in ((b"x = 1\n\x01 $ ` y = 2\n", "python"), (b"int a = 1; @@ \\", "c")):
        stream = tokenize(source, load_language(language))
        assert len(stream) >= 3 and stream.error_line is not None


def test_empty_and_comment_only_sources():
    assert len(tokenize(b"", load_language("c"))) == 0
    assert len(tokenize(b"// only a comment\n/* and another */\n", load_language("c"))) == 0


IDENTS = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda s: s not in {"if", "in", "is", "or", "and", "not", "def", "for", "del", "try", "as",
                        "from", "with", "else", "elif", "pass", "class", "return", "import",
                        "while", "yield", "raise", "global", "lambda", "assert", "break", "async",
                        "await", "except", "finally", "continue", "nonlocal", "print", "exec",
                        "case", "match", "type", "_"})  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(names=st.lists(IDENTS, min_size=6, max_size=6, unique=True), indent=st.integers(1, 8))
def test_any_renaming_and_indentation_leaves_the_stream_unchanged(names, indent):
    a, b, c, d, e, f = names
    pad = " " * indent
    renamed = (
        f"def {a}({b}, {c}=3):\n{pad}{d} = [{b}] * {c}\n{pad}for {e} in {d}:\n"
        f"{pad}{pad}{f}({e}, '{a}')  # {b}\n{pad}return {d}\n"
    )
    original = (
        "def build(items, count=3):\n    rows = [items] * count\n    for row in rows:\n"
        '        emit(row, "build")\n    return rows\n'
    )
    assert np.array_equal(values(original, "python"), values(renamed, "python"))


def test_raw_hashes_are_the_polynomial_of_the_bytes_for_small_and_large_files():
    from fingerprints.normalize import _RAW_BASE, _raw_hashes

    def direct(data: bytes) -> int:
        return sum(b * pow(int(_RAW_BASE), i, 1 << 64) for i, b in enumerate(data)) % (1 << 64)

    rng = np.random.default_rng(3)
    for size in (20, 5000, (1 << 20) + 4096, 300):  # larger than the powers kept, then small
        source = rng.integers(0, 256, size=size, dtype=np.uint8).tobytes()
        starts = np.array([0, size // 2, size - 7], dtype=np.int64)
        ends = starts + 7
        got = _raw_hashes(source, starts, ends)
        assert [int(h) for h in got] == [
            direct(source[s:e]) for s, e in zip(starts, ends, strict=True)
        ]
