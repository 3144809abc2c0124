"""`dataraum serve`: the review queue, runs and tables in the browser (Starlette).

Security: the server binds to 127.0.0.1 unless told otherwise, and any other address
needs a token (`--token`); requests to a localhost server must name a localhost Host
(no DNS rebinding). Every state-changing request is a POST carrying the per-server CSRF
secret in a hidden form field (else 403, nothing changed). Pages carry a Content Security
Policy that allows no script at all and nothing from another origin; every value from the
data is escaped by Jinja2's autoescape. Decisions go through `pipeline.review` (approve,
reject, modify): the same functions, and so the same metadata, as the command line.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dataraum_context.config import Settings
from dataraum_context.errors import DataraumError
from dataraum_context.pipeline import review
from dataraum_context.web import data
from dataraum_context.web.jobs import Jobs
from dataraum_context.web.render import render

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
TOKEN_COOKIE = "dataraum_token"


class WebState:
    def __init__(self, settings: Settings, token: str | None, local_only: bool) -> None:
        self.settings = settings
        self.token = token
        self.local_only = local_only
        self.csrf = secrets.token_urlsafe(32)
        self.jobs = Jobs(settings)
        self.engine: Any = None
        self.flashes: dict[str, str] = {}
        self.cache: dict[Any, Any] = {}  # (what, store fingerprint) -> document or table extras

    async def cached(self, session: Any, what: Any, factory: Any) -> Any:
        """`await factory()`, reused while the store's fingerprint (data.fingerprint) is unchanged."""
        key = (what, await data.fingerprint(session))
        if key not in self.cache:
            if len(self.cache) > 64:
                self.cache.clear()
            self.cache[key] = await factory()
        return self.cache[key]

    def flash(self, text: str) -> str:
        key = secrets.token_hex(6)
        self.flashes[key] = text
        if len(self.flashes) > 200:
            self.flashes.pop(next(iter(self.flashes)))
        return key

    async def session(self) -> Any:
        from dataraum_context.storage.engine import session_factory

        return session_factory(self.engine)()

    def transaction(self) -> Any:
        from dataraum_context.storage.engine import session_factory

        return session_factory(self.engine).begin()


def _state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


