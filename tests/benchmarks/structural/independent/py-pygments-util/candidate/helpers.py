"""Option parsing and text sniffing helpers, with the interface of ``pygments.util``."""

from __future__ import annotations

import locale
import re
from collections.abc import Callable, Iterable
from io import TextIOWrapper

_TRUE = frozenset({"1", "yes", "true", "on"})
_FALSE = frozenset({"0", "no", "false", "off"})
_WINDOWS_EXE = re.compile(r"\.(exe|cmd|bat|bin)$", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE\s+([^>]*)>", re.IGNORECASE)
_XML_DECL = re.compile(r"\s*<\?xml[^>]*\?>", re.IGNORECASE)
_PAIRED_TAG = re.compile(r"<([\w:.-]+)(\s[^>]*)?>.*?</[\w:.-]+\s*>", re.DOTALL)


class ClassNotFound(ValueError):
    """A lookup (lexer, formatter, style, filter) found nothing."""


class OptionError(Exception):
    """An option has the wrong type or an unusable value."""


# -- options ----------------------------------------------------------------------------------


def _option(options: dict, name: str, default: object) -> object:
    return options.get(name, default)


def get_bool_opt(options: dict, optname: str, default: object = None) -> bool:
    """``options[optname]`` (or ``default``) as a boolean: a bool, an int, or one of the words
    1/yes/true/on, 0/no/false/off in any case; anything else is an :class:`OptionError`."""
    value = _option(options, optname, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        word = value.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise OptionError(
            f"Invalid value {value!r} for option {optname}; use 1/0, yes/no, true/false, on/off"
        )
    raise OptionError(f"Invalid type {value!r} for option {optname}; use 1/0, yes/no, true/false, on/off")


def get_int_opt(options: dict, optname: str, default: object = None) -> int:
    """``options[optname]`` (or ``default``) as an integer, else an :class:`OptionError`."""
    value = _option(options, optname, default)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        kind = "type" if isinstance(error, TypeError) else "value"
        raise OptionError(f"Invalid {kind} {value!r} for option {optname}; you must give an integer") from None


def get_list_opt(options: dict, optname: str, default: object = None) -> list:
    """``options[optname]`` (or ``default``) as a list: a string is split at whitespace."""
    value = _option(options, optname, default)
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)):
        return list(value)
    raise OptionError(f"Invalid type {value!r} for option {optname}; you must give a list value")


def get_choice_opt(options: dict, optname: str, allowed, default=None, normcase: bool = False):
    """``options[optname]`` (or ``default``), which must be one of ``allowed`` (compared in
    lower case with ``normcase``)."""
    value = _option(options, optname, default)
    if normcase:
        value = str(value).lower()
    if value in allowed:
        return value
    choices = ", ".join(map(str, allowed))
    raise OptionError(f"Value for option {optname} must be one of {choices}")


# -- functions on functions -------------------------------------------------------------------


def docstring_headline(obj: object) -> str:
    """The first paragraph of ``obj``'s docstring, joined into one line ('' if none)."""
    doc = getattr(obj, "__doc__", None) or ""
    paragraph: list[str] = []
    for line in doc.strip().splitlines():
        if not line.strip():
            break
        paragraph.append(line.strip())
    return " ".join(paragraph)


def make_analysator(f: Callable) -> staticmethod:
    """Wrap a lexer's ``analyse_text`` so that it always returns a float in [0.0, 1.0]: any
    error, or any answer that is not a number, counts as 0.0."""

    def text_analyse(text):
        try:
            score = float(f(text))
        except Exception:
            return 0.0
        return min(1.0, max(0.0, score)) if score == score else 0.0

    text_analyse.__doc__ = f.__doc__
    return staticmethod(text_analyse)


# -- sniffing ---------------------------------------------------------------------------------


