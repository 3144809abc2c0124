"""Column facts for topology: typed-layer types (from DuckDB) joined with raw profiles."""

from __future__ import annotations

import re

import duckdb

from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult
from dataraum_context import fanout
from dataraum_context.sqlutil import COUNTS_PER_QUERY, aggregate_in_slices, distinct_counts, quote_ident
from dataraum_context.topology.models import ColumnFacts, TypeFamily
from dataraum_context.type_resolution.models import TypedTableResult

_INTEGER = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
_FLOAT = {"FLOAT", "DOUBLE", "REAL"}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def type_family(data_type: str) -> TypeFamily:
    """The comparison family of a DuckDB type: values of one family can be joined directly."""
    name = data_type.upper().strip()
    if name in _INTEGER:
        return "integer"
    decimal = _DECIMAL.match(name)
    if decimal:
        return "integer" if int(decimal.group(2)) == 0 else "decimal"
    if name in _FLOAT:
        return "float"
    if name == "VARCHAR" or name.startswith("VARCHAR("):
        return "string"
    if name == "UUID":
        return "uuid"
    if name == "DATE":
        return "date"
    if name.startswith("TIMESTAMP") or name.startswith("TIME"):
        return "timestamp"
    if name == "BOOLEAN":
        return "boolean"
    return "other"


def _typed_columns(con: duckdb.DuckDBPyConnection, table_name: str) -> list[tuple[str, str]]:
    return [
        (str(name), str(dtype))
        for name, dtype in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'typed' AND table_name = ? AND column_name <> '_row_id' "
            "ORDER BY ordinal_position",
            [table_name],
        ).fetchall()
    ]


def _facts(
    table: TypedTableResult, position: int, name: str, dtype: str, profile: ColumnProfileResult | None
) -> ColumnFacts:
    percentiles = (profile.percentiles or {}) if profile else {}
    return ColumnFacts(
        table_name=table.table_name,
        column_name=name,
        typed_table=table.typed_table,
        position=position,
        data_type=dtype,
        family=type_family(dtype),
        row_count=table.row_count,
        null_count=profile.null_count if profile else 0,
        distinct_count=profile.distinct_count if profile else None,
        min_value=profile.min_value if profile else None,
        max_value=profile.max_value if profile else None,
        p25=percentiles.get("p25"),
        p75=percentiles.get("p75"),
        min_length=profile.min_length if profile else None,
        max_length=profile.max_length if profile else None,
        avg_length=profile.avg_length if profile else None,
    )


def collect_column_facts(
    con: duckdb.DuckDBPyConnection,
    typed_tables: list[TypedTableResult],
    table_profiles: list[TableProfileResult],
) -> dict[str, list[ColumnFacts]]:
    """Per table (in the order given), its typed columns in position order with their facts."""
    profiles = {
        (p.table_name, c.column_name): c for p in table_profiles for c in p.columns
    }
    def one(cur: duckdb.DuckDBPyConnection, table: TypedTableResult) -> list[ColumnFacts]:
        facts = [
            _facts(table, i, name, dtype, profiles.get((table.table_name, name)))
            for i, (name, dtype) in enumerate(_typed_columns(cur, table.table_name))
        ]
        _recount_quarantined(cur, table, facts)
        return facts

    # several tables at once (`fanout`: read-only queries, each table on a cursor), in their order
    rows = max((table.row_count for table in typed_tables), default=0)
    found = fanout.map_on_cursors(con, one, typed_tables, rows=rows)
    return {table.table_name: facts for table, facts in zip(typed_tables, found, strict=True)}


def _recount_quarantined(con: duckdb.DuckDBPyConnection, table: TypedTableResult, facts: list[ColumnFacts]) -> None:
    """Columns with quarantined cells have more NULLs and maybe fewer distinct values in the
    typed layer than the raw profile says: count those two exactly (one query per table)."""
    touched = [f for f in facts if table.quarantined.get(f.column_name, 0) > 0]
    if not touched:
        return
    cols = [quote_ident(f.column_name) for f in touched]
    nulls = aggregate_in_slices(con, table.typed_table, [f"count(*) - count({col})" for col in cols], COUNTS_PER_QUERY)
    uniques = distinct_counts(con, table.typed_table, cols, table.row_count)
    for f, n, d in zip(touched, nulls, uniques, strict=True):
        f.null_count = int(n)
        f.distinct_count = int(d)
