"""profiling stage: column statistics computed by DuckDB over the raw layer.

Public API: `profile_table` (DuckDB -> `TableProfileResult`), the result models, and
`persist_profiling` (results -> `column_profiles` rows; import it from
`dataraum_context.profiling.persist`, it needs the metadata store).
"""

from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult
from dataraum_context.profiling.profiler import NULL_TOKENS, profile_table

__all__ = ["NULL_TOKENS", "ColumnProfileResult", "TableProfileResult", "profile_table"]
