"""Database sources: every table of a SQLite or PostgreSQL database into `raw.<table>`.

No DuckDB extension can be downloaded, so rows are fetched by the database's own
driver in batches (values converted to text by the database), and appended to DuckDB
batch by batch through a registered Arrow table.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import URL, make_url

from dataraum_context.errors import SourceError
from dataraum_context.sqlutil import quote_ident
from dataraum_context.staging import common
from dataraum_context.staging.csv_reader import unique_column_names
from dataraum_context.staging.models import SourceSpec, StagedColumn, StagedTable

BATCH_ROWS = 50_000
CONNECT_TIMEOUT_SECONDS = 5.0

Batches = Iterator[list[tuple[str | None, ...]]]
TableColumns = list[tuple[str, str]]  # (name, declared type)


def stage_database(con: duckdb.DuckDBPyConnection, spec: SourceSpec, real_url: str) -> list[StagedTable]:
    """Stage every table of the database at `real_url` (optionally `?table=a,b` only)."""
    url = make_url(real_url)
    wanted = _wanted_tables(url)
    url = url.difference_update_query(["table"])
    common.ensure_schemas(con)
    if url.get_backend_name() == "sqlite":
        return _stage_sqlite(con, spec, url, wanted)
    return asyncio.run(_stage_postgres(con, spec, url, wanted))


def _wanted_tables(url: URL) -> list[str] | None:
    values = url.query.get("table")
    if values is None:
        return None
    joined = ",".join([values] if isinstance(values, str) else list(values))
    return [name.strip() for name in joined.split(",") if name.strip()]


def _select_tables(spec: SourceSpec, found: list[str], wanted: list[str] | None) -> list[str]:
    if wanted is None:
        return found
    missing = [name for name in wanted if name not in found]
    if missing:
        raise SourceError(f"{spec.location}: no table named {', '.join(missing)}")
    return [name for name in found if name in wanted]


# --------------------------------------------------------------------------- writing


class _RawWriter:
    """Creates `raw.<table>` and appends batches of text rows, numbering them in fetch order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: SourceSpec, table_name: str, source_columns: TableColumns) -> None:
        self.con, self.spec, self.table_name = con, spec, table_name
        self.source_columns = source_columns
        self.names = unique_column_names([name for name, _ in source_columns])
        self.target = common.raw_table(table_name)
        self.rows = 0
        column_defs = "".join(f", {quote_ident(n)} VARCHAR" for n in self.names)
        con.execute(f"CREATE OR REPLACE TABLE {self.target} ({quote_ident('_row_id')} BIGINT{column_defs})")
        common.clear_rejected(con, table_name)

    def append(self, batch: list[tuple[str | None, ...]]) -> None:
        """Insert one batch through a registered Arrow table (no per-row SQL)."""
        placeholders = [f"c{i}" for i in range(len(self.names))]
        columns = list(zip(*batch)) if batch else [()] * len(placeholders)
        arrays = [pa.array(list(values), type=pa.string()) for values in columns]
        view = common.temp_name("batch")
        self.con.register(view, pa.Table.from_arrays(arrays, names=placeholders))
        try:
            selected = "".join(f", {quote_ident(p)}" for p in placeholders)
            self.con.execute(
                f"INSERT INTO {self.target} SELECT ? + row_number() OVER (){selected} FROM {quote_ident(view)}",
                [self.rows],
            )
        finally:
            self.con.unregister(view)
        self.rows += len(batch)

    def staged(self, binary_values: int = 0) -> StagedTable:
        """Describe the finished table (`binary_values`: values kept as `\\x` hex text)."""
        con, target = self.con, self.target
        columns = [StagedColumn(name=n, original_name=o, position=i, raw_type=t or "")
                   for i, (n, (o, t)) in enumerate(zip(self.names, self.source_columns))]
        options: dict = {
            "database": self.spec.location,
            "source_table": self.table_name,
        }
        if binary_values:
            options["binary_values"] = binary_values
        return StagedTable(
            table_name=self.table_name,
            source_name=self.spec.name,
            source_type="database",
            location=self.spec.location,
            content_hash=common.table_sha256(con, target),
            row_count=common.row_count(con, target),
            rejected_rows=0,
            raw_table=target,
            columns=columns,
            options=options,
        )


# --------------------------------------------------------------------------- SQLite


def _stage_sqlite(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, url: URL, wanted: list[str] | None
) -> list[StagedTable]:
    database = url.database or ""
    if not database or database == ":memory:" or not Path(database).is_file():
        raise SourceError(f"{spec.location}: SQLite database file not found")
    try:
        source = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True, timeout=CONNECT_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise SourceError(f"{spec.location}: cannot open SQLite database ({exc})") from exc
    decoder = _TextOrHex()
    source.text_factory = decoder
    with closing(source):
        try:
            found = [r[0] for r in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )]
            staged = []
            for table in _select_tables(spec, found, wanted):
                cols = [(r[1], r[2]) for r in source.execute(f"PRAGMA table_info({quote_ident(table)})")]
                writer = _RawWriter(con, spec, table, cols)
                decoder.count = 0
                for batch in _sqlite_batches(source, table, cols):
                    writer.append(batch)
                staged.append(writer.staged(binary_values=decoder.count))
            return staged
        except sqlite3.DatabaseError as exc:
            raise SourceError(f"{spec.location}: cannot read SQLite database ({exc})") from exc


class _TextOrHex:
    """sqlite3 `text_factory`: UTF-8 text as it is; bytes that are not UTF-8 (binary
    BLOBs, mis-encoded TEXT) as `\\x` + hex (PostgreSQL's bytea notation), counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.count += 1
            return "\\x" + data.hex()


def _sqlite_batches(source: sqlite3.Connection, table: str, cols: TableColumns) -> Batches:
    selected = ", ".join(f"CAST({quote_ident(name)} AS TEXT)" for name, _ in cols)
    cursor = source.execute(f"SELECT {selected} FROM {quote_ident(table)}")
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield batch


# --------------------------------------------------------------------------- PostgreSQL


async def _stage_postgres(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, url: URL, wanted: list[str] | None
) -> list[StagedTable]:
    import asyncpg  # imported lazily: only PostgreSQL sources need it

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        source = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = type(exc).__name__ if url.password and url.password in str(exc) else _one_line(exc)
        raise SourceError(f"{spec.location}: cannot connect to database ({reason})") from exc
    try:
        found = [r["table_name"] for r in await source.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )]
        staged = []
        for table in _select_tables(spec, found, wanted):
            cols = [(r["column_name"], r["data_type"]) for r in await source.fetch(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                table,
            )]
            writer = _RawWriter(con, spec, table, cols)
            await _copy_postgres_rows(source, table, cols, writer)
            staged.append(writer.staged())
        return staged
    except asyncpg.PostgresError as exc:
        raise SourceError(f"{spec.location}: cannot read database ({_one_line(exc)})") from exc
    finally:
        await source.close()


async def _copy_postgres_rows(source: Any, table: str, cols: TableColumns, writer: _RawWriter) -> None:
    """Stream a table's rows as text in batches (PostgreSQL does the `::text` conversion)."""
    selected = ", ".join(f"{quote_ident(name)}::text" for name, _ in cols)
    query = f"SELECT {selected} FROM public.{quote_ident(table)}"
    async with source.transaction():
        cursor = await source.cursor(query)
        while batch := await cursor.fetch(BATCH_ROWS):
            writer.append([tuple(record.values()) for record in batch])


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

