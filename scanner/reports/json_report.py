"""The JSON report, ``leaktrace/report/1``: the contract other tools read.

Fields are only ever added. Paths are relative to the candidate root and to the private repo
root; line ranges are inclusive and 1-based. No source text is written, except the calls and
constants a candidate function shares with a private one (``structural``), as the candidate (public
code) writes them.
"""

from __future__ import annotations

import json
import select
import struct
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

import orjson

from scanner.reports.links import permalink

if TYPE_CHECKING:  # and numpy, git's history: imported where used, not by every report
    from scanner.matcher import FilePair
    from scanner.reports import Sources
    from scanner.results import CandidateResult, ScanResult
    from scanner.sources import FileHistory
    from scanner.structural import FunctionPair

SCHEMA = "leaktrace/report/1"


def _history(history: FileHistory) -> dict[str, Any]:
    return {
        "blob": history.blob,
        "at_tip": history.at_tip,
        "commits": history.commits,
        "seen": [{"commit": s.commit, "path": s.path, "date": s.date} for s in history.seen],
    }


def _pair(pair: FilePair, result: CandidateResult) -> dict[str, Any]:
    from scanner.sources.git import history_link

    revision, path = result.revision, pair.candidate_path
    history = result.history.get(pair.candidate_path)
    if history is not None:  # link to the newest commit holding this content, at its real path
        revision, path = history_link(history, pair.candidate_path) or (None, path)
    extra = {"history": _history(history)} if history is not None else {}
    return {
        "candidate_path": pair.candidate_path,
        "private_repo": pair.private.repo,
        "private_path": pair.private.path,
        "candidate_lines": [list(r) for r in pair.candidate_lines],
        "private_lines": [list(r) for r in pair.private_lines],
        "matched_tokens": pair.matched_tokens,
        "containment": pair.containment,
        "verbatim": pair.verbatim,
        "longest_fragment": pair.longest_fragment,
        "private_sha256": pair.private.sha256,
        "private_copies": [{"repo": repo, "path": path} for repo, path in pair.private.copies],
        "candidate_sha256": result.file_hashes.get(pair.candidate_path),
        "fragments": [
            {
                "candidate_lines": list(f.candidate_lines),
                "candidate_columns": list(f.candidate_columns) if f.candidate_columns else None,
                "private_lines": list(f.private_lines),
                "tokens": f.tokens,
                "fingerprints": f.fingerprints,
                "verbatim": f.verbatim,
                "fingerprint_hashes": _hex(f.hashes),
                "link": permalink(result.target, revision, path, f.candidate_lines),
            }
            for f in pair.fragments
        ],
        **extra,
    }


def _hex(hashes: tuple[int, ...]) -> list[str]:
    """Each 64-bit hash as 16 hex digits, as ``f"{h:016x}"`` writes it, with one ``hex`` call
    for all, a space after every 8 bytes to split on (51,601 hashes of the large tree: 14 -> 8
    ms in the scan's tail, which runs alone, with one hex call; a slice per hash in Python
    then, 20.7 -> 10.5 ms in a loop at load 10 with ``split``)."""
    return struct.pack(f">{len(hashes)}Q", *hashes).hex(" ", 8).split()


def candidate_dict(result: CandidateResult) -> dict[str, Any]:
    match = result.match
    return {
        "target": result.target,
        "kind": result.kind,
        "revision": result.revision,
        "fetched_at": result.fetched_at,
        "scanned_at": result.scanned_at,
        "verdict": result.verdict.value,
        "score": match.score,
        "matched_tokens": match.matched_tokens,
        "longest_fragment": match.longest_fragment,
        "reasons": result.reasons,
        "checks": [
            {
                "name": c.name,
                "value": c.value,
                "limit": c.limit,
                "passed": c.passed,
                "source": c.source,
                "meaning": c.meaning,
            }
            for c in result.checks
        ],
        "discounted_tokens": match.discounts.as_dict(),
        "partial": result.partial,
        "complete": not result.partial,
        "unread": [{"path": p.path, "message": p.message} for p in result.unread],
        "problems": [{"path": p.path, "message": p.message} for p in result.problems],
        "scanned": {
            "files": match.files,
            "lines": match.lines,
            "tokens": match.tokens,
            "seconds": round(result.seconds, 3),
        },
        "files": [_pair(pair, result) for pair in match.pairs],
        "public_code": [
            {
                "source": c.source,
                "version": c.version,
                "kind": c.kind,
                "origin": c.origin,
                "reference_path": c.reference_path,
                "private_repo": c.private_repo,
                "private_path": c.private_path,
                "tokens": c.tokens,
            }
            for c in match.public_code
        ],
        "structural": {
            "pairs": len(match.functions),
            "files": [
                {
                    "private_repo": f.private_repo,
                    "private_path": f.private_path,
                    "pairs": f.pairs,
                    "events": f.events,
                    "total_events": f.total,
                    "share": f.share,
                }
                for f in match.structural_files
            ],
            "functions": [_function(f) for f in match.functions],
        },
    }


