"""The review workspace: a Starlette application over the results database.

Server-rendered Jinja2 pages (autoescape on; names from strangers also go through
``printable``), plain HTML forms for every decision (they work without JavaScript), and one
small static script for keyboard shortcuts. Each request opens the results database on its own
(SQLite connections stay in their thread); decisions are written with who, when and why, and
undone by recording an undo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from fingerprints import printable
from scanner.errors import InputError, LeaktraceError
from scanner.reports.columns import columns_text, ranges_text
from scanner.reports.grouping import Copy, group_candidate
from scanner.reports.locations import legend, locate
from scanner.reports.notice import draft_notice
from scanner.reports.panes import candidate_marks, code_rows, private_marks
from scanner.reports.text import safe_link
from scanner.reports.wording import (
    copy_kind,
    decisive_checks,
    reference_file,
    set_aside,
    shown_verdict,
)
from scanner.resultsdb import Placement, ResultsDB, row_number
from scanner.serve.queue import KINDS, STATES, VERDICTS, Filters, build_queue, kind_of, state_of
from scanner.serve.security import (
    MAX_BODY,
    Guard,
    is_loopback,
    new_csrf_token,
    origin_ok,
    same,
)

HERE = Path(__file__).parent
MAX_REASON = 2000
MAX_PANES = 25
MAX_ELSEWHERE = 100
PAGE_SIZE = 200
"""A candidate's page lists PAGE_SIZE distinct contents (``?from=N`` for the next) and shows the
first MAX_PANES side by side; the others keep their places and decision forms and open side by
side on a page of their own (``?copy=ANCHOR``): a candidate with thousands of file pairs stays
a page that loads fast."""


@dataclass(slots=True)
class ServeConfig:
    results: Path
    by: str
    host: str = "127.0.0.1"
    token: str | None = None
    private: dict[str, str] | None = None  # private file texts by SHA-256 (--private-source)
    csrf: str = field(default_factory=new_csrf_token)


def form_value(name: str) -> str:
    """A name as a hidden form field's value: percent-encoded, because a browser sends a
    newline or a lone CR as CRLF and a NUL as U+FFFD (HTML's form encoding), so a file named
    with them could not be decided. ``_form`` decodes it (a name without ``%`` is as given)."""
    return quote(name, safe="/:@", errors="surrogatepass")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)  # fmt: skip
    env.filters["shown"] = lambda text: printable(str(text))
    env.globals["reference_file"] = reference_file
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["https"] = safe_link
    env.filters["field"] = form_value
    env.filters["ranges"] = ranges_text
    return env


def _candidate_url(run: int, target: str, anchor: str = "") -> str:
    return "/candidate?" + urlencode({"run": run, "target": target}) + anchor


def _copy_state(copy: Copy, review: dict[str, Any]) -> str:
    states = set()
    for place in copy.places:
        for key in ("confirmed", "dismissed", "awaiting"):
            if place.path in review[key]:
                states.add(key)
    return states.pop() if len(states) == 1 else "mixed"


def _elsewhere(db: ResultsDB, copy: Copy, target: str) -> tuple[list[Placement], int]:
    """The other places holding this content (``ResultsDB.placements_elsewhere``): the first
    MAX_ELSEWHERE, and how many there are (10,000 forks of one blob listed on every content
    made a 4 MB page)."""
    sha = copy.pair.get("candidate_sha256")
    places = db.placements_elsewhere([sha], target) if sha else []
    return places[:MAX_ELSEWHERE], len(places)


class Workspace:
    """The pages and actions, over one results database."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.env = _environment()

    def _db(self) -> ResultsDB:
        return ResultsDB(self.config.results)

    def _page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        template = self.env.get_template(name)
        html = template.render(csrf=self.config.csrf, by=self.config.by,
                               private=self.config.private is not None, **context)  # fmt: skip
        return HTMLResponse(html, status_code=status)

    # -- pages ----------------------------------------------------------------------------------

    def queue(self, request: Request) -> Response:
        filters = Filters.parse(dict(request.query_params))
        with self._db() as db:
            runs = [row[0] for row in db.runs()]
            start = row_number(request.query_params.get("from", "")) or 0
            queue = build_queue(db.flagged(filters.run), filters, runs, start)
        return self._page("queue.html", queue=queue, filters=filters, kinds=KINDS,
                          verdicts=VERDICTS, states=STATES,
                          candidate_url=_candidate_url)  # fmt: skip

    def candidate(self, request: Request) -> Response:
        query = dict(request.query_params)
        run, target = self._which(query)
        only = query.get("copy")
        with self._db() as db:
            candidate = db.candidate(run, target)
            if candidate is None:
                return self._page("error.html", 404, message=f"run {run} has no candidate "
                                  f"{target}")  # fmt: skip
            excerpts = db.excerpts(run, target)
            groups = group_candidate(candidate)
            every = [(f"g{g}c{c}", group, copy) for g, group in enumerate(groups)
                     for c, copy in enumerate(group.copies)]  # fmt: skip
            start = row_number(query.get("from", "")) or 0
            chosen = ([item for item in every if item[0] == only] if only
                      else every[start:start + PAGE_SIZE])  # fmt: skip
            copies = []
            for anchor, group, copy in chosen:
                panes = bool(only) or len(copies) < MAX_PANES
                copies.append(self._copy_view(candidate, group, copy, anchor,
                                              excerpts if panes else None,
                                              _elsewhere(db, copy, target)))  # fmt: skip
            pages = []
            if len(every) > PAGE_SIZE:
                pages = [(n, min(n + PAGE_SIZE, len(every)))
                         for n in range(0, len(every), PAGE_SIZE)]  # fmt: skip
        review = candidate["review"]
        batches: dict[int, dict[str, Any]] = {}
        for entry in review["history"]:
            batch = batches.setdefault(entry["batch"], {**entry, "paths": [], "whole": False})
            if entry["path"] is None:
                batch["whole"] = True
            else:
                batch["paths"].append(entry["path"])
        return self._page(
            "candidate.html", run=run, candidate=candidate, verdict=shown_verdict(candidate),
            kind=KINDS[kind_of(candidate)], state=state_of(candidate), groups=groups,
            copies=copies, checks=decisive_checks(candidate), set_aside=set_aside(candidate),
            history=list(batches.values()), candidate_url=_candidate_url,
            page=locate(target, candidate.get("revision"), "").page, max_panes=MAX_PANES,
            legend=legend(f["candidate_path"] for f in candidate["files"]), only=only,
            pages=pages, start=start, contents=len(every),
        )  # fmt: skip

    def _copy_view(self, candidate: dict[str, Any], group: Any, copy: Copy, anchor: str,
                   excerpts: dict[str, str] | None,
                   elsewhere: tuple[list[Placement], int]) -> dict[str, Any]:  # fmt: skip
        """One content's view; with ``excerpts`` None, without its panes (past MAX_PANES)."""
        pair = copy.pair
        text = excerpts.get(pair["candidate_path"]) if excerpts is not None else None
        private_text = None
        if excerpts is not None and self.config.private and pair.get("private_sha256"):
            private_text = self.config.private.get(pair["private_sha256"])
        links = [safe_link(f.get("link")) for f in pair["fragments"]]
        return {
            "anchor": anchor, "group": group, "copy": copy, "pair": pair,
            "panes": excerpts is not None,
            "paths": [place.path for place in copy.places],
            "state": _copy_state(copy, candidate["review"]),
            "elsewhere": elsewhere[0],
            "elsewhere_count": elsewhere[1],
            "left": code_rows(text, candidate_marks(pair)) if text is not None else None,
            "right": (code_rows(private_text, private_marks(pair))
                      if private_text is not None else None),
            "links": links,
            "columns": columns_text(pair),
            "kind": copy_kind(pair),
            "where": locate(candidate["target"], candidate.get("revision"), pair["candidate_path"]),
        }  # fmt: skip

    def notice(self, request: Request) -> Response:
        query = dict(request.query_params)
        with self._db() as db:
            runs = [row[0] for row in db.runs()]
            run = db.resolve_run(query.get("run") or "latest") if runs else None
            text, problem = None, None
            if run is not None:
                try:
                    text = draft_notice(db.report(run))
                except InputError as exc:
                    problem = str(exc)
        if request.url.path.endswith(".md"):
            if text is None:
                return PlainTextResponse(problem or "no runs", status_code=409)
            return PlainTextResponse(text, media_type="text/markdown; charset=utf-8", headers={
                "content-disposition": f'attachment; filename="notice-run-{run}.md"'})  # fmt: skip
        return self._page("notice.html", run=run, runs=runs, text=text, problem=problem)

    # -- actions --------------------------------------------------------------------------------

    async def _form(self, request: Request) -> dict[str, Any]:
        """The POST's fields, once its CSRF token and origin are checked."""
        # the body is bounded (security.MAX_BODY), not the fields: a content held at thousands
        # of paths of one candidate is one form naming each
        form = await request.form(max_fields=MAX_BODY)
        token = form.get("csrf")
        if not same(token if isinstance(token, str) else None, self.config.csrf) or not origin_ok(
            request.headers.get("origin"), request.headers.get("host")
        ):
            raise PermissionError
        fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        if isinstance(fields.get("target"), str):
            fields["target"] = unquote(fields["target"], errors="surrogatepass")
        fields["files"] = [unquote(v, errors="surrogatepass") for v in form.getlist("files")
                           if isinstance(v, str)]  # fmt: skip
        return fields

    def _which(self, fields: dict[str, Any]) -> tuple[int, str]:
        run = row_number(str(fields.get("run", "")))
        if run is None or "target" not in fields:
            raise InputError("give run=NUMBER and target=NAME")
        return run, str(fields["target"])

    @staticmethod
    def _reason(fields: dict[str, Any]) -> str:
        reason = str(fields.get("reason", "")).strip()
        if not reason:
            raise InputError("a decision needs a reason: say why")
        return reason[:MAX_REASON]

    async def decide(self, request: Request) -> Response:
        fields = await self._form(request)
        run, target = self._which(fields)
        action = {"confirm": "confirmed", "dismiss": "dismissed"}.get(fields.get("action", ""))
        if action is None:
            raise InputError("action must be confirm or dismiss")
        reason = self._reason(fields)

        def record() -> None:
            with self._db() as db:
                candidate = db.candidate(run, target)
                if candidate is None:
                    raise InputError(f"run {run} has no candidate {target}")
                # a confirmation covers the content wherever it appears; a dismissal stays on
                # this candidate (its reason is about this place: it must never silently
                # dismiss the same leak in another fork)
                db.decide(candidate, action, reason, self.config.by, fields["files"] or None,
                          scope="content" if action == "confirmed" else "location")  # fmt: skip

        await run_in_threadpool(record)
        anchor = f"#{fields['anchor']}" if str(fields.get("anchor", "")).isalnum() else ""
        return RedirectResponse(_candidate_url(run, target, anchor), status_code=303)

    async def undo(self, request: Request) -> Response:
        fields = await self._form(request)
        run, target = self._which(fields)
        batch = row_number(str(fields.get("batch", "")))
        if batch is None:
            raise InputError("undo needs the decision's number")
        reason = self._reason(fields)

        def record() -> None:
            with self._db() as db:
                db.undo(batch, reason, self.config.by)

        await run_in_threadpool(record)
        return RedirectResponse(_candidate_url(run, target, "#history"), status_code=303)

    # -- errors ---------------------------------------------------------------------------------

    async def refused(self, request: Request, exc: Exception) -> Response:
        return self._page("error.html", 403, message="refused: this form did not come from this "
                          "workspace (missing or wrong CSRF token, or another origin)")  # fmt: skip

    async def bad_input(self, request: Request, exc: Exception) -> Response:
        return self._page("error.html", 400, message=str(exc))


def create_app(config: ServeConfig) -> Guard:
    """The ASGI application, behind its guard (host, token, headers)."""
    workspace = Workspace(config)
    app = Starlette(
        routes=[
            Route("/", workspace.queue),
            Route("/candidate", workspace.candidate),
            Route("/notice", workspace.notice),
            Route("/notice.md", workspace.notice),
            Route("/decide", workspace.decide, methods=["POST"]),
            Route("/undo", workspace.undo, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        exception_handlers={
            PermissionError: workspace.refused,
            LeaktraceError: workspace.bad_input,
        },
    )
    return Guard(app, token=config.token, loopback=is_loopback(config.host), host=config.host)


__all__ = ["ServeConfig", "Workspace", "create_app"]
