"""Type candidates and decisions, by evidence measured in DuckDB.

For each column the profiling stage found patterns on a sample (and, for
`<number> <unit>` columns, a unit). Every plausible pattern's parse expression is
evaluated on the sample (one aggregate query per table): its parse success rate is
the candidate's confidence there. Decisions follow the evidence, then the decided
parse is checked once on the whole column (`verify_decisions`, one scan per table),
which settles the confidence, the quarantine count and DECIMAL sizes:

- a configured rule (column-name glob -> type) wins (`decision_source='rule'`);
- digit strings with leading zeros (postal codes, SKUs) stay text;
- day-first vs month-first dates: values only one reading allows decide; a column of
  only ambiguous values gets day-first with low confidence, i.e. a review item;
- numbers written with a fixed number of decimals (`12.50`, money) become
  `DECIMAL(p,s)`: `s` from the data, `p` the smallest DuckDB storage width (9, 18, 38)
  that holds the largest value, so the width costs nothing and leaves headroom;
- the best candidate is taken when at least 80% of the values parse; below the auto
  threshold the decision needs review, and cells that fail go to the quarantine.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

import duckdb

from dataraum_context.detectors.patterns import NULL_TOKENS, PATTERNS, PATTERNS_BY_NAME, PatternMatch
from dataraum_context.detectors.units import UnitResult, unit_parse_sql
from dataraum_context.sqlutil import quote_ident, quote_literal
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypeCandidateResult

VARCHAR = "VARCHAR"
MIN_PATTERN_RATE = 0.5  # a pattern must match this share of the sample to become a candidate
MIN_PARSE_RATE = 0.8  # below this share of parseable values a column stays text
MAX_CANDIDATES = 5
DECIMAL_WIDTHS = (9, 18, 38)
MAX_FIXED_SCALE = 6
_ORDER = {p.name: i for i, p in enumerate(PATTERNS)}
# Where the decimal digits of a value are, per pattern, for sizing DECIMAL(p,s).
_SCALE_REGEX = {
    "decimal": r"\.(\d+)",
    "currency_us": r"\.(\d+)",
    "currency_eu": r",(\d+)",
    "integer": None,
}
_MONEY = {"currency_us", "currency_eu"}


def null_test_sql(v: str, null_tokens: frozenset[str] = NULL_TOKENS) -> str:
    """SQL true when the raw value `v` is NULL or a null token (after trimming)."""
    tokens = ", ".join(quote_literal(t) for t in sorted(null_tokens))
    return f"({v} IS NULL OR trim({v}) IN ({tokens}))"


def _parse_expr(parse_sql: str, column_sql: str) -> str:
    return "(" + parse_sql.replace("{v}", f"trim({column_sql})") + ")"


def _candidate_specs(
    matches: list[PatternMatch], unit: UnitResult | None
) -> list[tuple[str, str, PatternMatch]]:
    """(pattern name, parse template, match) for each pattern that may type the column."""
    specs: list[tuple[str, str, PatternMatch]] = []
    names = {m.name for m in matches}
    for match in matches:
        if match.target_type is None or match.match_rate < MIN_PATTERN_RATE:
            continue
        if match.name == "number_with_unit":
            if unit is None or unit.unit is None:
                continue
            specs.append((match.name, unit_parse_sql("{v}", unit), match))
            continue
        if match.name == "date_ambiguous":
            # Parsed by whichever reading the evidence picks; both are evaluated.
            for reading in ("date_dmy", "date_mdy"):
                if reading not in names:
                    pattern = PATTERNS_BY_NAME[reading]
                    specs.append((reading, pattern.parse_sql or "", match))
            continue
        parse = PATTERNS_BY_NAME[match.name].parse_sql
        if parse:
            specs.append((match.name, parse, match))
    specs.sort(key=lambda s: (-s[2].match_rate, _ORDER.get(s[0], 999)))
    return specs[:MAX_CANDIDATES]


def evaluate_candidates(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    patterns: Mapping[str, list[PatternMatch]],
    units: Mapping[str, UnitResult],
) -> dict[str, list[TypeCandidateResult]]:
    """Candidates per column with their parse success rates over `table` (one scan; the sample)."""
    selects: list[str] = []
    plan: list[tuple[str, str, str, PatternMatch, int]] = []  # column, pattern, parse, match, first select index
    nonnull_index: dict[str, int] = {}
    for column, matches in patterns.items():
        col = quote_ident(column)
        nonnull_index[column] = len(selects)
        selects.append(f"count_if(NOT {null_test_sql(col)})")
        for name, parse, match in _candidate_specs(matches, units.get(column)):
            expr = _parse_expr(parse, col)
            first = len(selects)
            selects.append(f"count_if(NOT {null_test_sql(col)} AND {expr} IS NOT NULL)")
            scale_rx = _SCALE_REGEX.get(name, None)
            if name in _SCALE_REGEX:
                digits = (
                    f"length(regexp_extract(trim({col}), {quote_literal(scale_rx)}, 1))" if scale_rx else "0"
                )
                ok = f"{expr} IS NOT NULL"
                selects.append(f"min({digits}) FILTER (WHERE {ok})")
                selects.append(f"max({digits}) FILTER (WHERE {ok})")
                selects.append(
                    f"max(length(split_part(CAST(abs(TRY_CAST({expr} AS DECIMAL(38,10))) AS VARCHAR), '.', 1)))"
                    f" FILTER (WHERE {ok})"
                )
            plan.append((column, name, parse, match, first))
    if not selects:
        return {}
    row = con.execute(f"SELECT {', '.join(selects)} FROM {raw_table}").fetchall()[0]

    result: dict[str, list[TypeCandidateResult]] = {column: [] for column in patterns}
    for column, name, parse, match, first in plan:
        nonnull = int(row[nonnull_index[column]] or 0)
        parsed = int(row[first] or 0)
        rate = parsed / nonnull if nonnull else 0.0
        pattern = PATTERNS_BY_NAME.get(name)
        data_type = (pattern.target_type if pattern else None) or "DOUBLE"
        unit_result = units.get(column) if name == "number_with_unit" or name in _MONEY else None
        if unit_result is not None and unit_result.unit is None:
            unit_result = None
        if name in _SCALE_REGEX and parsed:
            min_scale, max_scale, int_digits = (int(row[first + k] or 0) for k in (1, 2, 3))
            data_type, parse = _size_numeric(name, parse, min_scale, max_scale, int_digits)
        result[column].append(
            TypeCandidateResult(
                data_type=data_type,
                confidence=round(rate, 6),
                parse_success_rate=round(rate, 6),
                failed_examples=list(match.failed_examples),
                pattern=name,
                pattern_match_rate=round(match.match_rate, 6),
                unit=unit_result.unit if unit_result else None,
                unit_confidence=unit_result.confidence if unit_result else None,
                parse_sql=parse,
            )
        )
    for candidates in result.values():
        candidates.sort(key=lambda c: (-c.confidence, _ORDER.get(c.pattern or "", 999)))
    return result


def _size_numeric(name: str, parse: str, min_scale: int, max_scale: int, int_digits: int) -> tuple[str, str]:
    """DECIMAL(p,s) for fixed-point data (money, or the same number of decimals everywhere)."""
    if name == "integer":
        return "BIGINT", parse
    fixed = name in _MONEY or (min_scale == max_scale and 0 < max_scale <= MAX_FIXED_SCALE)
    if not fixed:
        return "DOUBLE", parse
    scale = max(max_scale, 2) if name in _MONEY else max_scale
    needed = max(int_digits, 1) + scale
    width = next((w for w in DECIMAL_WIDTHS if w >= needed), None)
    if width is None:
        return "DOUBLE", parse
    return f"DECIMAL({width},{scale})", parse


def _rule_type(column: str, rules: Mapping[str, str]) -> tuple[str, str] | None:
    for glob, data_type in rules.items():
        if fnmatch.fnmatchcase(column.lower(), glob.lower()):
            return glob, data_type
    return None


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
    top_pattern = next((m for m in matches if m.match_rate >= MIN_PATTERN_RATE), None)
    sample_values = list(top_pattern.examples) if top_pattern else []
    base: dict[str, Any] = {
        "table_name": table_name,
        "column_name": column_name,
        "candidates": candidates,
        "sample_values": sample_values,
        "pattern": top_pattern.name if top_pattern else None,
    }
    rule = _rule_type(column_name, rules)
    if rule is not None:
        glob, data_type = rule
        same = next((c for c in candidates if c.data_type == data_type), None)
        parse = same.parse_sql if same else f"TRY_CAST({{v}} AS {data_type})"
        return ColumnTypeDecision(
            **base, decided_type=data_type, decision_source="rule", confidence=1.0,
            reason=f"rule {glob!r} -> {data_type}", parse_sql=None if data_type == VARCHAR else parse,
        )
    if nonnull_count == 0:
        return ColumnTypeDecision(
            **base, decided_type=VARCHAR, decision_source="auto", confidence=1.0, reason="no non-null values"
        )
    leading = next((m for m in matches if m.name == "leading_zero_code"), None)
    numeric_codes = {"leading_zero_code", "integer", "postal_code_5digit", "zip_plus4", "card_number"}
    if leading is not None and all(m.name in numeric_codes or m.match_rate < MIN_PATTERN_RATE for m in matches):
        return ColumnTypeDecision(
            **{**base, "pattern": top_pattern.name if top_pattern and top_pattern.name != "integer" else "leading_zero_code"},
            decided_type=VARCHAR, decision_source="auto", confidence=1.0,
            reason=f"{leading.matched} of {leading.total} sampled values are digit codes with leading zeros; kept as text",
        )

    ranked = list(candidates)
    confidence_factor = 1.0
    reason_extra = ""
    dates = [c for c in ranked if c.pattern in ("date_dmy", "date_mdy")]
    if len(dates) == 2 and date_evidence is not None:
        dmy, mdy = date_evidence.get("dmy_only", 0), date_evidence.get("mdy_only", 0)
        if dmy and not mdy:
            pick, reason_extra = "date_dmy", f"; {dmy} values have a day > 12 (day-first only)"
        elif mdy and not dmy:
            pick, reason_extra = "date_mdy", f"; {mdy} values have a day > 12 in second place (month-first only)"
        else:
            pick = "date_dmy" if dmy >= mdy else "date_mdy"
            confidence_factor = 0.6
            reason_extra = (
                f"; day-first/month-first undecided (dmy-only {dmy}, mdy-only {mdy}, ambiguous "
                f"{date_evidence.get('ambiguous', 0)})"
            )
        ranked = [c for c in ranked if c.pattern != ("date_mdy" if pick == "date_dmy" else "date_dmy")]
    best = ranked[0] if ranked else None
    if best is None or (best.parse_success_rate or 0.0) < MIN_PARSE_RATE:
        rate = best.parse_success_rate if best else 0.0
        return ColumnTypeDecision(
            **base, decided_type=VARCHAR, decision_source="auto", confidence=round(1.0 - (rate or 0.0), 6),
            reason="text" if best is None else f"only {rate:.0%} of values parse as {best.data_type}; kept as text",
        )
    confidence = round((best.parse_success_rate or 0.0) * confidence_factor, 6)
    return ColumnTypeDecision(
        **{**base, "pattern": best.pattern},
        evidence_factor=confidence_factor,
        parse_success_rate=best.parse_success_rate,
        decided_type=best.data_type,
        decision_source="auto",
        confidence=confidence,
        reason=f"{best.data_type} ({best.pattern}){reason_extra}",
        unit=unit.unit if unit is not None and best.pattern == "number_with_unit" else best.unit,
        parse_sql=best.parse_sql,
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
            if {"date_dmy", "date_mdy"} <= {c.pattern for c in column_candidates}:
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
        decisions.extend(verify_decisions(con, table.raw_table, table_decisions, threshold=threshold))
    return decisions


def verify_decisions(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    decisions: list[ColumnTypeDecision],
    *,
    threshold: float,
) -> list[ColumnTypeDecision]:
    """Check each decision on the whole column (one scan per table) and settle it.

    Candidates were measured on the sample; here the decided parse runs over every
    value: its success rate becomes the confidence, failures the quarantine count,
    and DECIMAL widths and scales are sized from all values, not the sample's. A
    column where fewer than MIN_PARSE_RATE of the values parse stays text.
    """
    selects: list[str] = []
    plan: list[tuple[int, int]] = []  # (decision index, first select index)
    for index, decision in enumerate(decisions):
        if decision.decided_type == VARCHAR or not decision.parse_sql:
            continue
        col = quote_ident(decision.column_name)
        expr = _parse_expr(decision.parse_sql, col)
        first = len(selects)
        selects.append(f"count_if(NOT {null_test_sql(col)})")
        selects.append(f"count_if(NOT {null_test_sql(col)} AND {expr} IS NOT NULL)")
        if decision.decided_type.startswith("DECIMAL"):
            scale_rx = _SCALE_REGEX.get(decision.pattern or "")
            digits = f"length(regexp_extract(trim({col}), {quote_literal(scale_rx)}, 1))" if scale_rx else "0"
            ok = f"{expr} IS NOT NULL"
            selects.append(f"min({digits}) FILTER (WHERE {ok})")
            selects.append(f"max({digits}) FILTER (WHERE {ok})")
            selects.append(
                f"max(length(split_part(CAST(abs(TRY_CAST({expr} AS DECIMAL(38,10))) AS VARCHAR), '.', 1)))"
                f" FILTER (WHERE {ok})"
            )
        plan.append((index, first))
    if not selects:
        return list(decisions)
    row = con.execute(f"SELECT {', '.join(selects)} FROM {raw_table}").fetchall()[0]
    settled = list(decisions)
    for index, first in plan:
        decision = decisions[index]
        nonnull, parsed = int(row[first] or 0), int(row[first + 1] or 0)
        rate = parsed / nonnull if nonnull else 0.0
        update: dict[str, Any] = {"parse_success_rate": round(rate, 6), "failed_count": nonnull - parsed}
        if decision.decision_source != "auto":  # a rule or a person decided: measure, do not second-guess
            settled[index] = decision.model_copy(update=update)
            continue
        if decision.decided_type.startswith("DECIMAL") and parsed:
            min_scale, max_scale, int_digits = (int(row[first + k] or 0) for k in (2, 3, 4))
            update["decided_type"], _ = _size_numeric(decision.pattern or "decimal", decision.parse_sql or "", min_scale, max_scale, int_digits)
        if rate < MIN_PARSE_RATE:
            update.update(
                decided_type=VARCHAR, parse_sql=None, confidence=round(1.0 - rate, 6), needs_review=False,
                failed_count=0, reason=f"only {rate:.0%} of values parse as {decision.decided_type}; kept as text",
            )
        else:
            confidence = round(rate * decision.evidence_factor, 6)
            update.update(
                confidence=confidence,
                needs_review=decision.decision_source == "auto" and confidence < threshold,
                reason=f"{rate:.2%} of non-null values parse as " + decision.reason,
            )
        settled[index] = decision.model_copy(update=update)
    return settled