def _function(pair: FunctionPair) -> dict[str, Any]:
    """One candidate function matched to a private function by structure, and what they share
    (calls and constants named as the candidate writes them: public text)."""
    return {
        "candidate_path": pair.candidate_path,
        "candidate_lines": list(pair.candidate_lines),
        "candidate_functions": pair.candidate_functions,
        "private_repo": pair.private_repo,
        "private_path": pair.private_path,
        "private_lines": list(pair.private_lines),
        "similarity": pair.similarity,
        "events": {"candidate": pair.events[0], "private": pair.events[1]},
        "arity": {"candidate": pair.arity[0], "private": pair.arity[1]},
        "shared": {"calls": pair.shared_calls, "constants": pair.shared_constants,
                   "call_names": list(pair.calls), "constant_values": list(pair.constants)},
        "shape": {name: {"candidate": a, "private": b} for name, (a, b) in pair.shape.items()},
    }  # fmt: skip


def to_dict(result: ScanResult) -> dict[str, Any]:
    thresholds = result.thresholds
    return {
        "schema": SCHEMA,
        "tool": {"name": "leaktrace", "version": result.tool_version},
        "thresholds": {name: getattr(thresholds, name) for name in thresholds.names()},
        "threshold_sources": {name: thresholds.origin(name) for name in thresholds.names()},
        "fingerprint_params": result.fingerprint_params,
        "store": result.store_path,
        "provenance": {
            "tool": {"name": "leaktrace", "version": result.tool_version},
            "started_at": result.started_at,
            "store_digest": result.store_digest,
            "background": result.background,
            "references": result.references,
            "private_source_included": False,
        },
        "candidates": [candidate_dict(c) for c in result.candidates],
    }


def with_private_excerpts(report: dict[str, Any], sources: Sources) -> dict[str, Any]:
    """A copy of ``report`` in which each fragment carries the private lines it matched."""
    copy = json.loads(json.dumps(report))
    copy["provenance"]["private_source_included"] = True
    for candidate in copy["candidates"]:
        for pair in candidate["files"]:
            text = sources.private(pair["private_repo"], pair["private_path"],
                                   pair.get("private_sha256"))  # fmt: skip
            lines = text.splitlines() if text is not None else None
            for fragment in pair["fragments"]:
                a, b = fragment["private_lines"]
                fragment["private_excerpt"] = "\n".join(lines[a - 1 : b]) if lines else None
    return copy


def write(report: dict[str, Any], out: TextIO, sources: Sources) -> None:
    if sources.include_private:
        report = with_private_excerpts(report, sources)
    binary = getattr(out, "buffer", None)
    if binary is None or str(getattr(out, "encoding", "")).lower() not in _ASCII_SUPERSETS:
        out.write(dumps(report).decode("ascii"))
        out.write("\n")
        return
    out.flush()  # the text layer's buffer goes first
    for piece in _joined(_pieces(report)):
        _write_all(binary, piece)
    _write_all(binary, b"\n")
    binary.flush()


WRITE_BYTES = 1 << 20
"""Consecutive pieces are written together up to this many bytes: the large tree's report is
8,352 pieces (its 4,175 runs of characters beyond ASCII escaped between them), and a write
each was a third of writing it, in the scan's tail, alone on one core."""


