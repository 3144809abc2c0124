"""Running quality rules on the typed layer in as few scans per table as possible.

Per table:

1. Each row-level rule's expression is checked without running it: it must be
   one SQL expression (`extract_statements` sees a single SELECT) of type BOOLEAN
   (`DESCRIBE SELECT (expr) FROM typed.t`; one DESCRIBE for all rules when they all
   pass, each alone otherwise). A rule failing the check is `invalid` with the error;
   the others go on.
2. ONE aggregate scan computes, for every valid row-level rule, `count_if(NOT (expr))`
   (false fails; true and NULL pass), plus the evidence the scores need:
   non-null counts per column and, per column and per table, the rows failing at
   least one rule of each dimension. If that scan fails at run time, each rule runs
   alone (errors mark that rule invalid) and the scan is repeated with the survivors.
   The first failing `_row_id`s of the rules that failed come from a second scan, the
   failure flags unnested to (rule, `_row_id`) and grouped by rule (`min(_row_id, n)`).
3. Each `unique` rule runs as its own GROUP BY on the key (NULL keys skipped): rows in
   groups of more than one fail.
4. One query fetches the sampled failing rows (`_row_id` and the rules' columns as text).
"""

from __future__ import annotations

import duckdb

from dataraum_context.quality.models import (
    DIMENSIONS,
    ColumnEvidence,
    DimensionCounts,
    QualityResultRecord,
    QualityRuleSpec,
    TableQualityExecution,
)
from dataraum_context.sqlutil import quote_ident

SAMPLES_PER_RULE = 5
NON_NULL_COLUMNS = 512
MAX_SAMPLE_COLUMNS = 12


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:500] or type(exc).__name__


def check_expression(con: duckdb.DuckDBPyConnection, typed_table: str, expression: str | None) -> str | None:
    """None when `expression` is one boolean SQL expression over the table, else the reason it is not."""
    if expression is None or not expression.strip():
        return "the rule has no expression"
    sql = f"SELECT ({expression}) AS r FROM {typed_table}"
    try:
        statements = con.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            return "the expression must be a single SQL expression"
        described = con.execute(f"DESCRIBE {sql}").fetchall()
    except duckdb.Error as exc:
        return _one_line(exc)
    if len(described) != 1:
        return "the expression must be a single SQL expression"
    if str(described[0][1]).upper() != "BOOLEAN":
        return f"the expression is {described[0][1]}, not BOOLEAN"
    return None


def check_expressions(
    con: duckdb.DuckDBPyConnection, typed_table: str, expressions: list[str | None]
) -> list[str | None]:
    """`check_expression` of each, with one DESCRIBE for all of them when every one parses
    as a single boolean expression (each alone otherwise, for its own error)."""
    if not expressions:
        return []
    try:
        singles = all(
            e is not None and e.strip()
            and len(st := con.extract_statements(f"SELECT ({e}) AS r FROM {typed_table}")) == 1
            and st[0].type == duckdb.StatementType.SELECT
            for e in expressions
        )
        if singles:
            select = ", ".join(f"({e}) AS r{k}" for k, e in enumerate(expressions))
            described = con.execute(f"DESCRIBE SELECT {select} FROM {typed_table}").fetchall()
            if len(described) == len(expressions) and all(str(d[1]).upper() == "BOOLEAN" for d in described):
                return [None] * len(expressions)
    except duckdb.Error:
        pass
    return [check_expression(con, typed_table, e) for e in expressions]


def _fails(expression: str) -> str:
    return f"coalesce(NOT ({expression}), false)"


def _invalid(rule: QualityRuleSpec, error: str) -> QualityResultRecord:
    return QualityResultRecord(
        table_name=rule.table_name, column_name=rule.column_name, rule_name=rule.rule_name,
        rule_type=rule.rule_type, source=rule.source, dimension=rule.effective_dimension,
        status="invalid", error=error,
    )


