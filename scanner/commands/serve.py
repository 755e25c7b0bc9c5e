"""``leaktrace serve``: the review workspace (queue, candidate pages, decisions, notice) in the
browser, over a results database. The web stack is imported only when this command runs."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from scanner.commands import BY_OPTION, RESULTS_OPTION
from scanner.console import note, out
from scanner.endpoints import DEFAULT_RESULTS
from scanner.errors import InputError

TOKEN_ENV = "LEAKTRACE_SERVE_TOKEN"


def _token(token_file: Path | None) -> str | None:
    """The access token: from ``--token-file`` (first line), else ``LEAKTRACE_SERVE_TOKEN``."""
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(f"{token_file}: cannot read the token ({exc.strerror})") from exc
        token = lines[0].strip() if lines else ""
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if token_file is not None and len(token) < 16:
        raise InputError(f"{token_file}: the access token must be at least 16 characters")
    if token and len(token) < 16:
        raise InputError(f"{TOKEN_ENV}: the access token must be at least 16 characters")
    return token or None


def serve(
    results_path: Annotated[Path, RESULTS_OPTION] = DEFAULT_RESULTS,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port (0: any free port).")] = 8765,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help=f"Access token, needed on every request (or {TOKEN_ENV});"
            " required to listen beyond loopback.",
        ),
    ] = None,
    private_source: Annotated[
        str | None,
        typer.Option(
            "--private-source",
            help="The private checkout, archive or git URL that was "
            "fingerprinted: show private code side by side (internal use only).",
        ),
    ] = None,
    by: Annotated[str, BY_OPTION] = "",
    tls_cert: Annotated[
        str | None, typer.Option("--tls-cert", help="TLS certificate file.")
    ] = None,
    tls_key: Annotated[str | None, typer.Option("--tls-key", help="TLS key file.")] = None,
) -> None:
    """Review in the browser: the queue, each candidate's evidence, decisions, the notice."""
    from scanner.private_source import load_private_source
    from scanner.resultsdb import ResultsDB
    from scanner.serve import ServeConfig, check_bind, is_loopback
    from scanner.serve.server import address, bind, make_server

    token = _token(token_file)
    check_bind(host, token)
    if (tls_cert is None) != (tls_key is None):
        raise InputError("give both --tls-cert and --tls-key, or neither")
    if tls_cert is not None and tls_key is not None:
        _check_tls(tls_cert, tls_key)
    with ResultsDB(results_path) as results:  # fails clearly before listening
        flagged = [candidate for _, candidate in results.flagged()]
    private = None
    if private_source is not None:
        loaded = load_private_source({"candidates": flagged}, private_source)
        if loaded.missing:
            note(f"{private_source}: {loaded.missing} matched private file(s) not found there; "
                 "shown as hashes only")  # fmt: skip
        private = loaded.texts
    config = ServeConfig(results_path, by or getpass.getuser(), host, token, private)
    sock = bind(host, port)
    server = make_server(config, tls_cert=tls_cert, tls_key=tls_key)
    out.print(f"leaktrace serve: {address(sock, tls_cert is not None)} (results "
              f"{results_path}; Ctrl-C stops)", markup=False, soft_wrap=True)  # fmt: skip
    if not is_loopback(host) and tls_cert is None:
        note(f"--host {host}: without --tls-cert the access token crosses the network in clear")
    server.run(sockets=[sock])


def _check_tls(cert: str, key: str) -> None:
    """Refuse TLS files that could not serve, naming the one at fault, before any address is
    printed (uvicorn would load them only once it runs, after the address)."""
    import ssl

    for path in (cert, key):
        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
        if not Path(path).is_file():
            raise InputError(f"{path}: not a file")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except OSError as exc:  # ssl.SSLError too: unreadable, not PEM, or a key of another cert
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise InputError(f"{cert}, {key}: not a TLS certificate and its key ({reason})") from None
