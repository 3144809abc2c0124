"""Type candidates and decisions, by evidence measured in DuckDB.

Candidates (`candidates.table_candidates`) are value formats measured on the sample
with the lossless predicate of `formats`. Decisions follow the evidence, then the
decided format is measured once on the whole column (`verify_decisions`), which
settles the confidence, the DECIMAL size and what would be quarantined:

- a configured rule (column-name glob -> type) wins (`decision_source='rule'`);
- digit strings with leading zeros (postal codes, SKUs) stay text;
- the candidate that reads the most values wins; ties go to the narrower type
  (boolean, integer, decimal, money, percent, double, dates, ...);
- two readings that give different values (`1.718`: decimal or thousands;
  `03/07/2024`: day or month first) are never picked silently: the reading that
  changes no text (plain dot decimals) is the default and the column is a review
  item; where no reading is neutral (day/month order that no value settles) the column
  stays text and the review item offers the readings;
- at least `MIN_PARSE_RATE` (80%) of the values must be read to leave text;
- quarantine is for garbage only: a column is typed with its failures quarantined
  only when they are at most `MAX_QUARANTINE_SHARE` (2%) of its values and at most
  `MAX_QUARANTINE_DISTINCT` (10) distinct texts. More, or more varied, failures are
  meaningful text (`D10`, `796A`, `80503-9130`, `Unknown`, `5 months`): the column stays
  text and becomes a review item that offers the type.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Set
from typing import Any

import duckdb

from dataraum_context.detectors.patterns import NULL_TOKENS, PatternMatch
from dataraum_context.detectors.units import UnitResult
from dataraum_context.sqlutil import DISTINCT_PER_QUERY, aggregate_in_slices, quote_ident, quote_literal, token_test_sql, trim_sql
from dataraum_context.type_resolution import candidates as cands
from dataraum_context.type_resolution.formats import (
    NUMBER_KINDS,
    ValueFormat,
    default_format,
    format_for_type,
    install_macros,
    parse_sql,
)
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypeCandidateResult

VARCHAR = "VARCHAR"
MIN_PARSE_RATE = 0.8
MAX_QUARANTINE_SHARE = 0.02
MAX_QUARANTINE_DISTINCT = 10
AMBIGUOUS_FACTOR = 0.6  # confidence discount of a default reading when another reading is as good
_KIND_ORDER = {
    k: i
    for i, k in enumerate(
        ("boolean", "integer", "decimal", "money", "percent", "double", "date", "timestamp", "time",
         "timestamptz", "uuid", "json", "unit")
    )
}


def null_test_sql(v: str, null_tokens: frozenset[str] = NULL_TOKENS) -> str:
    """SQL true when the raw value `v` is NULL or a null token (after trimming)."""
    if not null_tokens:
        return f"({v} IS NULL)"
    tokens = ", ".join(quote_literal(t) for t in sorted(null_tokens))
    return f"({v} IS NULL OR {token_test_sql(v, tokens, set(null_tokens))})"


def _rank(c: TypeCandidateResult) -> tuple:
    kind = c.value_format.kind if c.value_format else "unit"
    return (-c.confidence, _KIND_ORDER.get(kind, 99))


def evaluate_candidates(
    con: duckdb.DuckDBPyConnection,
    sample_table: str,
    patterns: Mapping[str, list[PatternMatch]],
    units: Mapping[str, UnitResult],
) -> dict[str, list[TypeCandidateResult]]:
    """Candidates per column with their parse success rates over `sample_table`."""
    found = cands.table_candidates(con, sample_table, list(patterns), patterns, units)
    result: dict[str, list[TypeCandidateResult]] = {}
    for column, column_cands in found.items():
        matches = {m.name: m for m in patterns.get(column, [])}
        unit = units.get(column)
        out = []
        for c in column_cands:
            if c.data_type == VARCHAR or c.parsed == 0:
                continue
            match = matches.get(c.label)
            with_unit = unit is not None and unit.unit is not None and c.fmt.kind in ("unit", "money")
            out.append(
                TypeCandidateResult(
                    data_type=c.data_type,
                    confidence=round(c.rate, 6),
                    parse_success_rate=round(c.rate, 6),
                    failed_examples=list(match.failed_examples) if match else [],
                    pattern=c.label,
                    pattern_match_rate=round(match.match_rate, 6) if match else None,
                    unit=unit.unit if with_unit else None,
                    unit_confidence=unit.confidence if with_unit else None,
                    value_format=c.fmt,
                )
            )
        out.sort(key=_rank)
        result[column] = out
    return result


def _rule_type(column: str, rules: Mapping[str, str]) -> tuple[str, str] | None:
    for glob, data_type in rules.items():
        if fnmatch.fnmatchcase(column.lower(), glob.lower()):
            return glob, data_type
    return None


def _conflicting(a: ValueFormat | None, b: ValueFormat | None) -> bool:
    """Two number readings that give different values for the same text (`1.718`)."""
    if a is None or b is None or a.kind not in NUMBER_KINDS or b.kind not in NUMBER_KINDS:
        return False
    return (a.grouping is not None and a.grouping == (b.decimal_mark if b.kind != "integer" else None)) or (
        b.grouping is not None and b.grouping == (a.decimal_mark if a.kind != "integer" else None)
    )


def decide_column(
    table_name: str,
    column_name: str,
    candidates: list[TypeCandidateResult],
    matches: list[PatternMatch],
    *,
    nonnull_count: int,
    rules: Mapping[str, str],
    threshold: float,
    date_evidence: Mapping[str, int] | None = None,
    unit: UnitResult | None = None,
) -> ColumnTypeDecision:
    """The decision for one column, from its candidates and the evidence."""
    top_pattern = next((m for m in matches if m.match_rate >= cands.MIN_PATTERN_RATE), None)
    sample_values = list(top_pattern.examples) if top_pattern else []
    base: dict[str, Any] = {
        "table_name": table_name,
        "column_name": column_name,
        "candidates": candidates,
        "sample_values": sample_values,
        "pattern": top_pattern.name if top_pattern else None,
    }
    ranked = sorted(candidates, key=_rank)
    rule = _rule_type(column_name, rules)
    if rule is not None:
        glob, data_type = rule
        same = next((c for c in ranked if c.data_type == data_type), None)
        fmt = same.value_format if same else format_for_type(ranked[0].value_format if ranked else None, data_type)
        return ColumnTypeDecision(
            **base, decided_type=data_type, decision_source="rule", confidence=1.0,
            reason=f"rule {glob!r} -> {data_type}", value_format=None if data_type == VARCHAR else fmt,
        )
    if nonnull_count == 0:
        return ColumnTypeDecision(
            **base, decided_type=VARCHAR, decision_source="auto", confidence=1.0, reason="no non-null values"
        )
    leading = next((m for m in matches if m.name == "leading_zero_code"), None)
    numeric_codes = {"leading_zero_code", "integer", "postal_code_5digit", "zip_plus4", "card_number"}
    if leading is not None and all(m.name in numeric_codes or m.match_rate < cands.MIN_PATTERN_RATE for m in matches):
        return ColumnTypeDecision(
            **{**base, "pattern": top_pattern.name if top_pattern and top_pattern.name != "integer" else "leading_zero_code"},
            decided_type=VARCHAR, decision_source="auto", confidence=1.0,
            reason=f"{leading.matched} of {leading.total} sampled values are digit codes with leading zeros; kept as text",
        )

    factor, extra, keep_text = 1.0, "", None
    dated = [c for c in ranked if c.pattern and (c.pattern.endswith("_dmy") or c.pattern.endswith("_mdy"))]
    orders = {c.pattern.rsplit("_", 1)[1] for c in dated}
    if orders == {"dmy", "mdy"} and ranked and ranked[0] in dated:
        evidence = date_evidence or {}
        dmy, mdy = evidence.get("dmy_only", 0), evidence.get("mdy_only", 0)
        if dmy and not mdy:
            drop, extra = "mdy", f"; {dmy} values have a day > 12 first (day-first only)"
        elif mdy and not dmy:
            drop, extra = "dmy", f"; {mdy} values have a day > 12 second (month-first only)"
        else:
            drop = None
            keep_text = (
                f"day-first or month-first undecided (dmy-only {dmy}, mdy-only {mdy}, ambiguous "
                f"{evidence.get('ambiguous', 0)}); kept as text: answer with --set date_order=dmy|mdy"
            )
        if drop:
            ranked = [c for c in ranked if not (c in dated and c.pattern.endswith("_" + drop))]
    best = ranked[0] if ranked else None
    if best is not None and keep_text is None:
        rival = next(
            (c for c in ranked[1:] if abs(c.confidence - best.confidence) < 1e-9 and _conflicting(best.value_format, c.value_format)),
            None,
        )
        if rival is not None:
            neutral = next((c for c in (best, rival) if c.value_format and c.value_format.identity), None)
            other = rival if neutral is best else best
            if neutral is not None:
                best, factor = neutral, AMBIGUOUS_FACTOR
                extra = (
                    f"; also readable as {other.value_format.describe() if other.value_format else other.pattern} "
                    "(a different value): the reading that changes no digits is the default"
                )
            else:
                keep_text = (
                    f"readable as {best.value_format.describe() if best.value_format else best.pattern} or as "
                    f"{rival.value_format.describe() if rival.value_format else rival.pattern}, which give different "
                    "values; kept as text"
                )
    if keep_text is not None:
        return ColumnTypeDecision(
            **base, decided_type=VARCHAR, decision_source="auto", confidence=AMBIGUOUS_FACTOR, reason=keep_text,
            needs_review=True, proposed_type=best.data_type if best else None,
        )
    if best is None or (best.parse_success_rate or 0.0) < MIN_PARSE_RATE:
        rate = best.parse_success_rate if best else 0.0
        return ColumnTypeDecision(
            **base, decided_type=VARCHAR, decision_source="auto", confidence=round(1.0 - (rate or 0.0), 6),
            reason="text" if best is None else f"only {rate:.0%} of values parse as {best.data_type}; kept as text",
        )
    confidence = round((best.parse_success_rate or 0.0) * factor, 6)
    described = best.value_format.describe() if best.value_format else best.pattern
    return ColumnTypeDecision(
        **{**base, "pattern": best.pattern},
        evidence_factor=factor,
        parse_success_rate=best.parse_success_rate,
        decided_type=best.data_type,
        decision_source="auto",
        confidence=confidence,
        reason=f"{best.data_type} ({described}){extra}",
        unit=unit.unit if unit is not None and best.pattern == "number_with_unit" else best.unit,
        value_format=best.value_format,
        needs_review=confidence < threshold,
    )


def decide_tables(
    con: duckdb.DuckDBPyConnection,
    staged_tables: list[Any],
    table_profiles: list[Any],
    candidates: Mapping[str, Mapping[str, list[TypeCandidateResult]]],
    patterns: Mapping[str, Mapping[str, list[PatternMatch]]],
    units: Mapping[str, Mapping[str, UnitResult]],
    *,
    rules: Mapping[str, str],
    threshold: float,
) -> list[ColumnTypeDecision]:
    """Decisions for every column of every table, in table and column order."""
    from dataraum_context.detectors.patterns import date_order_evidence

    profiles = {p.table_name: {c.column_name: c for c in p.columns} for p in table_profiles}
    decisions: list[ColumnTypeDecision] = []
    for table in staged_tables:
        table_decisions: list[ColumnTypeDecision] = []
        for column in table.columns:
            name = column.name
            column_candidates = list(candidates.get(table.table_name, {}).get(name, []))
            profile = profiles.get(table.table_name, {}).get(name)
            nonnull = (profile.total_count - profile.null_count) if profile else 1
            evidence = None
            orders = {c.pattern.rsplit("_", 1)[-1] for c in column_candidates if c.pattern}
            if {"dmy", "mdy"} <= orders:
                evidence = date_order_evidence(con, table.raw_table, name)  # whole column: rare values decide
            table_decisions.append(
                decide_column(
                    table.table_name,
                    name,
                    column_candidates,
                    list(patterns.get(table.table_name, {}).get(name, [])),
                    nonnull_count=nonnull,
                    rules=rules,
                    threshold=threshold,
                    date_evidence=evidence,
                    unit=units.get(table.table_name, {}).get(name),
                )
            )
        distinct = {name: c.distinct_count for name, c in profiles.get(table.table_name, {}).items()}
        decisions.extend(verify_decisions(con, table.raw_table, table_decisions, threshold=threshold, distinct=distinct))
    return decisions


def _failures(
    con: duckdb.DuckDBPyConnection, raw_table: str, decisions: list[ColumnTypeDecision], grouped: Set[str] = frozenset(),
    rows: int | None = None,
) -> list[tuple[int, int, int]]:
    """(non-null, read, distinct failing texts) per decision under its exact parse (one scan).

    A column in `grouped` (`cands.grouped_columns`) is counted over its distinct values with their
    counts, one query of its own: the parse runs once per value. `rows`: the table's row count,
    when the caller has it."""
    if rows is None:
        rows = int(con.execute(f"SELECT count(*) FROM {raw_table}").fetchone()[0])

    def selects(d: ColumnTypeDecision, weight: str = "") -> list[str]:
        col = quote_ident(d.column_name)
        present = f"NOT {null_test_sql(col)}"
        parsed = parse_sql(d.value_format, d.decided_type, trim_sql(col, rows))
        return [
            cands.count_rows(present, weight),
            cands.count_rows(f"{present} AND ({parsed}) IS NOT NULL", weight),
            f"count(DISTINCT {trim_sql(col, rows)}) FILTER (WHERE {present} AND ({parsed}) IS NULL)",
        ]

    found: dict[int, tuple[int, int, int]] = {}
    plain = [i for i, d in enumerate(decisions) if d.column_name not in grouped]
    row = aggregate_in_slices(con, raw_table, [e for i in plain for e in selects(decisions[i])], 3 * DISTINCT_PER_QUERY)
    for k, i in enumerate(plain):
        found[i] = tuple(int(x or 0) for x in row[3 * k : 3 * k + 3])  # type: ignore[assignment]
    for i, d in enumerate(decisions):
        if i not in found:
            source, weight = cands.grouped_source(raw_table, d.column_name)
            found[i] = tuple(int(x or 0) for x in con.execute(f"SELECT {', '.join(selects(d, weight))} FROM {source}").fetchone())  # type: ignore[assignment]
    return [found[i] for i in range(len(decisions))]


def verify_decisions(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    decisions: list[ColumnTypeDecision],
    *,
    threshold: float,
    distinct: Mapping[str, int] | None = None,
) -> list[ColumnTypeDecision]:
    """Check each decision on the whole column and settle it.

    The decided format is measured over every value (numbers re-sized from all their
    digits), then counted once more with the exact parse of the final type: its success
    rate is the confidence, its failures the quarantine count. See the module docstring
    for when failures keep a column as text.
    """
    settled = list(decisions)
    typed = [i for i, d in enumerate(decisions) if d.decided_type != VARCHAR and d.value_format is not None]
    if not typed:
        return settled
    install_macros(con)
    # one scan measures every typed column (numbers re-sized from all their digits) ...
    measured = [
        cands.Candidate(decisions[i].column_name, decisions[i].pattern or "", decisions[i].value_format,  # type: ignore[arg-type]
                        data_type=decisions[i].decided_type)
        for i in typed
    ]
    # columns with few values (by `distinct`) are measured and counted per value, here and below
    rows = int(con.execute(f"SELECT count(*) FROM {raw_table}").fetchone()[0])
    grouped = cands.grouped_columns(con, raw_table, [decisions[i].column_name for i in typed], distinct, rows)
    cands.measure(con, raw_table, measured, grouped, rows)
    counts: dict[int, tuple[int, int, int]] = {}
    for i, m in zip(typed, measured):
        if decisions[i].decision_source == "auto" and m.data_type != VARCHAR:
            settled[i] = settled[i].model_copy(update={"decided_type": m.data_type})
        counts[i] = (m.nonnull, m.parsed, 0)
    # ... and only columns with failures are counted again, with the exact parse of the final type
    failing = [i for i in typed if counts[i][1] < counts[i][0] or decisions[i].decision_source != "auto"]
    if failing:
        for i, exact in zip(failing, _failures(con, raw_table, [settled[i] for i in failing], grouped, rows)):
            counts[i] = exact
    counts_list = [counts[i] for i in typed]
    for i, (nonnull, parsed, failed_distinct) in zip(typed, counts_list):
        decision = settled[i]
        rate = parsed / nonnull if nonnull else 0.0
        failed = nonnull - parsed
        update: dict[str, Any] = {
            "parse_success_rate": round(rate, 6), "failed_count": failed, "failed_distinct": failed_distinct,
        }
        if decision.decision_source != "auto":  # a rule or a person decided: measure, do not second-guess
            settled[i] = decision.model_copy(update=update)
            continue
        if rate < MIN_PARSE_RATE:
            update.update(
                decided_type=VARCHAR, value_format=None, confidence=round(1.0 - rate, 6), needs_review=False,
                failed_count=0, failed_distinct=0,
                reason=f"only {rate:.0%} of values parse as {decision.decided_type}; kept as text",
            )
        elif failed > MAX_QUARANTINE_SHARE * nonnull or failed_distinct > MAX_QUARANTINE_DISTINCT:
            update.update(
                decided_type=VARCHAR, value_format=decision.value_format, confidence=round(rate * decision.evidence_factor, 6),
                needs_review=True, proposed_type=decision.decided_type, failed_count=0,
                reason=(
                    f"{rate:.2%} of values parse as {decision.decided_type}, but {failed} values in "
                    f"{failed_distinct} distinct forms do not: too many or too varied to quarantine; kept as text"
                ),
            )
        else:
            confidence = round(rate * decision.evidence_factor, 6)
            update.update(
                confidence=confidence,
                needs_review=confidence < threshold,
                reason=f"{rate:.2%} of non-null values parse as " + decision.reason,
            )
        settled[i] = decision.model_copy(update=update)
    return settled


def format_for_decision(decision: ColumnTypeDecision, new_type: str, date_order: str | None = None) -> ValueFormat | None:
    """How to read the column as `new_type` (a person's choice): the candidate of that type
    (of that day/month order), else the column's own normalisation when it fits, else the default."""
    if new_type == VARCHAR:
        return None
    pool = [c for c in sorted(decision.candidates, key=_rank) if c.value_format is not None]
    if date_order is not None:
        pool = [c for c in pool if c.pattern and c.pattern.endswith("_" + date_order)] or pool
    same = next((c for c in pool if c.data_type == new_type), None)
    if same is not None:
        return same.value_format
    current = decision.value_format or (pool[0].value_format if pool else None)
    return format_for_type(current, new_type) or default_format(new_type)