def _joined(pieces: Iterator[bytes | memoryview]) -> Iterator[bytes | memoryview]:
    """``pieces`` in the same order, consecutive small ones joined up to ``WRITE_BYTES`` (one
    larger than that passes as it is)."""
    held: list[bytes | memoryview] = []
    size = 0
    for piece in pieces:
        length = len(piece)
        if held and size + length > WRITE_BYTES:
            yield held[0] if len(held) == 1 else b"".join(held)
            held, size = [], 0
        held.append(piece)
        size += length
    if held:
        yield held[0] if len(held) == 1 else b"".join(held)


def _write_all(binary: BinaryIO, piece: bytes | memoryview) -> None:
    """Write all of ``piece``: an unbuffered stream (``python -u``: a raw ``FileIO``) may take
    part of it, or none (``None``) when it is a non-blocking pipe that is full; a piece left
    out would still leave valid JSON, with other contents."""
    view = memoryview(piece).cast("B")
    while view:
        try:
            written = binary.write(view)
        except BlockingIOError as full:  # a buffered stream over a non-blocking, full pipe
            written = full.characters_written
        if not written:  # nothing taken: wait until the pipe takes more
            select.select([], [binary.fileno()], [])
        view = view[written or 0 :]


_ASCII_SUPERSETS = frozenset({"utf-8", "utf8", "ascii", "us-ascii", "latin-1", "iso-8859-1"})
"""Encodings in which ASCII text is its own bytes: the report's bytes are written as they are."""


def dumps(report: dict[str, Any]) -> bytes:
    """``report`` as indented JSON, ASCII only (other characters as ``\\uXXXX`` escapes), as
    ``json.dumps(report, indent=2)`` writes it (a float below 1e-4 in another form, 0.00001 for
    1e-05: the same number once read), in bytes."""
    return b"".join(_pieces(report))


def _pieces(report: dict[str, Any]) -> Iterator[bytes | memoryview]:
    """``dumps(report)`` in consecutive pieces.

    orjson writes it some 50 times faster than json (a large candidate's report took 0.2 s of
    CPU, after the scan's workers were done, while one core idled); its UTF-8 is escaped here,
    piece by piece (such characters are only ever inside strings; each run as ``json.dumps``
    escapes it, by json's own escaper), so that the document is held once, as orjson's bytes
    (``json.dump`` wrote in pieces; a text copy and an escaped copy raised the peak of a scan of
    a large tree by 35 MiB). What orjson refuses (an integer beyond 64 bits, a lone surrogate)
    is written by the standard library instead; a float that is not a number (none in a
    report) would be null.
    """
    try:
        data = orjson.dumps(report, option=orjson.OPT_INDENT_2)
    except TypeError:  # orjson.JSONEncodeError: what it cannot write, json can
        yield json.dumps(report, indent=2).encode("ascii")
        return
    if data.isascii():
        yield data
        return
    view, at = memoryview(data), 0
    for start, end in _non_ascii_runs(data):
        yield view[at:start]
        yield encode_basestring_ascii(data[start:end].decode("utf-8"))[1:-1].encode("ascii")
        at = end
    yield view[at:]


def _non_ascii_runs(data: bytes, chunk: int = 1 << 20) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of bytes beyond ASCII in ``data``, in order: found by numpy a
    megabyte at a time (a regular expression over a 6.9 MB report with 4,175 such runs took
    55 ms of the scan's tail, alone on one core; the whole escaping now takes 8 ms)."""
    import numpy as np

    places = [np.flatnonzero(np.frombuffer(data, np.uint8, min(chunk, len(data) - at), at) >= 0x80)
              + at for at in range(0, len(data), chunk)]  # fmt: skip
    high = np.concatenate(places) if places else np.zeros(0, np.int64)
    if not high.shape[0]:
        return
    breaks = np.flatnonzero(high[1:] != high[:-1] + 1)
    starts = np.append(high[0], high[breaks + 1]).tolist()
    ends = (np.append(high[breaks], high[-1]) + 1).tolist()
    yield from zip(starts, ends, strict=True)
