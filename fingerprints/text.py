"""Source text in whatever encoding it was saved in -> UTF-8 bytes for the parser.

A copy re-encoded as UTF-16 is the same code: it must never be called binary. Decoding order:

1. a byte-order mark (UTF-8, UTF-32 LE/BE, UTF-16 LE/BE) decides;
2. NUL bytes in a regular pattern (every other byte for UTF-16, three of four for UTF-32) mean a
   BOM-less UTF-16/32 text; that guess is kept only if the whole file decodes and holds no
   control characters a source file would not have;
3. valid UTF-8 is kept as it is (the common case costs one decode);
4. anything else is a legacy 8-bit encoding: charset-normalizer names the most likely one, and
   cp1252 (then Latin-1, which decodes any byte) is the fallback.

What still holds NUL bytes after that is binary.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
"""Each byte-order mark, its codec and the encoding's name, as messages say it ("starts with a
UTF-8 BOM", "UTF-8 with a BOM, decoded")."""
_PROBE = 8192
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f", "\v"}


class BinaryContent(ValueError):
    """The bytes are not text in any encoding leaktrace can tell."""


def _wide_guess(probe: bytes) -> tuple[str, str] | None:
    """A BOM-less UTF-16/32 encoding, from where the NUL bytes of mostly-ASCII text fall."""
    if len(probe) < 8:
        return None
    width_4 = len(probe) // 4 * 4
    quads = [probe[i : i + 4] for i in range(0, width_4, 4)]
    if quads and sum(q[1:] == b"\0\0\0" for q in quads) / len(quads) > 0.6:
        return "utf-32-le", "UTF-32 LE (no BOM)"
    if quads and sum(q[:3] == b"\0\0\0" for q in quads) / len(quads) > 0.6:
        return "utf-32-be", "UTF-32 BE (no BOM)"
    even, odd = probe[0 : len(probe) // 2 * 2 : 2], probe[1 : len(probe) // 2 * 2 : 2]
    if odd.count(0) / len(odd) > 0.6 and even.count(0) / len(even) < 0.1:
        return "utf-16-le", "UTF-16 LE (no BOM)"
    if even.count(0) / len(even) > 0.6 and odd.count(0) / len(odd) < 0.1:
        return "utf-16-be", "UTF-16 BE (no BOM)"
    return None


def _legacy(data: bytes) -> tuple[str, str]:
    """The text of non-UTF-8 bytes without NULs, and the encoding's name."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
    except Exception:  # a detector failure is not the file's problem: fall back below
        best = None
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def decode_source(data: bytes) -> tuple[bytes, str | None]:
    """``data`` as UTF-8 bytes, and a note naming the encoding it was decoded from (None when
    it already was plain UTF-8). Raises ``BinaryContent`` for what is not text."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                reason = f"starts with a {name} BOM but does not decode ({exc.reason})"
                raise BinaryContent(reason) from None
            return text.encode("utf-8"), f"{name} with a BOM, decoded"
    probe = data[:_PROBE]
    if probe.find(b"\0") >= 0:
        guess = _wide_guess(probe)
        if guess is not None:
            codec, name = guess
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                text = None
            if text is not None and not (_CONTROL & set(text[:_PROBE])) and "\0" not in text:
                return text.encode("utf-8"), f"{name}, decoded"
        raise BinaryContent("binary file (NUL byte)")
    if data.isascii():  # UTF-8 already: most code, checked a word at a time (decoding it into
        # a string to learn that was 11 million instructions of fingerprinting pip's 4.5 MB)
        return data, None
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError:
        pass
    text, encoding = _legacy(data)
    if "\0" in text:
        raise BinaryContent("binary file (NUL byte)")
    return text.encode("utf-8"), f"not UTF-8: decoded as {encoding}"


_LONE_CR = re.compile(rb"\r(?!\n)")


def line_ended(source: bytes) -> bytes:
    """``source`` with each lone CR made a LF: what both sides read, private and candidate.

    A lone CR ends a line for Python, for editors and for JavaScript engines (classic Mac OS
    line ends, which a copy can be rewritten to), but tree-sitter counts rows by LF only and
    the Python grammar needs its newlines: rich's ``console.py`` with every LF made a CR was
    one line whose first comment ran to its end, 137 tokens of 10,267, and a verbatim copy came
    out ``clear``. Same length, same byte offsets; a CR-only line counts as a line, as an editor
    shows it. CRLF files (one search for a lone CR: 0.19 ms on that file in CRLF, where counting
    CRs and CRLFs took 0.53, against 24 ms to fingerprint it) and files without a CR (one byte
    search) are returned as they are.
    """
    if b"\r" not in source or _LONE_CR.search(source) is None:
        return source
    return _LONE_CR.sub(b"\n", source)