def shebang_matches(text: str, regex: str) -> bool:
    """Does ``regex`` match the whole program name of the text's ``#!`` line? Options
    (``-x``, ``--foo``) are skipped, the last word that is not an option is the program, its
    folders and a Windows executable extension are dropped."""
    first = text.split("\n", 1)[0].strip()
    if not first.startswith("#!"):
        return False
    words = [w for w in re.split(r"[\s/\\]+", first[2:].strip()) if w and not w.startswith("-")]
    if not words:
        return False
    program = _WINDOWS_EXE.sub("", words[-1])
    return re.fullmatch(regex, program, re.IGNORECASE) is not None


def doctype_matches(text: str, regex: str) -> bool:
    """Does the text's ``<!DOCTYPE ...>`` (after an optional XML declaration) start with
    something ``regex`` matches completely (compared with its first part only)?"""
    head = _XML_DECL.match(text)
    rest = text[head.end() :] if head else text
    found = _DOCTYPE.match(rest.lstrip())
    if found is None:
        return False
    return re.compile(regex, re.IGNORECASE | re.DOTALL).match(found.group(1).strip()) is not None


def html_doctype_matches(text: str) -> bool:
    """Does the text carry an HTML doctype?"""
    return doctype_matches(text, r"html")


_xml_verdicts: dict[int, bool] = {}


def looks_like_xml(text: str) -> bool:
    """Does the text start with a doctype, or hold a pair of opening and closing tags?"""
    key = hash(text)
    if key not in _xml_verdicts:
        if _DOCTYPE.search(text[:1000]) is not None:
            _xml_verdicts[key] = True
        else:
            _xml_verdicts[key] = _PAIRED_TAG.search(text[:1000]) is not None
    return _xml_verdicts[key]


# -- small conversions ------------------------------------------------------------------------


def surrogatepair(c: int) -> tuple[int, int]:
    """The UTF-16 surrogate pair (high, low) of a code point above U+FFFF."""
    offset = c - 0x10000
    return 0xD800 + (offset >> 10), 0xDC00 + (offset & 0x3FF)


def format_lines(var_name: str, seq: Iterable[str], raw: bool = False, indent_level: int = 0) -> str:
    """Python source assigning the strings of ``seq`` to ``var_name`` as a tuple (``raw``:
    the strings are written as they are, not with ``repr``)."""
    pad = "    " * indent_level
    items = [f"{pad}    {item if raw else repr(item)}," for item in seq]
    return "\n".join([f"{pad}{var_name} = (", *items, f"{pad})"])


def duplicates_removed(it: Iterable, already_seen: Iterable = ()) -> list:
    """The items of ``it`` in order, each once, leaving out those in ``already_seen``."""
    seen = set(already_seen)
    kept = []
    for item in it:
        if item not in seen:
            seen.add(item)
            kept.append(item)
    return kept


class Future:
    """Work deferred until ``get()`` is called (subclasses say what)."""

    def get(self):
        raise NotImplementedError


# -- decoding ---------------------------------------------------------------------------------


def _first_decoding(text: bytes, encodings: Iterable[str | None]) -> tuple[str, str]:
    for encoding in encodings:
        if not encoding:
            continue
        try:
            return text.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return text.decode("latin1"), "latin1"


def guess_decode(text: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, else in the locale's preferred encoding, else as Latin-1."""
    return _first_decoding(text, ["utf-8", locale.getpreferredencoding()])


def guess_decode_from_terminal(text: bytes, term: object) -> tuple[str, str]:
    """As :func:`guess_decode`, trying the terminal's own encoding first."""
    own = getattr(term, "encoding", None)
    return _first_decoding(text, [own, "utf-8", locale.getpreferredencoding()])


def terminal_encoding(term: object) -> str:
    """The terminal's encoding if it says, else the locale's preferred one."""
    return getattr(term, "encoding", None) or locale.getpreferredencoding()


class UnclosingTextIOWrapper(TextIOWrapper):
    """A text wrapper whose ``close`` only flushes, leaving the buffer (say, sys.stdout's)
    open."""

    def close(self) -> None:
        self.flush()