def _ok(rule: QualityRuleSpec, total: int, failed: int, **details: object) -> QualityResultRecord:
    return QualityResultRecord(
        table_name=rule.table_name, column_name=rule.column_name, rule_name=rule.rule_name,
        rule_type=rule.rule_type, source=rule.source, dimension=rule.effective_dimension,
        total_records=total, passed_records=total - failed, failed_records=failed,
        pass_rate=(total - failed) / total if total else None, details=dict(details),
    )


class _Scan:
    """The one aggregate query of a table over its valid row-level rules.

    Each rule's failure flag is computed once per row in a subquery (`f0, f1, ...`); the
    counts, the first failing `_row_id`s and the per-dimension ORs read the flags, so a
    rule's expression runs once per row however many groups it belongs to."""

    def __init__(self, typed_table: str, columns: list[str], rules: list[QualityRuleSpec]) -> None:
        self.typed_table, self.columns, self.rules = typed_table, columns, rules
        self.groups: list[tuple[str | None, str]] = []  # (column or None for the table, dimension)
        self.members: dict[tuple[str | None, str], list[int]] = {}
        rule_columns = [set(r.columns()) for r in rules]
        for dimension in DIMENSIONS:
            in_dim = [k for k, r in enumerate(rules) if r.effective_dimension == dimension]
            if in_dim:
                self.groups.append((None, dimension))
                self.members[(None, dimension)] = in_dim
            by_column: dict[str, list[int]] = {}
            for k in in_dim:
                for column in rule_columns[k]:
                    by_column.setdefault(column, []).append(k)
            for column in columns:
                if column in by_column:
                    self.groups.append((column, dimension))
                    self.members[(column, dimension)] = by_column[column]

    def sql(self) -> str:
        parts = ["count(*)"]
        flags = ["_row_id"]
        for k, rule in enumerate(self.rules):
            flags.append(f"{_fails(rule.expression or '')} AS f{k}")
            parts.append(f"count_if(f{k})")
        for group in self.groups:
            parts.append("count_if(" + " OR ".join(f"f{k}" for k in self.members[group]) + ")")
        return f"SELECT {', '.join(parts)} FROM (SELECT {', '.join(flags)} FROM {self.typed_table})"

    def samples_sql(self, failed: list[int]) -> str:
        """The first failing `_row_id`s of the rules `failed` (which have failures): the flags in
        long form, grouped by rule (a `min(_row_id, n) FILTER` per rule in the scan cost about
        2 MB and 18 ms per rule on 10,000 rows)."""
        flags = ["_row_id"] + [f"{_fails(self.rules[k].expression or '')} AS f{k}" for k in failed]
        ks = ", ".join(str(k) for k in failed)
        fs = ", ".join(f"f{k}" for k in failed)
        return (
            f"SELECT k, min(_row_id, {SAMPLES_PER_RULE}) FROM (SELECT _row_id, unnest([{ks}]) AS k, "
            f"unnest([{fs}]) AS f FROM (SELECT {', '.join(flags)} FROM {self.typed_table})) WHERE f GROUP BY k"
        )

    def non_null(self, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """Non-null values per column, `NON_NULL_COLUMNS` columns per query, apart from the rules'
        scan (thousands of columns and flags projected together ran superlinearly slower)."""
        counts: dict[str, int] = {}
        for k in range(0, len(self.columns), NON_NULL_COLUMNS):
            chunk = self.columns[k:k + NON_NULL_COLUMNS]
            select = ", ".join(f"count({quote_ident(c)})" for c in chunk)
            row = con.execute(f"SELECT {select} FROM {self.typed_table}").fetchall()[0]
            counts.update({c: int(v) for c, v in zip(chunk, row, strict=True)})
        return counts

    def run(self, con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int], list[tuple[int, list[int]]], dict]:
        row = con.execute(self.sql()).fetchall()[0]
        rows = int(row[0])
        counts = [int(row[1 + k] or 0) for k in range(len(self.rules))]
        at = 1 + len(self.rules)
        failing: dict[tuple[str | None, str], int] = {}
        for group in self.groups:
            failing[group] = int(row[at] or 0)
            at += 1
        ids: dict[int, list[int]] = {}
        failed = [k for k, n in enumerate(counts) if n]
        if failed:
            ids = {
                int(k): [int(x) for x in (first or [])]
                for k, first in con.execute(self.samples_sql(failed)).fetchall()
            }
        per_rule = [(n, ids.get(k, [])) for k, n in enumerate(counts)]
        return rows, self.non_null(con), per_rule, failing


