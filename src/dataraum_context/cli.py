"""The `dataraum` command line.

Exit codes: 0 completed, 3 paused for review, 4 completed but some sources (files
found in a folder) could not be staged, 2 bad input or usage, 1 unexpected
failure. Errors are one line on stderr, never a traceback (the traceback of an
unexpected failure goes to `<workspace>/logs/`). `--json` prints exactly one JSON
object on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from dataraum_context.config import load_settings
from dataraum_context.errors import DataraumError, UserError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PAUSED, EXIT_PARTIAL = 0, 1, 2, 3, 4
# `-h` as well as `--help`, on every command.
HELP = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="dataraum",
    help="Turn raw tables into reviewed, queryable metadata context.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=HELP,
)
review_app = typer.Typer(help="List and decide review items.", no_args_is_help=True, context_settings=HELP)
app.add_typer(review_app, name="review")


def _width() -> int | None:
    """A terminal (or `COLUMNS`) sets the width; piped output gets wide lines, never cut ids."""
    import os

    if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit():
        return None
    return 200


err_console = Console(stderr=True)
out_console = Console(width=_width())


def _new_consoles() -> None:
    """Consoles for this invocation: the width (terminal, `COLUMNS`) is read when a command starts,
    so that `main()` called twice in one process (the Python API, tests) sees each call's settings."""
    global err_console, out_console
    err_console = Console(stderr=True)
    out_console = Console(width=_width())


def _version_callback(value: bool) -> None:
    if value:
        from dataraum_context import __version__

        sys.stdout.write(f"dataraum {__version__}\n")
        raise typer.Exit(EXIT_OK)


def _lock_notice(message: str) -> None:
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_version_callback, is_eager=True),
    ] = False,
) -> None:
    """Turn raw tables into reviewed, queryable metadata context."""
    from dataraum_context.pipeline.startup import startup_done
    from dataraum_context.storage.workspace import WorkspaceLock

    WorkspaceLock.notice = staticmethod(_lock_notice)
    if ctx.invoked_subcommand not in ("run", "resume"):
        startup_done()  # the runner says when a run's start-up is over (pipeline/startup.py)

Workspace = Annotated[
    Path | None,
    typer.Option("-w", "--workspace", help="Workspace folder (env DATARAUM_WORKSPACE, default ./.dataraum).", show_default=False),
]
MetadataUrl = Annotated[
    str | None,
    typer.Option("--metadata-url", help="SQLAlchemy URL of the metadata store (env DATARAUM_METADATA_URL).", show_default=False),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else there.")]
Parallel = Annotated[
    int | None,
    typer.Option(
        "--parallel", min=1, max=64, metavar="N",
        help="Tables worked on at once (env DATARAUM_TABLE_PARALLELISM, default min(4, CPUs); 1: one after another).",
        show_default=False,
    ),
]


def _workspace(workspace: Path | None, metadata_url: str | None) -> Any:
    """The Python API's `Workspace`: the commands below are thin layers on it."""
    from dataraum_context.api import Workspace as ApiWorkspace

    return ApiWorkspace(workspace, metadata_url)


def _progress(as_json: bool) -> Any:
    """A progress bar on a terminal (stderr), else nothing."""
    import contextlib

    return _RichProgress() if not as_json and err_console.is_terminal else contextlib.nullcontext()


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, default=str, ensure_ascii=False) + "\n")


class _RichProgress:
    """Stage and node progress on stderr (only on a terminal, never in --json mode)."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[stage]}[/bold] {task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} nodes"),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
        )
        self.task: Any = None

    def __enter__(self) -> _RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage_started(self, stage: str, node_count: int) -> None:
        self.task = self.progress.add_task("", total=node_count, stage=escape(stage))

    def node_started(self, node: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=escape(node))

    def node_finished(self, node: str, success: bool) -> None:
        if self.task is not None:
            self.progress.advance(self.task)

    def stage_finished(self, stage: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, description="done")


@app.command()
def run(
    paths: Annotated[list[str], typer.Argument(help="Files, folders of files, or database URLs.", show_default=False)],
    review: Annotated[str | None, typer.Option("--review", help="Review policy: block (default), defer or auto.", show_default=False)] = None,
    ontology: Annotated[str | None, typer.Option("--ontology", help="Ontology name or YAML path.")] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="LLM provider: anthropic or openai.")] = None,
    module: Annotated[list[Path] | None, typer.Option("--module", help="Python file with extra DAG nodes.")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="YAML file of manual quality rules.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML file of settings.")] = None,
    parallel: Parallel = None,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Stage, profile and describe the tables at PATH... and record the run."""
    ws = _workspace(workspace, metadata_url)
    try:
        with _progress(as_json) as progress:
            result = ws.run(
                paths, review, ontology=ontology, llm=llm, rules=rules, modules=module or None, config=config,
                progress=progress, table_parallelism=parallel,
            )
    except DataraumError as exc:  # the options, checked before anything is written
        if as_json:  # --json always prints one object; no run was started
            _print_json({"run_id": None, "status": "failed", "tables": [], "error": str(exc)})
        raise
    _finish_outcome(result, as_json)


