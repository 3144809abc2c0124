"""The Python API: `Workspace`, what notebooks, schedulers, agents and the MCP server call.

    from dataraum_context import Workspace

    ws = Workspace(".dataraum")
    result = ws.run(["examples/demo/data"], review="defer")
    doc = ws.context()                       # the context document (dict)
    ws.review.list(pending=True)             # review items; .show/.approve/.reject/.modify
    ws.query("SELECT count(*) FROM orders")  # pyarrow.Table, read-only

Every method is synchronous. Inside a running event loop (Jupyter, an async web
app) the async internals run in a worker thread, so calling them there works too.
Errors are `DataraumError`s with one-line messages (`UserError` for bad input).
Review decisions go through `pipeline/review.py`, the code the CLI uses.
"""

from __future__ import annotations

import asyncio
import html
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dataraum_context.api.readonly import QueryError, QueryResult, run_query
from dataraum_context.config import Settings, load_settings
from dataraum_context.errors import DataraumError, UserError

if TYPE_CHECKING:
    import pyarrow as pa

    from dataraum_context.pipeline.runner import ProgressListener

__all__ = ["QueryError", "QueryResult", "Review", "RunResult", "Workspace"]

T = TypeVar("T")


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, also inside a running event loop
    (then in a worker thread with its own loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dataraum-api") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()  # type: ignore[arg-type]


@dataclass
class RunResult:
    """What a run or resume ended with. `status`: completed, paused, failed, interrupted, ..."""

    run_id: str | None
    status: str
    tables: list[str] = field(default_factory=list)
    tables_changed: list[str] = field(default_factory=list)
    review_pending: int = 0
    failed_sources: list[dict[str, Any]] = field(default_factory=list)
    quality_changes: list[Any] = field(default_factory=list)
    duration_s: float = 0.0
    message: str | None = None
    error: str | None = None
    _exception: DataraumError | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_outcome(cls, outcome: Any) -> RunResult:
        summary = outcome.summary or {}
        return cls(
            run_id=str(outcome.run_id) if outcome.run_id else None,
            status=outcome.status,
            tables=list(summary.get("tables", [])),
            tables_changed=list(summary.get("tables_changed", [])),
            review_pending=int(summary.get("review_pending", 0) or 0),
            failed_sources=list(summary.get("failed_sources", [])),
            quality_changes=list(summary.get("quality_changes", [])),
            duration_s=round(float(outcome.duration_s or 0.0), 3),
            message=outcome.message,
            error=str(outcome.error) if outcome.error else None,
            _exception=outcome.error,
        )

    @property
    def ok(self) -> bool:
        """Completed (possibly with review items left open) or paused for review."""
        return self.status in ("completed", "paused") and self.error is None

    def raise_for_error(self) -> RunResult:
        """Raise the run's error (a one-line `DataraumError`) if it failed; else return self."""
        if self._exception is not None:
            raise self._exception
        if self.error is not None:
            raise DataraumError(self.error)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _repr_html_(self) -> str:
        rows = [
            ("run", self.run_id or "-"), ("status", self.status), ("tables", ", ".join(self.tables) or "-"),
            ("open review items", str(self.review_pending)), ("duration", f"{self.duration_s:.1f} s"),
        ]
        if self.message:
            rows.append(("message", self.message))
        if self.error:
            rows.append(("error", self.error))
        return _html_table("dataraum run", rows)


def _html_table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<div><strong>{html.escape(title)}</strong><table>{body}</table></div>"


class Review:
    """Review items of a workspace: list, show, approve, reject, modify (as `dataraum review`)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def list(self, *, run: str | None = None, pending: bool = False) -> list[dict[str, Any]]:
        """Review items (all but superseded ones; only open ones with `pending`), oldest first."""
        from dataraum_context.pipeline import review

        async def work(session: Any) -> list[dict[str, Any]]:
            run_id = await self._ws._run_id(session, run)
            return await review.list_items(session, run_id=run_id, include_decided=not pending)

        return self._ws.read(work)

    def show(self, item_id: str) -> dict[str, Any]:
        """One review item: proposal, evidence, decision (id or a unique prefix of 4+ characters)."""
        from dataraum_context.pipeline import review

        async def work(session: Any) -> dict[str, Any]:
            return review.item_dict(await review.get_item(session, item_id))

        return self._ws.read(work)

    def approve(
        self, ids: Sequence[str] | str | None = None, *, all_pending: bool = False, run: str | None = None,
        who: str | None = None,
    ) -> list[dict[str, Any]]:
        """Accept the suggested action of the given items (or all pending ones)."""
        from dataraum_context.pipeline import review

        async def work(session: Any) -> list[dict[str, Any]]:
            run_id = await self._ws._run_id(session, run)
            return await review.approve(session, _ids(ids), all_pending=all_pending, run_id=run_id, who=who)

        return self._ws.write(work)

    def reject(self, ids: Sequence[str] | str, *, reason: str, who: str | None = None) -> list[dict[str, Any]]:
        """Refuse the suggestion (a type item keeps its column as text, a relationship is dropped)."""
        from dataraum_context.pipeline import review

        return self._ws.write(lambda s: review.reject(s, _ids(ids), reason=reason, who=who))

    def modify(
        self, item_id: str, values: dict[str, Any] | Sequence[str], *, reason: str | None = None,
        force: bool = False, who: str | None = None,
    ) -> dict[str, Any]:
        """Decide an item with other values: `{"type": "DATE"}` or `["type=DATE"]`, as `--set`."""
        from dataraum_context.pipeline import review

        assignments = [f"{k}={v}" for k, v in values.items()] if isinstance(values, dict) else list(values)
        duckdb_path = self._ws.settings.duckdb_path
        return self._ws.write(
            lambda s: review.modify(s, item_id, assignments, reason=reason, who=who, duckdb_path=duckdb_path, force=force)
        )


async def _check_resumable_options(session: Any, wanted: uuid.UUID | None) -> None:
    """Check the options the run to resume recorded before it is claimed."""
    from dataraum_context.pipeline.db_models import Run
    from dataraum_context.pipeline.runstore import RESUMABLE, latest_resumable, lease_is_void
    from dataraum_context.preflight import check_stored_options

    run_row = await session.get(Run, wanted) if wanted is not None else await latest_resumable(session)
    if run_row is None:
        return
    if run_row.status in RESUMABLE or (run_row.status == "running" and lease_is_void(run_row)):
        try:
            check_stored_options(dict(run_row.options or {}))
        except DataraumError as exc:
            raise UserError(f"cannot resume run {run_row.run_id}: {exc}") from None


def _ids(ids: Sequence[str] | str | None) -> list[str]:
    if ids is None:
        return []
    return [ids] if isinstance(ids, str) else [str(i) for i in ids]


class Workspace:
    """A dataraum workspace: a folder with the DuckDB data and (by default) the SQLite metadata."""

    def __init__(self, path: str | Path | None = None, metadata_url: str | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._metadata_url = metadata_url
        self.settings: Settings = load_settings(workspace=self._path, metadata_url=metadata_url)
        self.review = Review(self)

    def __repr__(self) -> str:
        return f"Workspace({str(self.settings.workspace)!r})"

    @property
    def path(self) -> Path:
        return self.settings.workspace

    @property
    def duckdb_path(self) -> Path:
        return self.settings.duckdb_path

    def exists(self) -> bool:
        """Whether a run has created the metadata store."""
        return self.settings.metadata_url is not None or (self.settings.workspace / "metadata.db").exists()

    # --- sessions -----------------------------------------------------------------

    def require_store(self) -> None:
        """Reading needs an existing store: never create an empty one by accident."""
        if not self.exists():
            raise UserError(f"no dataraum workspace at {self.settings.workspace} (run `dataraum run PATH` first)")

    async def _session_call(self, work: Callable[[Any], Awaitable[T]], write: bool) -> T:
        from dataraum_context.pipeline.stages import init_store
        from dataraum_context.storage.engine import create_engine, session_factory

        engine = create_engine(self.settings.resolved_metadata_url)
        try:
            await init_store(engine)
            if write:  # one transaction: all of it or nothing
                async with session_factory(engine).begin() as session:
                    return await work(session)
            async with session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    def read(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """`await work(session)` on the metadata store (which must exist), read only."""
        self.require_store()
        return run_sync(lambda: self._session_call(work, write=False))

    def write(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """`await work(session)` in one transaction: all of it or nothing."""
        self.require_store()
        return run_sync(lambda: self._session_call(work, write=True))

    async def _run_id(self, session: Any, given: str | None) -> uuid.UUID | None:
        if given is None:
            return None
        from dataraum_context.pipeline.db_models import Run
        from dataraum_context.pipeline.review import find_by_prefix

        return (await find_by_prefix(session, Run, Run.run_id, given, "run")).run_id  # type: ignore[no-any-return]

    # --- runs -----------------------------------------------------------------------

    def run(
        self,
        paths: Sequence[str | Path] | str | Path,
        review: str | None = None,
        *,
        ontology: str | None = None,
        llm: str | None = None,
        rules: str | Path | None = None,
        modules: Sequence[str | Path] | None = None,
        config: str | Path | None = None,
        progress: ProgressListener | None = None,
        table_parallelism: int | None = None,
    ) -> RunResult:
        """Stage, profile and describe the tables at `paths` (files, folders, database URLs).
        `review`: block (pause at the first gate with open items), defer or auto.
        `progress` hears of every stage and node (the CLI's progress bar is one).
        `table_parallelism`: tables worked on at once (default: the setting; 1 one after another)."""
        from dataraum_context.pipeline.runner import execute_run
        from dataraum_context.preflight import preflight

        given = [paths] if isinstance(paths, (str, Path)) else list(paths)
        settings = load_settings(
            config_file=Path(config) if config is not None else None, workspace=self._path,
            metadata_url=self._metadata_url, review=review, ontology=ontology, llm=llm,
            rules_file=Path(rules) if rules is not None else None,
            modules=[Path(m) for m in modules] if modules else None, table_parallelism=table_parallelism,
        )
        # Every option a later stage needs is checked now, before anything is written; paths
        # come back absolute, so that a resume from another folder finds them again.
        settings, checked = preflight(settings, [str(p) for p in given])
        settings.workspace.mkdir(parents=True, exist_ok=True)
        log_path = settings.workspace / "logs" / "last-error.log"
        outcome = run_sync(lambda: execute_run(settings, checked, progress, log_path))
        return RunResult.from_outcome(outcome)

    def resume(
        self, run_id: str | None = None, *, force: bool = False, source_urls: Sequence[str] | None = None,
        progress: ProgressListener | None = None, table_parallelism: int | None = None,
    ) -> RunResult:
        """Resume a paused (or interrupted) run: the latest one, or `run_id` (or a prefix).
        The options the run recorded (LLM key, ontology, rules, modules) are checked first:
        a missing one is a `UserError` and the run stays resumable. `table_parallelism` is
        not one of them (it never changes results): this call's value, or the setting's."""
        from dataraum_context.pipeline.runner import resume_run

        async def check(session: Any) -> uuid.UUID | None:
            wanted = await self._run_id(session, run_id)
            await _check_resumable_options(session, wanted)
            return wanted

        settings = self.settings
        if table_parallelism is not None:
            settings = load_settings(
                workspace=self._path, metadata_url=self._metadata_url, table_parallelism=table_parallelism
            )
        wanted = self.read(check)
        log_path = settings.workspace / "logs" / "last-error.log"
        outcome = run_sync(
            lambda: resume_run(settings, wanted, progress, log_path, force=force, source_urls=list(source_urls or []))
        )
        return RunResult.from_outcome(outcome)

    # --- reading ----------------------------------------------------------------------

    def context(self, tables: Sequence[str] | str | None = None) -> dict[str, Any]:
        """The context document (as `dataraum context --format json`), optionally narrowed to `tables`."""
        from dataraum_context.context.document import build_context

        doc = self.read(build_context)
        if tables:
            from dataraum_context.context.budget import parse_table_names, select_tables

            names = [tables] if isinstance(tables, str) else list(tables)
            doc = select_tables(doc, parse_table_names(names, [t["name"] for t in doc["tables"]]))
        return doc

    def context_markdown(self, tables: Sequence[str] | str | None = None, max_tokens: int | None = None) -> str:
        """The Markdown context (as `dataraum context --format md [--max-tokens N]`)."""
        from dataraum_context.context.budget import fit_markdown
        from dataraum_context.context.markdown import render_markdown

        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
            raise UserError(f"bad max_tokens {max_tokens!r}: give a positive whole number")
        doc = self.context(tables)
        return render_markdown(doc) if max_tokens is None else fit_markdown(doc, max_tokens)

    def describe(self, table: str, column: str | None = None) -> dict[str, Any]:
        """One table (or one of its columns) in full, with what involves it."""
        from dataraum_context.api.lookup import describe

        return describe(self.context(), table, column)

    def search(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Tables, columns and metrics by name, business name, ontology term or description."""
        from dataraum_context.api.lookup import search

        return search(self.context(), text, limit)

    def metrics(self, table: str | None = None, *, values: bool = False) -> list[dict[str, Any]]:
        """The ontology metrics computable here, with their SQL (and with `values`, their value)."""
        from dataraum_context.api.lookup import metrics

        found = metrics(self.context(), table)
        if values:
            found = [{**m, **self._metric_value(m)} for m in found]
        return found

    def run_metric(self, name: str) -> dict[str, Any]:
        """A metric (`name` or `table.name`) computed on the typed layer: its SQL and value."""
        from dataraum_context.api.lookup import find_metric

        metric = find_metric(self.context(), name)
        return {**metric, **self._metric_value(metric)}

    def _metric_value(self, metric: dict[str, Any]) -> dict[str, Any]:
        sql = metric.get("sql")
        if not sql:
            return {"value": None, "error": "the metric has no SQL"}
        try:
            result = self.query_result(sql, limit=10)
        except QueryError as exc:
            return {"value": None, "error": str(exc)}
        rows = result.as_dict()["rows"]
        return {"value": rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows, "error": None}

    def query(self, sql: str, *, limit: int | None = None, timeout: float | None = None) -> pa.Table:
        """Rows of one read-only SELECT on the typed layer, as a `pyarrow.Table` (at most
        `limit` rows, default 1000; stopped after `timeout` seconds, default the setting
        `query_timeout_seconds`, 10)."""
        return self.query_result(sql, limit=limit, timeout=timeout).table

    def query_result(self, sql: str, *, limit: int | None = None, timeout: float | None = None) -> QueryResult:
        """As `query`, with the column types and whether rows were left out."""
        timeout = self.settings.query_timeout_seconds if timeout is None else timeout
        return run_query(self.duckdb_path, sql, limit=limit, timeout=timeout)

    def annotate(self, target: str, values: dict[str, Any], reason: str, *, agent: str | None = None) -> dict[str, Any]:
        """Record a correction of a column (`TABLE.COLUMN`: role, entity_type, business_name,
        description, ontology_term) or a relationship (`a(x) -> b(y)`: cardinality,
        relationship_type, or status=rejected) as a review decision by `agent` (or
        `agent:<name>`). Applied on the next run through decision memory."""
        from dataraum_context.api.annotate import agent_name, annotate
        from dataraum_context.context.document import build_context

        who = agent_name(agent)

        async def work(session: Any) -> dict[str, Any]:
            doc = await build_context(session)
            return await annotate(session, doc, target, values, reason, who=who)

        return self.write(work)

    # --- notebooks ----------------------------------------------------------------------

    def _repr_html_(self) -> str:
        rows: list[tuple[str, str]] = [("workspace", str(self.settings.workspace))]
        if not self.exists():
            rows.append(("status", "empty (no run yet)"))
            return _html_table("dataraum workspace", rows)
        try:
            doc = self.context()
        except DataraumError as exc:
            rows.append(("error", str(exc)))
            return _html_table("dataraum workspace", rows)
        run = doc.get("run") or {}
        rows.append(("latest run", f"{run.get('id', '-')} ({run.get('status', '-')})"))
        rows.append(("open review items", str((doc.get("review") or {}).get("pending", 0))))
        head = "".join(f"<th>{h}</th>" for h in ("table", "rows", "columns", "entity", "quality"))
        body = ""
        for table in doc.get("tables") or []:
            overall = ((table.get("quality") or {}).get("scores") or {}).get("overall")
            cells = (
                table["name"], str(table.get("row_count")), str(len(table.get("columns") or [])),
                str((table.get("entity") or {}).get("type") or "-"),
                f"{overall:.3f}" if isinstance(overall, (int, float)) else "-",
            )
            body += "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
        return _html_table("dataraum workspace", rows) + f"<table><tr>{head}</tr>{body}</table>"
