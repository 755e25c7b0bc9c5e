"""Plain-text paragraph formatting with the ``textwrap`` API (wrap, fill, shorten, dedent,
indent).

Written for leaktrace's tests as an *independent implementation*: from the documentation of
Python's ``textwrap`` (the function signatures and what each one promises), never from its
source. It must stay ``clear`` against a store holding the real ``textwrap.py``.
"""

import re

_WORD = re.compile(r"\S+")
_LEADING = re.compile(r"^[ \t]*")


def _words(text, expand_tabs=True, tabsize=8):
    if expand_tabs:
        text = text.expandtabs(tabsize)
    return _WORD.findall(text)


def wrap(
    text,
    width=70,
    initial_indent="",
    subsequent_indent="",
    break_long_words=True,
    expand_tabs=True,
    tabsize=8,
    max_lines=None,
    placeholder=" [...]",
):
    """Lines of at most ``width`` characters holding the words of ``text``, in order."""
    if width <= 0:
        raise ValueError(f"invalid width {width!r} (must be > 0)")
    pending = list(reversed(_words(text, expand_tabs, tabsize)))
    result = []
    while pending:
        prefix = subsequent_indent if result else initial_indent
        room = width - len(prefix)
        line_words = []
        used = 0
        while pending:
            word = pending[-1]
            need = len(word) + (1 if line_words else 0)
            if used + need <= room:
                line_words.append(pending.pop())
                used += need
            elif break_long_words and len(word) > room:  # fits on no line: cut it here
                cut = room - used - (1 if line_words else 0)
                if cut > 0:
                    pending[-1] = word[cut:]
                    line_words.append(word[:cut])
                break
            else:
                break
        if not line_words:
            line_words.append(pending.pop())
        result.append(prefix + " ".join(line_words))
        if max_lines is not None and len(result) == max_lines and pending:
            last = result[-1]
            while last and len(last) + len(placeholder) > width:
                last = last.rsplit(" ", 1)[0] if " " in last else ""
            result[-1] = last + placeholder
            break
    return result


def fill(text, width=70, **options):
    """``wrap``'s lines joined by newlines."""
    return "\n".join(wrap(text, width, **options))


def shorten(text, width, **options):
    """``text`` with its whitespace collapsed, cut to ``width`` with a placeholder."""
    collapsed = " ".join(text.split())
    return fill(collapsed, width, max_lines=1, **options)


def dedent(text):
    """``text`` without the whitespace prefix all of its non-blank lines share."""
    lines = text.split("\n")
    margins = [_LEADING.match(line).group() for line in lines if line.strip()]
    common = ""
    if margins:
        shortest = min(margins, key=len)
        for at, char in enumerate(shortest):
            if any(m[at] != char for m in margins):
                break
            common += char
    out = []
    for line in lines:
        out.append(line[len(common) :] if line.startswith(common) else line.lstrip(" \t"))
    return "\n".join(out)


def indent(text, prefix, predicate=None):
    """``prefix`` added to the lines of ``text`` that ``predicate`` accepts (default: not
    blank)."""
    test = predicate or (lambda line: bool(line.strip()))
    return "".join(prefix + line if test(line) else line for line in text.splitlines(True))