@app.command()
def status(
    run_id: Annotated[str | None, typer.Argument(help="A run id; without one, the run history.", show_default=False)] = None,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the run history, or one run with its node executions."""
    from dataraum_context.pipeline.db_models import NodeExecution, Run

    wanted = run_id

    async def work(session: Any) -> Any:
        from dataraum_context.pipeline.history import quality_by_run, run_dict
        from dataraum_context.pipeline.runstore import reap_dead_runs

        try:  # runs whose process is gone show as interrupted (best effort: the store may be full)
            if await reap_dead_runs(session):
                await session.commit()
        except sa.exc.SQLAlchemyError:
            await session.rollback()
        if wanted is None:
            runs = (await session.execute(sa.select(Run).order_by(Run.started_at.desc()).limit(20))).scalars().all()
            quality = await quality_by_run(session, [r.run_id for r in runs])
            return [
                {**run_dict(r), **(await _gate_info(session, r)), "quality": quality.get(r.run_id)} for r in runs
            ]
        found = await _find_run(session, run_id)
        nodes = (
            await session.execute(
                sa.select(NodeExecution)
                .where(NodeExecution.run_id == found.run_id)
                .order_by(NodeExecution.started_at)
            )
        ).scalars().all()
        result = {**run_dict(found), **(await _gate_info(session, found))}
        result["nodes"] = [
            {
                "stage": n.stage,
                "node": n.node_name,
                "status": n.status,
                "duration_ms": round(n.duration_ms or 0.0, 3),
                "code_version": n.code_version,
                "error": n.error_message,
            }
            for n in nodes
        ]
        return result

    payload = _workspace(workspace, metadata_url).read(work)
    if as_json:
        _print_json({"runs": payload} if isinstance(payload, list) else payload)
        return
    if isinstance(payload, list):
        if not payload:
            out_console.print("no runs yet")
            return
        rows = []
        for index, item in enumerate(payload):
            older = payload[index + 1]["quality"] if index + 1 < len(payload) else None
            rows.append([
                item["id"], _status_text(item), item["started_at"][:19].replace("T", " "), _duration(item),
                str(len(item["tables"])), _quality_text(item["quality"], older),
                item["error"] or (f"{len(item['failed_sources'])} source(s) not staged" if item["failed_sources"] else ""),
            ])
        _print_rows(["run", "status", "started (UTC)", "duration", "tables", "quality", "error"], rows)
        return
    _print_line(f"run {payload['id']}: {_status_text(payload)} ({_duration(payload)})")
    if payload["tables"]:
        _print_line(f"tables: {', '.join(payload['tables'])}")
    if payload["error"]:
        _print_line(f"error: {payload['error']}")
    for failed in payload["failed_sources"]:
        _print_line(f"not staged: {failed['error']}")
    if payload.get("open_items"):
        _print_line(
            f"waiting at the {payload['gate']} gate for {len(payload['open_items'])} review item(s) "
            "(dataraum review show ID; then approve, reject or modify, and dataraum resume):"
        )
        _print_rows(
            ["id", "type", "target"],
            [[i["id"], _short_type(i["review_type"]), i["target"] or ""] for i in payload["open_items"]],
        )
    table = _table()
    for header in ("stage", "node", "status"):
        table.add_column(header, overflow="fold")
    table.add_column("ms", justify="right")
    for node in payload["nodes"]:
        table.add_row(escape(node["stage"]), escape(node["node"]), escape(node["status"]), f"{node['duration_ms']:.1f}")
    out_console.print(table)


def _suggested_text(action: dict[str, Any] | None) -> str:
    """`{"action": "quarantine", "type": "DECIMAL(9,2)", "cells": 16}` -> `quarantine type=DECIMAL(9,2) cells=16`."""
    if not action:
        return ""
    parts = [str(action.get("action", ""))] if action.get("action") else []
    parts += [f"{k}={v}" for k, v in action.items() if k != "action"]
    return " ".join(parts)


def _print_rows(headers: list[str], rows: list[list[str]]) -> None:
    """A table whose first column is an id, printed whole. When every column fits the
    console on one line per row, one column each; otherwise (e.g. 80 columns) the id and
    one column holding the other values, labelled and wrapped."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    table = _table()
    if sum(widths) + 3 * (len(headers) - 1) <= out_console.width:
        for header in headers:
            table.add_column(header, no_wrap=True)
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
    else:
        table.add_column(headers[0], no_wrap=True, min_width=36)
        table.add_column("details", overflow="fold", ratio=1)
        for row in rows:
            first, *rest = (escape(cell) for cell in row[1:])
            labelled = [f"{h}: {v}" for h, v in zip(headers[2:], rest) if v and v != "-"]
            table.add_row(escape(row[0]), "\n".join([first, *labelled]))
    out_console.print(table)


def _table() -> RichTable:
    """A table without outer borders (more room at 80 columns); data cells are escaped by callers."""
    return RichTable(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def _print_line(text: str) -> None:
    """One line of data, printed literally (no Rich markup: `[customers]` stays)."""
    out_console.print(text, markup=False, highlight=False)


def _short_type(review_type: str) -> str:
    return review_type.removesuffix("_review")


def _status_text(item: dict[str, Any]) -> str:
    if item.get("open_items"):
        return f"{item['status']} at {item['gate']}: {len(item['open_items'])} open"
    return str(item["status"])


async def _find_run(session: Any, given: str) -> Any:
    """A run by its id or a unique prefix of it (as git does for commits)."""
    from dataraum_context.pipeline.db_models import Run
    from dataraum_context.pipeline.review import find_by_prefix

    return await find_by_prefix(session, Run, Run.run_id, given, "run")


async def _gate_info(session: Any, run_row: Any) -> dict[str, Any]:
    """Where a paused run waits: its gate (stage) and its open review items."""
    if run_row.status != "paused":
        return {"gate": None, "open_items": []}
    from dataraum_context.pipeline import review

    items = await review.list_items(session, run_id=run_row.run_id, include_decided=False)
    gate = (run_row.summary or {}).get("paused_at") or run_row.current_stage
    return {
        "gate": gate,
        "open_items": [{"id": i["id"], "review_type": i["review_type"], "target": i["target"]} for i in items],
    }


def _quality_text(quality: dict[str, Any] | None, older: dict[str, Any] | None) -> str:
    """`0.93 ▲` style: the mean overall table score and its move since the run before."""
    if not quality or quality.get("overall") is None:
        return "-"
    text = f"{quality['overall']:.3f}"
    if older and older.get("overall") is not None:
        delta = quality["overall"] - older["overall"]
        text += " ▲" if delta > 0.0005 else " ▼" if delta < -0.0005 else " ="
    if quality.get("degrading"):
        text += f" ({quality['degrading']} worse)"
    return text


def _duration(item: dict[str, Any]) -> str:
    return f"{item['duration_s']:.1f}s" if item.get("duration_s") is not None else "-"


@app.command()
def context(
    fmt: Annotated[str, typer.Option("--format", help="json or md.")] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE instead of stdout.")] = None,
    tables: Annotated[
        list[str] | None,
        typer.Option("--tables", help="Only these tables (comma-separated or repeated) and what lies among them."),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", help="Markdown only: stay within N tokens (estimated as characters / 4)."),
    ] = None,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
) -> None:
    """Print the context document (JSON or Markdown)."""
    if fmt not in ("json", "md"):
        raise UserError(f"bad --format {fmt!r}: use json or md")
    if max_tokens is not None and (fmt != "md" or max_tokens < 1):
        raise UserError("--max-tokens needs --format md and a positive number")
    ws = _workspace(workspace, metadata_url)
    if fmt == "json":
        text = json.dumps(ws.context(tables), indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        text = ws.context_markdown(tables, max_tokens)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None


@app.command()
def resume(
    run_id: Annotated[str | None, typer.Argument(help="Run id; default: the latest paused or interrupted run.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Resume even if code upstream of the stop changed.")] = False,
    source_url: Annotated[
        list[str] | None,
        typer.Option("--source-url", help="A database URL of the run again, with its password (never stored)."),
    ] = None,
    parallel: Parallel = None,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Resume a paused run after review (or an interrupted one from its last committed stage)."""
    ws = _workspace(workspace, metadata_url)
    with _progress(as_json) as progress:
        result = ws.resume(run_id, force=force, source_urls=source_url, progress=progress, table_parallelism=parallel)
    _finish_outcome(result, as_json)


def _finish_outcome(result: Any, as_json: bool) -> None:
    """Print a run/resume result (`api.RunResult`) and exit with its code (0 done, 3 paused,
    4 done with sources not staged, 2/1 failed)."""
    summary = {
        "run_id": result.run_id,
        "status": result.status,
        "tables": result.tables,
        "tables_changed": result.tables_changed,
        "review": {"pending": result.review_pending},
        "quality_changes": result.quality_changes,
        "failed_sources": result.failed_sources,
        "duration_s": result.duration_s,
        "message": result.message,
        "error": result.error,
    }
    if as_json:
        _print_json(summary)
    elif result.status == "completed":
        tables = result.tables
        err_console.print(
            f"run {result.run_id} completed in {result.duration_s:.1f}s: {len(tables)} table(s)"
            + (f" ({', '.join(tables)})" if tables else "")
            + (f"; {result.review_pending} review item(s) open" if result.review_pending else ""),
            markup=False, highlight=False,
        )
    elif result.message:
        err_console.print(result.message, markup=False, highlight=False)
    if not as_json:
        for failed in result.failed_sources:
            err_console.print(f"not staged: {failed['error']}", markup=False, highlight=False)
    if result.error is not None:
        result.raise_for_error()
    if result.status == "paused":
        raise typer.Exit(EXIT_PAUSED)
    if result.failed_sources:
        raise typer.Exit(EXIT_PARTIAL)


@review_app.command("list")
def review_list(
    run: Annotated[str | None, typer.Option("--run", help="Only items of this run.")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only pending items.")] = False,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """List review items."""
    items = _workspace(workspace, metadata_url).review.list(run=run, pending=pending)
    if as_json:
        _print_json({"items": items})
        return
    if not items:
        out_console.print("no review items")
        return
    rows = [
        [item["id"], _short_type(item["review_type"]), item["target"] or "", item["status"],
         _suggested_text(item["suggested_action"])]
        for item in items
    ]
    _print_rows(["id", "type", "target", "status", "suggested"], rows)


@review_app.command("show")
def review_show(
    item_id: Annotated[str, typer.Argument(help="Review item id (or a unique prefix).", show_default=False)],
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Show one review item: the proposal, its evidence, and what each decision will do."""
    payload = _workspace(workspace, metadata_url).review.show(item_id)
    if as_json:
        _print_json(payload)
        return
    from dataraum_context.pipeline.review_text import describe, wrap

    for line in describe(payload):
        for part in wrap(line, out_console.width):
            out_console.print(part, markup=False, highlight=False, soft_wrap=True)


def _print_decided(decided: Any, as_json: bool) -> None:
    """What a decision (made in one transaction: all of it or nothing) did."""
    items = decided if isinstance(decided, list) else [decided]
    if as_json:
        _print_json({"items": items})
    else:
        for item in items:
            err_console.print(f"{item['status']}: {item['review_type']} {item['target']}", markup=False, highlight=False)
            if item.get("preview"):
                from dataraum_context.type_resolution.preview import describe

                err_console.print(f"  {describe(item['preview'])}", markup=False, highlight=False)
        if not items:
            err_console.print("no pending review items", markup=False)


@review_app.command("approve")
def review_approve(
    ids: Annotated[list[str] | None, typer.Argument(help="Review item ids.", show_default=False)] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Approve every pending item.")] = False,
    run: Annotated[str | None, typer.Option("--run", help="With --all: only items of this run.")] = None,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve review items (accept their suggested action)."""
    _print_decided(_workspace(workspace, metadata_url).review.approve(ids or [], all_pending=all_items, run=run), as_json)


@review_app.command("reject")
def review_reject(
    ids: Annotated[list[str], typer.Argument(help="Review item ids.", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Reject review items (a type or quarantine item keeps its column as text)."""
    _print_decided(_workspace(workspace, metadata_url).review.reject(ids, reason=reason), as_json)


@review_app.command("modify")
def review_modify(
    item_id: Annotated[str, typer.Argument(help="Review item id.", show_default=False)],
    assignments: Annotated[list[str], typer.Option("--set", help="KEY=VALUE (repeatable), e.g. type=DATE.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (recorded).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Set a type even when most values would not parse.")] = False,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Decide a review item with other values (e.g. --set type=DATE, --set date_order=dmy, --set role=measure).

    A new type is measured on the whole column first: what it reads and what it would
    quarantine is shown and recorded; a type under which most values fail needs --force."""
    ws = _workspace(workspace, metadata_url)
    _print_decided(ws.review.modify(item_id, assignments, reason=reason, force=force), as_json)


@app.command()
def dag(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to FILE: DOT, or PNG/SVG/PDF by its suffix when Graphviz is installed."),
    ] = None,
    module: Annotated[list[Path] | None, typer.Option("--module", help="Python file with extra DAG nodes.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML file of settings (its `modules`).")] = None,
) -> None:
    """Write the DAG as Graphviz DOT: stages grouped in flow order, gates marked, custom nodes included."""
    from dataraum_context.pipeline.dot import render_dot, write_graph

    modules = load_settings(config_file=config, modules=module or None).modules
    text = render_dot(modules)
    if output is None:
        sys.stdout.write(text)
        return
    note = write_graph(text, output)
    if note:
        err_console.print(note, markup=False, highlight=False, soft_wrap=True)


@app.command("mcp")
def mcp_command(
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1 (bearer token) instead of stdio.")] = False,
    port: Annotated[int, typer.Option("--port", help="With --http: the port (0: any free one).")] = 8766,
    token: Annotated[
        str | None,
        typer.Option("--token", help="With --http: the bearer token (env DATARAUM_MCP_TOKEN; default: generated, printed on stderr).", show_default=False),
    ] = None,
    allow_review: Annotated[bool, typer.Option("--allow-review", help="Also offer list_review_items and decide.")] = False,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
) -> None:
    """Serve the workspace's context to AI agents over the Model Context Protocol (stdio by default)."""
    from dataraum_context.mcp.server import serve

    ws = _workspace(workspace, metadata_url)
    ws.require_store()
    if not 0 <= port <= 65535:
        raise UserError(f"bad --port {port}: give 0 to 65535")
    serve(ws, http=http, port=port, token=token, allow_review=allow_review)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; other than localhost needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    token: Annotated[str | None, typer.Option("--token", help="Secret every request must carry (needed beyond localhost).")] = None,
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
) -> None:
    """Review, runs and tables in the browser (a local web app; Ctrl-C stops it)."""
    from dataraum_context.web.app import check_bind

    check_bind(host, token)
    ws = _workspace(workspace, metadata_url)
    ws.require_store()
    from dataraum_context.web.app import serve as run_server  # heavy: uvicorn, starlette

    run_server(ws.settings, host=host, port=port, token=token)


@app.command()
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path("report.html"),
    workspace: Workspace = None,
    metadata_url: MetadataUrl = None,
) -> None:
    """Write the context as one self-contained HTML file (opens offline)."""
    from dataraum_context.web.report import render_report

    text = _workspace(workspace, metadata_url).read(render_report)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    err_console.print(f"wrote {output}", markup=False, highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every error into one line and an exit code."""
    _new_consoles()
    try:
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int):
            return result
    except DataraumError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted", markup=False)
        return EXIT_FAILURE
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument, ...
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stdout.write(ctx.get_help() + "\n")
            return EXIT_USAGE
        message = " ".join(exc.format_message().split())
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        err_console.print(f"error: {message}{hint}", markup=False, highlight=False, soft_wrap=True)
        return getattr(exc, "exit_code", EXIT_USAGE) or EXIT_USAGE
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        return 130
    except OSError as exc:  # a full disk, a read-only folder ...: the machine, not dataraum
        where = f": {exc.filename}" if exc.filename else ""
        err_console.print(f"error: {exc.strerror or exc}{where}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except Exception as exc:  # unexpected: one line, not a traceback
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        err_console.print(f"unexpected error: {text}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_FAILURE
    return EXIT_OK


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
