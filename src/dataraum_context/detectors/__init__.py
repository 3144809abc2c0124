"""Value-level detectors: what the values of a column look like (patterns) and measure (units).

Everything runs in DuckDB; Python sees counts, distinct tokens and a few examples.
Table names passed in are *already-quoted* identifiers (e.g. `qualified('raw', 't')`);
column names are raw names and are quoted here with `sqlutil.quote_ident`.

Patterns (`detectors.patterns`)
-------------------------------
`Pattern(name, regex, target_type, parse_sql, pii=False, description="", check_sql=None)`
    `regex` is RE2 (DuckDB `regexp_full_match`), full-matched against the TRIMMED value.
    `target_type` is the DuckDB type the pattern implies ('BIGINT', 'DOUBLE', 'DECIMAL',
    'DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIME', 'BOOLEAN', 'UUID', 'JSON') or
    None (stays VARCHAR). `parse_sql` is a SQL template with `{v}` (the trimmed VARCHAR
    value) returning the typed value or NULL; `pattern.parse(v_sql)` fills it in.
    `check_sql` (extension) is an extra boolean filter on regex matches (Luhn, IBAN
    mod-97, json_valid, ...); `match_sql(pattern, v_sql)` gives regex AND check.
`PATTERNS` (most specific first), `PATTERNS_BY_NAME`, `NULL_TOKENS`.
`sample_table_sql(source_table, sample_table, size, seed) -> str`
    CREATE TEMP TABLE ... USING SAMPLE reservoir(size ROWS) REPEATABLE (seed).
    Defaults to use: `DEFAULT_SAMPLE_SIZE` = 10,000 rows, `DEFAULT_SEED` = 42.
`detect_patterns(con, sample_table, columns, null_tokens=NULL_TOKENS) -> {column: [PatternMatch]}`
    One aggregate query for all columns x patterns, plus one small query for examples.
    Per column: patterns with match_rate > 0, by match_rate desc then PATTERNS order.
`PatternMatch(name, match_rate, matched, total, target_type, pii, examples, failed_examples)`
    `total` counts non-null, non-null-token values; examples <= 5 matching values, most
    frequent first; failed_examples <= 5 distinct non-matching values, most frequent first.
`date_order_evidence(con, sample_or_table, column) -> {'dmy_only', 'mdy_only', 'ambiguous'}`
    Values with first part > 12 (only day-first valid), second part > 12 (only
    month-first valid), both <= 12.

Decisions encoded in the patterns:
    `percentage` parses to the fraction ('15%' -> 0.15, DOUBLE); money patterns
    (`currency_us` '$1,234.50', `currency_eu` '1.234,50 €') parse to DECIMAL(38,10);
    `date_ambiguous` and `number_with_unit` have parse_sql None (decide the date order
    with `date_order_evidence`; convert units with `units.unit_parse_sql`); `integer`
    never matches a leading zero, `leading_zero_code` ('000123') has target None;
    `card_number`, `iban`, `email`, `phone_*`, `ipv4`, `ipv6` are pii=True.

Semantic values (`detectors.semantic_values`)
---------------------------------------------
`sample_values(con, sample_table, columns) -> {column: [[value, count], ...]}` (the most frequent
distinct values of the row sample, one query); `text_value_type`, `numeric_value_type` (types the
values alone decide: gender, flags, months, weekdays, countries, US states, personal and company
names, row labels) and `fits(kind, stats, values, families)` (are the values compatible with a
type the column name proposes). Used by `semantic.annotator.meaning`.

Units (`detectors.units`, Pint)
-------------------------------
`unit_token_counts(con, table, column, null_tokens=NULL_TOKENS) -> {token: rows}`
    Number/token split in SQL over the whole column; `NO_UNIT` ('') for plain numbers,
    `NOT_NUMERIC` ('<not numeric>') for values without a number.
`detect_unit(token_counts, *, min_share=0.8, column_name='') -> UnitResult`
`UnitResult(unit, dimension, confidence, token_counts, conversions, rejected_tokens)`
    unit None when no dimension covers >= min_share of the values.
`unit_parse_sql(v_sql, result) -> str`
    SQL converting a value to `result.unit` (CASE over tokens; NULL for other tokens).
    DOUBLE, or DECIMAL(38,10) when the dimension is '[currency]'.
`unit_registry()` is the lazily created module-wide Pint registry (with '[currency]').
"""

from dataraum_context.detectors.patterns import (
    DEFAULT_SAMPLE_SIZE,
    DEFAULT_SEED,
    NULL_TOKENS,
    PATTERNS,
    PATTERNS_BY_NAME,
    Pattern,
    PatternMatch,
    date_order_evidence,
    detect_patterns,
    match_sql,
    sample_table_sql,
)
from dataraum_context.detectors.units import (
    NO_UNIT,
    NOT_NUMERIC,
    UnitResult,
    detect_unit,
    unit_parse_sql,
    unit_registry,
    unit_token_counts,
)

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_SEED",
    "NOT_NUMERIC",
    "NO_UNIT",
    "NULL_TOKENS",
    "PATTERNS",
    "PATTERNS_BY_NAME",
    "Pattern",
    "PatternMatch",
    "UnitResult",
    "date_order_evidence",
    "detect_patterns",
    "detect_unit",
    "match_sql",
    "sample_table_sql",
    "unit_parse_sql",
    "unit_registry",
    "unit_token_counts",
]
