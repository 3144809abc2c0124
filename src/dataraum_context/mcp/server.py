"""`dataraum mcp`: the workspace's context as Model Context Protocol tools for AI agents.

Built on the official `mcp` SDK (`MCPServer`). Every tool calls the Python API
(`dataraum_context.api.Workspace`); nothing here reads the stores directly. A tool
that fails returns an error result with one line an agent can act on (an unknown
table lists the tables, a refused query says why), never a crash of the server.

Transports: stdio (default; the client starts the process), or `--http`: streamable
HTTP on 127.0.0.1, every request needing `Authorization: Bearer <token>` (the token
from `--token`, `DATARAUM_MCP_TOKEN`, or generated and printed on stderr); a missing
or wrong token gets 401.

Nothing a tool does changes data: queries run on a read-only DuckDB connection
(`api/readonly.py`); the only writes are review decisions in the metadata store
(`annotate`, and `decide` when the server was started with `--allow-review`).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import socket
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field

from dataraum_context.api import Workspace
from dataraum_context.errors import DataraumError

TOKEN_ENV = "DATARAUM_MCP_TOKEN"
DEFAULT_PORT = 8766
HOST = "127.0.0.1"

INSTRUCTIONS = """\
dataraum: reviewed metadata context for the tables of one workspace (types, units, meaning, keys,
relationships, time, quality). Start with get_context (give max_tokens to stay within a budget),
then describe a table or column, search by name or meaning, and query the typed data with one
read-only SELECT. get_metrics/run_metric give the ontology metrics with their SQL and values.
When a business name, role, description or relationship is wrong, record the correction with
annotate (it becomes a review decision by 'agent', applied on the next run)."""

T = TypeVar("T")


def _call(work: Callable[[], T]) -> T:
    """Run `work`; a dataraum error becomes a tool error with its one-line message."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return work()
    except DataraumError as exc:
        raise ToolError(str(exc)) from None
    except Exception as exc:  # unexpected: still one line for the agent, never a dead server
        logging.getLogger(__name__).exception("tool failed unexpectedly")  # the traceback, on stderr
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ToolError(f"unexpected error: {text}") from None


