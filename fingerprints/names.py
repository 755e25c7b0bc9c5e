"""Names from strangers: file names inside folders, archives and repositories, made safe to
carry and to show.

Two steps, at two places:

- ``carried_name`` where a name enters (a folder listing, an archive entry, a source map): bytes
  that are not UTF-8 (Python hands them over as lone surrogates, ``surrogateescape``) become the
  text ``\\xff``, so every name is valid Unicode that JSON, SQLite TEXT and UTF-8 files take as
  it is. A backslash of the name that would read as such an escape (``\\xff``, ``\\ud800``,
  or ``\\x5c`` itself: a file named with those four or six characters) is written ``\\x5c``,
  so two files never share a carried name (a byte 0xff and the text ``\\xff`` were one stored
  name). Nothing else changes: a name stays the name the candidate gave.
- ``printable`` where a name leaves for a terminal or a line of text: control characters, line
  breaks, escapes, bidirectional overrides and other characters that print as nothing are shown
  as escapes (``\\n``, ``\\x1b``, ``\\u202e``), so a name can neither forge a line nor drive the
  terminal. Nor a CI log, where the runner reads commands in the lines a step prints: GitHub
  Actions takes ``##[command]`` anywhere in a line and ``::command::`` at its start (after
  spaces), Azure Pipelines ``##vso[...]``, TeamCity ``##teamcity[...]`` (an output set, a
  secret mask, a fake annotation, a variable or the PATH of later steps). Their second ``#``
  is shown ``\\x23``, the first ``:`` of a line's ``::`` ``\\x3a``. A backslash of the name
  itself is shown ``\\\\``, so a shown name reads back as one name (``a\\x1b.py`` holds an
  escape character, ``a\\\\x1b.py`` the four characters), except where it starts a carried
  byte (``\\x80`` to ``\\xff``), shown as ``carried_name`` wrote it. So ``\\xNN`` below 80 is a
  control character, ``\\xNN`` from 80 a byte that was not UTF-8, and the characters U+0080 to
  U+00FF that print as nothing are ``\\u0080`` to ``\\u00ff``.
"""

from __future__ import annotations

import re

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _surrogate(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


_READS_AS_CARRIED = re.compile(r"\\(?=x[89a-f][0-9a-f]|x5c|ud[89a-f][0-9a-f]{2})")
"""A backslash of the name itself that starts what reads as a carried byte or surrogate (or as
the ``\\x5c`` that writes such a backslash)."""


def carried_name(name: str) -> str:
    """``name`` with every lone surrogate (an undecodable byte) written as ``\\xNN`` text, and
    each backslash of its own that would read as one written ``\\x5c``: one to one."""
    if "\\" in name:
        name = _READS_AS_CARRIED.sub(r"\\x5c", name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_surrogate(c) if 0xD800 <= ord(c) <= 0xDFFF else c for c in name)
    return name


def _escape(char: str) -> str:
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if 0xD800 <= code <= 0xDFFF:
        return _surrogate(char)
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_CI_COMMAND = re.compile(r"(?<=#)#(?=[A-Za-z]*\[)")
"""The second ``#`` of ``##[``, ``##vso[``, ``##teamcity[``: a CI runner's command anywhere in
a line (written ``\\x23``, no line holds ``##`` before such a word and its ``[``)."""


_OWN_BACKSLASH = re.compile(r"\\(?!x[89a-f][0-9a-f])")
"""A backslash that does not start a carried byte (``carried_name``'s ``\\x80`` to ``\\xff``)."""


def printable(text: str) -> str:
    """``text`` fit for one line of a terminal, a CI log or a text file: every character that is
    not printable (controls, line and paragraph separators, format characters such as bidi
    overrides, surrogates, spaces other than the plain space) is shown as an escape, and so is
    what a CI runner would take for a command (``##[``, ``::`` starting a line). The text's own
    backslashes are doubled (but one starting a carried byte), so two texts never look the
    same: apply it once, to the line as it is printed, never to text that went through it."""
    if "\\" in text:
        text = _OWN_BACKSLASH.sub(r"\\\\", text)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else _escape(c) for c in text)
    if "##" in text:
        text = _CI_COMMAND.sub(lambda _: "\\x23", text)  # "##[" -> "#\x23["
    if text.lstrip(" ").startswith("::"):
        start = len(text) - len(text.lstrip(" "))
        text = f"{text[:start]}\\x3a{text[start + 1 :]}"
    return text


__all__ = ["carried_name", "printable"]
