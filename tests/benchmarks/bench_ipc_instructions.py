"""The hand-off alone, both processes' sides in one process, for callgrind: instruction counts.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python -m tests.benchmarks.bench_ipc_instructions {pickle,packed} N [FILE]

Tokenizes ``FILE`` (default: the ~98 KB JavaScript file of ``bench_ipc``) once, then ``N`` times
sends the request (the call and the file's bytes) and the answer (its token stream) over real
pipes, a thread reading each end, as ``isolation`` does: ``pickle`` the way main did it
(``Connection.send`` of the pickled call and answer, 64 KiB pipes), ``packed`` this branch's
(``_send_call``/``_receive_call``, ``_send_tokens``/``_receive_answer``, the answers' pipe
widened). Parsing is outside the loop: the difference of two runs' totals (N and 0) divided by
N is the hand-off's instructions per file, both processes together. (The parser process cannot
run under valgrind: it needs ``pidfd_open`` and a 512 MiB thread stack under ``RLIMIT_AS``.)
"""

from __future__ import annotations

import os
import sys
import threading
from multiprocessing.connection import Connection

from fingerprints import isolation
from fingerprints.languages import load_language
from fingerprints.normalize import tokenize
from tests.benchmarks.bench_ipc import JS


def main() -> None:
    mode, count = sys.argv[1], int(sys.argv[2])
    path = sys.argv[3] if len(sys.argv) > 3 else str(JS)
    with open(path, "rb") as source:
        data = source.read()
    tokens = tokenize(data, load_language("javascript"))
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    if mode == "packed":
        isolation._widen(reply_r)
    caller_in, caller_out = (
        Connection(reply_r, writable=False),
        Connection(request_w, readable=False),
    )
    child_in, child_out = Connection(request_r, writable=False), Connection(reply_w, readable=False)

    def child() -> None:
        for _ in range(count):
            if mode == "packed":
                isolation._receive_call(child_in)
                isolation._send_tokens(child_out, tokens)
            else:
                child_in.recv()
                child_out.send(("ok", tokens))

    worker = threading.Thread(target=child)
    worker.start()
    for _ in range(count):
        if mode == "packed":
            isolation._send_call(caller_out, isolation.TOKENIZE, ("javascript", data))
            kind, answer, _ = isolation._receive_answer(caller_in)
        else:
            caller_out.send((isolation.TOKENIZE, ("javascript", data)))
            kind, answer = caller_in.recv()
        assert kind == "ok" and len(answer) == len(tokens)
    worker.join()


if __name__ == "__main__":
    main()