def page(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    state = _state(request)
    flash = state.flashes.get(request.query_params.get("flash", ""))
    running = state.jobs.running()
    html = render(
        template, csrf=state.csrf, static=False, flash=flash, running_job=running.as_dict() if running else None,
        request_path=request.url.path, **values,
    )
    return HTMLResponse(html, status_code=status_code)


def _error(request: Request, message: str, status_code: int) -> HTMLResponse:
    return page(request, "error.html", status_code=status_code, message=message)


async def _check_csrf(request: Request) -> dict[str, Any] | None:
    """The submitted form when its CSRF field matches the server's secret, else None."""
    form = await request.form(max_fields=100_000)  # "approve all shown" sends one field per item
    given = form.get("csrf")
    if not isinstance(given, str) or not hmac.compare_digest(given, _state(request).csrf):
        return None
    values: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


def _first(form: dict[str, list[str]], key: str) -> str:
    return (form.get(key) or [""])[0].strip()


# -- pages -------------------------------------------------------------------------------


async def runs_page(request: Request) -> Response:
    state = _state(request)
    async with await state.session() as session:
        found = await data.runs(session)
        resumable = await data.resumable_run(session)
    trend = [r["quality"]["overall"] if r.get("quality") else None for r in reversed(found)]
    return page(request, "runs.html", runs=found, resumable=resumable, trend=trend)


async def review_page(request: Request) -> Response:
    state = _state(request)
    q = request.query_params
    filters = {k: q.get(k, "") for k in ("gate", "table", "kind")}
    status = q.get("status", "pending")
    async with await state.session() as session:
        queue = await data.review_queue(session, status=status, **filters)
        resumable = await data.resumable_run(session)
    return page(request, "review.html", queue=queue, filters=filters, status=status, resumable=resumable)


async def item_page(request: Request) -> Response:
    from dataraum_context.errors import UserError

    state = _state(request)
    async with await state.session() as session:
        try:
            item = data.item_view(review.item_dict(await review.get_item(session, request.path_params["item_id"])))
        except UserError as exc:
            return _error(request, str(exc), 404)
        profile = None
        if item["review_type"] in ("type_review", "quarantine_review", "semantic_review") and item["column"]:
            context = dict(item.get("context") or {})
            profile = await data.column_profile(
                session, context.get("table_name", item["table"]), context.get("column_name", item["column"])
            )
    preview = preview_error = None
    wanted = {k: request.query_params.get(k, "").strip() for k in ("type", "date_order")}
    if any(wanted.values()) and item["review_type"] in ("type_review", "quarantine_review"):
        preview, preview_error = _preview(state, item, wanted)
    return page(
        request, "item.html", item=item, preview=preview, preview_error=preview_error, wanted=wanted, profile=profile,
    )


def _preview(state: WebState, item: dict[str, Any], wanted: dict[str, str]) -> tuple[Any, str | None]:
    """What a new type or date order would do to the column (read only; nothing is decided)."""
    from dataraum_context.type_resolution import preview

    try:
        values = review.parse_assignments(item["review_type"], [f"{k}={v}" for k, v in wanted.items() if v])
        context = dict(item.get("context") or {})
        return preview.preview(
            state.settings.duckdb_path, context.get("table_name", item["table"]),
            context.get("column_name", item["column"]), context, values.get("type"), values.get("date_order"),
        ), None
    except DataraumError as exc:
        return None, str(exc)


async def job_page(request: Request) -> Response:
    job = _state(request).jobs.jobs.get(request.path_params["job_id"])
    if job is None:
        return _error(request, "no such job", 404)
    return page(request, "job.html", job=job.as_dict())


async def tables_page(request: Request) -> Response:
    state = _state(request)
    async with await state.session() as session:
        doc = await state.cached(session, "doc", lambda: data.document(session))
        trends = await data.table_trends(session)
    return page(request, "tables.html", doc=doc, trends=trends)


async def table_page(request: Request) -> Response:
    state = _state(request)
    name = request.path_params["name"]
    async with await state.session() as session:
        doc = await state.cached(session, "doc", lambda: data.document(session))
        table = next((t for t in doc["tables"] if t["name"] == name), None)
        if table is None:
            return _error(request, f"no table {name}", 404)
        extras = await state.cached(session, ("extras", name), lambda: data.table_extras(session, name))
        open_items, open_count = await data.open_items_of_table(session, name)
    rels = [r for r in doc.get("relationships") or [] if name in (r.get("from_table"), r.get("to_table"))]
    return page(
        request, "table.html", doc=doc, table=table, extras=extras, rels=rels, open_items=open_items, open_count=open_count,
    )


# -- actions (POST, CSRF-checked) ---------------------------------------------------------


async def decide(request: Request) -> Response:
    """Approve or reject the checked items (one transaction: all of them or none)."""
    state = _state(request)
    form = await _check_csrf(request)
    if form is None:
        return PlainTextResponse("forbidden: missing or wrong CSRF token", status_code=403)
    ids = [i for i in form.get("ids", []) if i.strip()]
    action = _first(form, "action")
    reason = _first(form, "reason")
    back = _first(form, "back") or "/review"
    if not back.startswith("/") or back.startswith("//"):
        back = "/review"
    if not ids:
        return _error(request, "check at least one review item first", 400)
    if action == "reject" and not reason:
        return _error(request, "a rejection needs a reason: type it next to the Reject button", 400)
    try:
        async with state.transaction() as session:
            if action == "approve":
                decided = await review.approve(session, ids)
            elif action == "reject":
                decided = await review.reject(session, ids, reason=reason)
            else:
                return _error(request, f"unknown action {action!r}", 400)
    except DataraumError as exc:
        return _error(request, str(exc), 400)
    text = f"{'approved' if action == 'approve' else 'rejected'} {len(decided)} item(s): " + ", ".join(str(d["target"]) for d in decided[:10])
    return _redirect(back, state.flash(text))


async def modify(request: Request) -> Response:
    state = _state(request)
    form = await _check_csrf(request)
    if form is None:
        return PlainTextResponse("forbidden: missing or wrong CSRF token", status_code=403)
    item_id = request.path_params["item_id"]
    assignments = [
        f"{key}={_first(form, key)}"
        for key in ("type", "date_order", "role", "entity_type", "business_name", "description", "ontology_term",
                    "relationship_type", "cardinality")
        if _first(form, key)
    ]
    try:
        async with state.transaction() as session:
            decided = await review.modify(
                session, item_id, assignments, reason=_first(form, "reason") or None,
                duckdb_path=state.settings.duckdb_path, force=_first(form, "force") == "1",
            )
    except DataraumError as exc:
        return _error(request, str(exc), 400)
    text = f"modified {decided['target']}: " + ", ".join(f"{k}={v}" for k, v in (decided["decision"] or {}).items())
    if decided.get("preview"):
        from dataraum_context.type_resolution.preview import describe

        text += f" ({describe(decided['preview'])})"
    return _redirect("/review", state.flash(text))


async def resume(request: Request) -> Response:
    state = _state(request)
    form = await _check_csrf(request)
    if form is None:
        return PlainTextResponse("forbidden: missing or wrong CSRF token", status_code=403)
    run_id = data.run_uuid(_first(form, "run_id")) if _first(form, "run_id") else None
    job = state.jobs.start_resume(run_id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _redirect(path: str, flash_key: str) -> Response:
    sep = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{sep}{urlencode({'flash': flash_key})}", status_code=303)


# -- the application ---------------------------------------------------------------------


def create_app(settings: Settings, *, token: str | None = None, local_only: bool = True) -> Starlette:
    """The web app over the workspace `settings` points at."""
    state = WebState(settings, token, local_only)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from dataraum_context.pipeline.stages import init_store
        from dataraum_context.storage.engine import create_engine

        state.engine = create_engine(settings.resolved_metadata_url)
        await init_store(state.engine)
        try:
            yield
        finally:
            state.jobs.wait(timeout=600)
            await state.engine.dispose()

    routes = [
        Route("/", runs_page),
        Route("/review", review_page),
        Route("/review/decide", decide, methods=["POST"]),
        Route("/review/{item_id}", item_page),
        Route("/review/{item_id}/modify", modify, methods=["POST"]),
        Route("/resume", resume, methods=["POST"]),
        Route("/jobs/{job_id}", job_page),
        Route("/tables", tables_page),
        Route("/tables/{name:path}", table_page),
    ]
    async def guard(request: Request, call_next: Any) -> Response:
        if state.local_only and _host_name(request.headers.get("host") or "") not in LOCAL_HOSTS:
            return PlainTextResponse("forbidden: unexpected Host header", status_code=403)
        if state.token is not None:
            given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
            if not hmac.compare_digest(given.encode(), state.token.encode()):
                return PlainTextResponse("forbidden: open the URL with ?token=... printed by dataraum serve", status_code=403)
        try:
            response: Response = await call_next(request)
        except SQLAlchemyError as exc:
            text = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["error"])[0]
            response = PlainTextResponse(f"metadata store busy or unavailable: {text}; reload the page", status_code=503)
        except Exception as exc:  # one line on the page; the traceback goes to the workspace's log
            response = PlainTextResponse(_log_failure(state, request, exc), status_code=500)
        if state.token is not None and request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, state.token, httponly=True, samesite="strict")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)])
    app.state.web = state

    return app