def build_server(ws: Workspace, *, allow_review: bool = False, name: str = "dataraum") -> Any:
    """The MCP server of one workspace (tools and resources registered, not yet running)."""
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    from dataraum_context import __version__

    server = MCPServer(name=name, version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    reading = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

    @server.tool(annotations=reading)
    def get_context(
        tables: Annotated[
            list[str] | None, Field(description="Only these tables and what lies among them (default: all).")
        ] = None,
        max_tokens: Annotated[
            int | None,
            Field(description="Stay within this many tokens (characters / 4), dropping detail as `dataraum context --max-tokens` does.", ge=1),
        ] = None,
    ) -> str:
        """The context document as Markdown: every table and column with type, unit, meaning, keys,
        relationships, join paths, time, quality, metrics and open review items."""
        return _call(lambda: ws.context_markdown(tables, max_tokens))

    @server.tool(annotations=reading)
    def describe(
        table: Annotated[str, Field(description="Table name.")],
        column: Annotated[str | None, Field(description="A column of the table (default: the whole table).")] = None,
    ) -> dict[str, Any]:
        """One table or column in full: profile, type decision with provenance (who, when, why),
        semantics, temporal, quality, and the relationships, metrics and review items involving it."""
        return _call(lambda: ws.describe(table, column))

    @server.tool(annotations=reading)
    def search(text: Annotated[str, Field(description="Words to look for, e.g. 'revenue' or 'customer id'.")]) -> dict[str, Any]:
        """Find tables, columns and metrics by name, business name, ontology term, entity type or description."""
        return _call(lambda: {"matches": ws.search(text)})

    @server.tool(annotations=reading)
    def query(
        sql: Annotated[str, Field(description="One SELECT (or WITH ... SELECT). Unqualified names read the typed layer; raw.* and quarantine.* also exist.")],
        limit: Annotated[int, Field(description="Most rows to return.", ge=1, le=10_000)] = 100,
    ) -> dict[str, Any]:
        """Run one read-only SQL query (DuckDB) on the workspace's data: rows, column names and types,
        and whether rows were left out. Writes, ATTACH, COPY, SET, file functions and extra statements
        are refused; a query running too long (default 10 s) is stopped."""
        return _call(lambda: ws.query_result(sql, limit=limit).as_dict())

    @server.tool(annotations=reading)
    def get_metrics(
        table: Annotated[str | None, Field(description="Only this table's metrics (default: all).")] = None,
    ) -> dict[str, Any]:
        """The ontology metrics computable on these tables, each with its SQL and current value."""
        return _call(lambda: {"metrics": ws.metrics(table, values=True)})

    @server.tool(annotations=reading)
    def run_metric(
        name: Annotated[str, Field(description="Metric name, or table.name when several tables have it.")],
    ) -> dict[str, Any]:
        """Compute one ontology metric on the typed data: its SQL and value."""
        return _call(lambda: ws.run_metric(name))

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False))
    def annotate(
        target: Annotated[str, Field(description="A column as TABLE.COLUMN, or a relationship as 'from_table(col) -> to_table(col)'.")],
        values: Annotated[
            dict[str, str],
            Field(description="Column: role, entity_type, business_name, description, ontology_term. Relationship: cardinality, relationship_type, or status=rejected."),
        ],
        reason: Annotated[str, Field(description="Why the current value is wrong (recorded).")],
    ) -> dict[str, Any]:
        """Record a correction as a review decision by 'agent': shown in review and in the document's
        provenance, applied on the next run (decision memory). Changes no data."""
        return _call(lambda: ws.annotate(target, values, reason))

    if allow_review:
        @server.tool(annotations=reading)
        def list_review_items(
            pending: Annotated[bool, Field(description="Only items waiting for a decision.")] = True,
        ) -> dict[str, Any]:
            """Review items: what the machine was unsure of, with evidence and suggested action."""
            return _call(lambda: {"items": ws.review.list(pending=pending)})

        @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False))
        def decide(
            item_id: Annotated[str, Field(description="Review item id (or a unique prefix).")],
            decision: Annotated[Literal["approve", "reject", "modify"], Field(description="approve the suggestion, reject it, or modify it with values.")],
            reason: Annotated[str | None, Field(description="Why (required to reject).")] = None,
            values: Annotated[dict[str, str] | None, Field(description="For modify: e.g. {\"type\": \"DATE\"} or {\"role\": \"measure\"}.")] = None,
        ) -> dict[str, Any]:
            """Decide a review item as 'agent' (approve, reject or modify). It takes effect when the run resumes."""
            from dataraum_context.api.annotate import agent_name

            who = agent_name(None)

            def work() -> dict[str, Any]:
                if decision == "approve":
                    return {"items": ws.review.approve([item_id], who=who)}
                if decision == "reject":
                    return {"items": ws.review.reject([item_id], reason=reason or "", who=who)}
                return {"items": [ws.review.modify(item_id, values or {}, reason=reason, who=who)]}

            return _call(work)

    def _resource_text(work: Callable[[], str]) -> str:
        from mcp.server.mcpserver.exceptions import ResourceError

        try:
            return work()
        except DataraumError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource("dataraum://context.json", name="context-json", mime_type="application/json",
                     description="The context document (JSON), as `dataraum context --format json`.")
    def context_json() -> str:
        return _resource_text(lambda: json.dumps(ws.context(), indent=2, ensure_ascii=False, default=str))

    @server.resource("dataraum://context.md", name="context-markdown", mime_type="text/markdown",
                     description="The context document (Markdown), as `dataraum context --format md`.")
    def context_md() -> str:
        return _resource_text(lambda: ws.context_markdown())

    return server


class BearerAuth:
    """ASGI middleware: every HTTP request needs `Authorization: Bearer <token>`; otherwise 401."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = b'{"error": "missing or wrong bearer token"}'
                await send({
                    "type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                                (b"content-length", str(len(body)).encode())],
                })
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def serve(
    ws: Workspace, *, http: bool = False, port: int = DEFAULT_PORT, token: str | None = None,
    allow_review: bool = False,
) -> None:
    """Serve until stopped: stdio, or streamable HTTP on 127.0.0.1:`port` (0: any free port)."""
    server = build_server(ws, allow_review=allow_review)
    if not http:
        server.run("stdio")
        return
    import anyio
    import uvicorn

    token = token or os.environ.get(TOKEN_ENV) or None
    generated = token is None
    if token is None:
        token = secrets.token_urlsafe(32)
    app = BearerAuth(server.streamable_http_app(host=HOST), token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        from dataraum_context.errors import UserError

        raise UserError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    # Listen before saying where: a client that connects as soon as it reads the URL is then
    # queued in the backlog until uvicorn accepts, not refused (uvicorn's own listen() comes
    # only after its startup, which on a busy machine took longer than a client's connect).
    sock.listen(128)
    bound = sock.getsockname()[1]
    sys.stderr.write(f"dataraum mcp: serving {ws.path} on http://{HOST}:{bound}/mcp\n")
    if generated:
        sys.stderr.write(f"dataraum mcp: bearer token {token}\n")
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    anyio.run(lambda: uvicorn.Server(config).serve(sockets=[sock]))
