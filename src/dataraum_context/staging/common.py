"""DuckDB helpers shared by every reader: schemas, raw tables, quarantine, null tokens, hashes."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import duckdb

from dataraum_context.sqlutil import SHARED_WRITES, qualified, quote_ident

RAW_SCHEMA = "raw"
QUARANTINE_SCHEMA = "quarantine"
REJECTED_TABLE = "rejected_rows"
FAILED_TABLE = "failed_sources"
NESTED_TYPE_PREFIXES = ("STRUCT", "MAP", "UNION")


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `raw` and `quarantine` schemas and the rejected-rows table if missing."""
    with SHARED_WRITES:  # tables staged at once must not both create them
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(RAW_SCHEMA)}")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(QUARANTINE_SCHEMA)}")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {rejected_table()} "
            "(table_name VARCHAR, line_number BIGINT, raw_text VARCHAR, error VARCHAR)"
        )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {qualified(QUARANTINE_SCHEMA, FAILED_TABLE)} "
            "(location VARCHAR, content_hash VARCHAR, error VARCHAR)"
        )


def record_failed_source(con: duckdb.DuckDBPyConnection, location: str, content_hash: str, error: str) -> None:
    """Remember that a source (a folder's file) could not be staged, and why. Kept in
    DuckDB next to the raw tables so a run that reuses the cached staging still knows."""
    with SHARED_WRITES:
        ensure_schemas(con)
        forget_failed_source(con, location)
        con.execute(
            f"INSERT INTO {qualified(QUARANTINE_SCHEMA, FAILED_TABLE)} VALUES (?, ?, ?)", [location, content_hash, error]
        )


def forget_failed_source(con: duckdb.DuckDBPyConnection, location: str) -> None:
    with SHARED_WRITES:
        ensure_schemas(con)
        con.execute(f"DELETE FROM {qualified(QUARANTINE_SCHEMA, FAILED_TABLE)} WHERE location = ?", [location])


def failed_source_error(con: duckdb.DuckDBPyConnection, location: str, content_hash: str) -> str | None:
    """The recorded error of a source with exactly this content, if it failed."""
    ensure_schemas(con)
    found = con.execute(
        f"SELECT error FROM {qualified(QUARANTINE_SCHEMA, FAILED_TABLE)} WHERE location = ? AND content_hash = ?",
        [location, content_hash],
    ).fetchall()
    return str(found[0][0]) if found else None


def raw_table(table_name: str) -> str:
    """The quoted qualified name of a raw table: `"raw"."orders"`."""
    return qualified(RAW_SCHEMA, table_name)


def rejected_table() -> str:
    return qualified(QUARANTINE_SCHEMA, REJECTED_TABLE)


def temp_name(prefix: str) -> str:
    """A name no other call uses (rejects tables, scratch tables)."""
    return f"_{prefix}_{uuid.uuid4().hex[:12]}"


def clear_rejected(con: duckdb.DuckDBPyConnection, table_name: str) -> None:
    """Forget rejected rows of an earlier staging of the same table."""
    con.execute(f"DELETE FROM {rejected_table()} WHERE table_name = ?", [table_name])


def as_text(expression: str, source_type: str) -> str:
    """SQL casting one column to VARCHAR; nested values become their JSON text."""
    upper = source_type.upper()
    if upper.startswith(NESTED_TYPE_PREFIXES) or upper.endswith("]"):
        return f"CAST(to_json({expression}) AS VARCHAR)"
    return f"CAST({expression} AS VARCHAR)"


def select_list(expressions: list[str], names: list[str]) -> str:
    """`expr AS "name", ...` for the data columns of a raw table."""
    return ", ".join(f"{expr} AS {quote_ident(name)}" for expr, name in zip(expressions, names))


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def rejected_count(con: duckdb.DuckDBPyConnection, table_name: str) -> int:
    query = f"SELECT count(*) FROM {rejected_table()} WHERE table_name = ?"
    return int(con.execute(query, [table_name]).fetchall()[0][0])


def file_sha256(path: Path, chunk_size: int = 1024 * 1024) -> str:
    """sha256 hex of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def table_sha256(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """sha256 of a raw table's rows as staged (row order by `_row_id`), computed in DuckDB."""
    query = (
        "SELECT sha256(coalesce(string_agg(md5(CAST(to_json(t) AS VARCHAR)), '' "
        f"ORDER BY t.{quote_ident('_row_id')}), '')) FROM {table} AS t"
    )
    return str(con.execute(query).fetchall()[0][0])