def _run_alone(con: duckdb.DuckDBPyConnection, typed_table: str, rule: QualityRuleSpec) -> str | None:
    try:
        con.execute(
            f"SELECT count_if(NOT ({rule.expression})), min(_row_id, 1) FILTER (WHERE NOT ({rule.expression})) "
            f"FROM {typed_table}"
        ).fetchall()
    except duckdb.Error as exc:
        return _one_line(exc)
    return None


def _unique(
    con: duckdb.DuckDBPyConnection, typed_table: str, rule: QualityRuleSpec, columns: set[str], rows: int
) -> tuple[QualityResultRecord, list[int]]:
    key = rule.columns()
    missing = [c for c in key if c not in columns]
    if not key or missing:
        return _invalid(rule, f"unknown key column {missing[0]!r}" if missing else "a unique rule needs columns"), []
    cols = ", ".join(quote_ident(c) for c in key)
    not_null = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in key)
    # Counts first, with plain aggregates DuckDB can spill (a list of row ids per key ran out of a
    # 600 MB memory limit on TPC-H's lineitem); the sample rows only when there are duplicates:
    # the rows of the first duplicated keys (by their first row), in row order.
    count_sql = (
        f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {typed_table} "
        f"WHERE {not_null} GROUP BY {cols} HAVING count(*) > 1)"
    )
    keys = ", ".join(f"k{i}" for i in range(len(key)))
    named = ", ".join(f"{quote_ident(c)} AS k{i}" for i, c in enumerate(key))
    matched = " AND ".join(f"t.{quote_ident(c)} = g.k{i}" for i, c in enumerate(key))
    sample_sql = (
        f"SELECT t._row_id FROM {typed_table} AS t JOIN (SELECT {keys}, min(_row_id) AS first FROM "
        f"(SELECT {named}, _row_id FROM {typed_table} WHERE {not_null}) GROUP BY {keys} HAVING count(*) > 1 "
        f"ORDER BY first LIMIT {SAMPLES_PER_RULE}) AS g ON {matched} ORDER BY g.first, t._row_id LIMIT {SAMPLES_PER_RULE}"
    )
    try:
        groups, failed = con.execute(count_sql).fetchall()[0]
        sample = [int(r[0]) for r in con.execute(sample_sql).fetchall()] if failed else []
    except duckdb.Error as exc:
        return _invalid(rule, _one_line(exc)), []
    return _ok(rule, rows, int(failed), duplicate_values=int(groups)), sample


def _samples(
    con: duckdb.DuckDBPyConnection, typed_table: str, all_columns: list[str], row_ids: set[int]
) -> dict[int, dict[str, str | None]]:
    if not row_ids:
        return {}
    select = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR)" for c in all_columns)
    ids = ", ".join(str(int(i)) for i in sorted(row_ids))
    rows = con.execute(
        f"SELECT _row_id{', ' + select if select else ''} FROM {typed_table} WHERE _row_id IN ({ids}) ORDER BY _row_id"
    ).fetchall()
    return {int(r[0]): dict(zip(all_columns, r[1:], strict=True)) for r in rows}


