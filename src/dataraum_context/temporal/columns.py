"""Which typed columns the temporal stage looks at, and which one carries a regular series' values."""

from __future__ import annotations

import re

from dataraum_context.temporal.profiler import is_time_type
from dataraum_context.type_resolution.models import ColumnTypeDecision

_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)$", re.I)
_ID_LIKE = re.compile(r"(^id$|_id$|id$|_key$|_no$|_nr$|^key$|code$)", re.I)


def column_types(decisions: list[ColumnTypeDecision]) -> dict[str, dict[str, str]]:
    """table -> column -> decided DuckDB type, in decision order (the table's column order)."""
    out: dict[str, dict[str, str]] = {}
    for decision in decisions:
        out.setdefault(decision.table_name, {})[decision.column_name] = decision.decided_type
    return out


def time_columns(types: dict[str, str]) -> list[str]:
    """The DATE / TIMESTAMP / TIMESTAMP WITH TIME ZONE columns of one table."""
    return [name for name, dtype in types.items() if is_time_type(dtype)]


def measure_column(types: dict[str, str], exclude: set[str], keys: list[list[str]]) -> str | None:
    """The first numeric column that is not a key, not id-like and not excluded (None if none)."""
    key_columns = {c for key in keys for c in key}
    for name, dtype in types.items():
        if name in exclude or name in key_columns or _ID_LIKE.search(name):
            continue
        if _NUMERIC.match(dtype.strip()):
            return name
    return None