def _log_failure(state: WebState, request: Request, exc: Exception) -> str:
    import traceback

    log = state.settings.workspace / "logs" / "web-error.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{request.method} {request.url.path}\n{traceback.format_exc()}\n")
        where = f" (details in {log})"
    except OSError:
        where = ""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"unexpected error: {text}{where}"


def _host_name(header: str) -> str:
    """`127.0.0.1:8765` -> `127.0.0.1`, `[::1]:8765` -> `[::1]`."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token (one line, exit 2)."""
    from dataraum_context.errors import UserError

    if host not in LOCAL_HOSTS and not token:
        raise UserError(f"refusing to listen on {host} without --token (anyone who can reach it could decide reviews)")
    if token is not None and len(token) < 16:
        raise UserError("--token must be at least 16 characters")


def _check_port(host: str, port: int) -> None:
    """A port in use (or an address this machine does not have) is one line, exit 2."""
    import socket

    from dataraum_context.errors import UserError

    if not 0 < port < 65536:
        raise UserError(f"bad --port {port}: use 1-65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"cannot listen on {host}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8765, token: str | None = None) -> None:
    """Run the app with uvicorn until Ctrl-C."""
    import uvicorn

    check_bind(host, token)
    _check_port(host, port)
    app = create_app(settings, token=token, local_only=host in LOCAL_HOSTS)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    print(f"dataraum serve: {url} (Ctrl-C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