def execute_table(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    typed_table: str,
    column_types: dict[str, str],
    rules: list[QualityRuleSpec],
    quarantined: dict[str, int] | None = None,
) -> TableQualityExecution:
    """Run every rule of one table; invalid rules are reported, the others run."""
    columns = list(column_types)
    results: dict[int, QualityResultRecord] = {}
    samples: dict[int, list[int]] = {}
    row_level: list[tuple[int, QualityRuleSpec]] = []
    unique: list[tuple[int, QualityRuleSpec]] = []
    to_check: list[tuple[int, QualityRuleSpec]] = []
    for position, rule in enumerate(rules):
        if rule.column_name is not None and rule.column_name not in column_types:
            results[position] = _invalid(rule, f"table {table_name!r} has no column {rule.column_name!r}")
            continue
        if rule.rule_type == "unique":
            unique.append((position, rule))
            continue
        to_check.append((position, rule))
    errors = check_expressions(con, typed_table, [rule.expression for _, rule in to_check])
    for (position, rule), error in zip(to_check, errors, strict=True):
        if error is not None:
            results[position] = _invalid(rule, error)
        else:
            row_level.append((position, rule))

    scan = _Scan(typed_table, columns, [r for _, r in row_level])
    try:
        rows, non_null, per_rule, failing = scan.run(con)
    except duckdb.Error:
        survivors = []
        for position, rule in row_level:
            error = _run_alone(con, typed_table, rule)
            if error is None:
                survivors.append((position, rule))
            else:
                results[position] = _invalid(rule, error)
        row_level = survivors
        scan = _Scan(typed_table, columns, [r for _, r in row_level])
        rows, non_null, per_rule, failing = scan.run(con)

    for (position, rule), (failed, ids) in zip(row_level, per_rule, strict=True):
        results[position] = _ok(rule, rows, failed)
        samples[position] = ids
    for position, rule in unique:
        results[position], samples[position] = _unique(con, typed_table, rule, set(columns), rows)

    wanted = {i for ids in samples.values() for i in ids}
    fetched = _samples(con, typed_table, columns, wanted)
    for position, ids in samples.items():
        rule = rules[position]
        if results[position].status == "invalid":
            continue
        shown = [c for c in rule.columns() if c in column_types] or columns[:MAX_SAMPLE_COLUMNS]
        results[position].failure_samples = [
            {"_row_id": i, **{c: fetched.get(i, {}).get(c) for c in shown}} for i in ids
        ]

    quarantined = quarantined or {}
    rules_in: dict[tuple[str | None, str], int] = {}
    for _, r in row_level:
        dim = r.effective_dimension
        rules_in[(None, dim)] = rules_in.get((None, dim), 0) + 1
        for c in set(r.columns()):
            rules_in[(c, dim)] = rules_in.get((c, dim), 0) + 1
    failing_by_column: dict[str, dict[str, DimensionCounts]] = {}
    for (col, dim), n in failing.items():
        if col is not None:
            failing_by_column.setdefault(col, {})[dim] = DimensionCounts(rules=rules_in.get((col, dim), 0), failed_rows=n)
    evidence = [
        ColumnEvidence(
            column_name=c, data_type=column_types[c], typed_nulls=rows - non_null[c],
            quarantined=int(quarantined.get(c, 0)),
            failing=failing_by_column.get(c, {}),
        )
        for c in columns
    ]
    table_failing = {
        dim: DimensionCounts(rules=rules_in.get((None, dim), 0), failed_rows=n)
        for (col, dim), n in failing.items() if col is None
    }
    return TableQualityExecution(
        table_name=table_name, row_count=rows, results=[results[i] for i in range(len(rules))],
        columns=evidence, failing=table_failing,
    )


def unknown_table(table_name: str, rules: list[QualityRuleSpec]) -> TableQualityExecution:
    """Rules naming a table the typed layer does not have: all invalid, nothing runs."""
    return TableQualityExecution(
        table_name=table_name, row_count=0,
        results=[_invalid(rule, f"no table {table_name!r} in the typed layer") for rule in rules],
    )
