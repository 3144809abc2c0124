"""Quality scores (0-1) per column and per table, each from explicit evidence.

Notation for a table of N rows (typed layer) and one of its columns c:
`source_nulls(c)` = NULLs in the typed column minus its quarantined cells (values that
were missing in the source, not failed casts); `present(c)` = N - source_nulls(c);
`quarantined(c)` = cells whose cast failed (type resolution); `failing_D(c)` = rows
failing at least one valid row-level rule of dimension D that reads c (one count per
row, however many rules it fails; see `quality.execute`).

Column scores:

- completeness = present(c) / N.
- validity = 1 - (quarantined(c) + failing_validity(c)) / present(c). Evidence: the
  column was cast to a type other than VARCHAR (the cast is a validity check), or it
  has at least one validity rule (range, pattern, allowed values, custom).
- consistency = 1 - failing_consistency(c) / N. Evidence: a consistency rule reads c
  (referential, date order, table-level custom rules).
- uniqueness = mean pass rate of the uniqueness rules on c alone (a single-column key).
- timeliness (time columns with a timeliness rule) = share of present values recorded
  at a plausible time (not in the future): 1 - failing_timeliness(c) / present(c).
  (The temporal profile's completeness ratio is not mixed in: for irregular event data
  it measures how sparse the events are, not how timely the data is.)

Table scores:

- completeness = sum of present(c) / (N x columns).
- validity = 1 - sum of (quarantined + failing_validity) / sum of present, over the
  columns with validity evidence.
- consistency = 1 - rows failing at least one consistency rule / N.
- uniqueness = mean pass rate of the table's uniqueness rules (its candidate keys).
- timeliness = mean timeliness of its columns that have one (its time columns).

A dimension without evidence is None (never 1.0). overall = mean of the non-None
dimensions (None when all are None). Invalid rules are no evidence.
"""

from __future__ import annotations

from statistics import fmean

from dataraum_context.quality.models import (
    ColumnEvidence,
    QualityResultRecord,
    QualityScoreRecord,
    TableQualityExecution,
)

DIMENSION_KEYS = ("completeness", "validity", "consistency", "uniqueness", "timeliness")


def _r(value: float | None) -> float | None:
    return None if value is None else round(min(1.0, max(0.0, value)), 6)


def _overall(record: QualityScoreRecord) -> QualityScoreRecord:
    values = [getattr(record, k) for k in DIMENSION_KEYS if getattr(record, k) is not None]
    record.overall = _r(fmean(values)) if values else None
    return record


def _uniqueness(results: list[QualityResultRecord]) -> float | None:
    rates = [r.pass_rate for r in results if r.dimension == "uniqueness" and r.status == "ok" and r.pass_rate is not None]
    return fmean(rates) if rates else None


def _column_score(
    ex: TableQualityExecution, col: ColumnEvidence, results: list[QualityResultRecord]
) -> tuple[QualityScoreRecord, dict[str, int | None]]:
    n = ex.row_count
    source_nulls = max(0, col.typed_nulls - col.quarantined)
    present = n - source_nulls
    rec = QualityScoreRecord(table_name=ex.table_name, column_name=col.column_name)
    figures: dict[str, int | None] = {"present": present, "invalid": None}
    if n:
        rec.completeness = _r(present / n)
        rec.evidence["completeness"] = f"{present} of {n} values present"
    validity = col.failing.get("validity")
    has_validity = col.data_type.upper() != "VARCHAR" or (validity is not None and validity.rules > 0)
    if has_validity and present:
        invalid = min(present, col.quarantined + (validity.failed_rows if validity else 0))
        figures["invalid"] = invalid
        rec.validity = _r(1 - invalid / present)
        rec.evidence["validity"] = (
            f"{col.quarantined} failed casts + {validity.failed_rows if validity else 0} rows failing "
            f"{validity.rules if validity else 0} validity rules, of {present} present values"
        )
    consistency = col.failing.get("consistency")
    if consistency is not None and consistency.rules and n:
        rec.consistency = _r(1 - consistency.failed_rows / n)
        rec.evidence["consistency"] = f"{consistency.failed_rows} of {n} rows fail {consistency.rules} consistency rules"
    single = [r for r in results if r.column_name == col.column_name and r.dimension == "uniqueness"]
    rec.uniqueness = _r(_uniqueness(single))
    if rec.uniqueness is not None:
        rec.evidence["uniqueness"] = f"mean pass rate of {len(single)} uniqueness rules"
    timely = col.failing.get("timeliness")
    if timely is not None and timely.rules and present:
        rec.timeliness = _r(1 - timely.failed_rows / present)
        rec.evidence["timeliness"] = f"{timely.failed_rows} of {present} values fail {timely.rules} timeliness rules"
    return _overall(rec), figures


def table_scores(ex: TableQualityExecution) -> list[QualityScoreRecord]:
    """The table's score (first) and one score per column."""
    columns: list[QualityScoreRecord] = []
    present_total = invalid_total = present_valid = 0
    any_validity = False
    for col in ex.columns:
        col_results = [r for r in ex.results if r.column_name == col.column_name]
        rec, figures = _column_score(ex, col, col_results)
        columns.append(rec)
        present_total += int(figures["present"] or 0)
        if figures["invalid"] is not None:
            any_validity = True
            invalid_total += int(figures["invalid"])
            present_valid += int(figures["present"] or 0)
    n = ex.row_count
    table = QualityScoreRecord(table_name=ex.table_name)
    if n and ex.columns:
        table.completeness = _r(present_total / (n * len(ex.columns)))
        table.evidence["completeness"] = f"{present_total} of {n * len(ex.columns)} cells present"
    if any_validity and present_valid:
        table.validity = _r(1 - invalid_total / present_valid)
        table.evidence["validity"] = f"{invalid_total} invalid of {present_valid} present values"
    consistency = ex.failing.get("consistency")
    if consistency is not None and consistency.rules and n:
        table.consistency = _r(1 - consistency.failed_rows / n)
        table.evidence["consistency"] = f"{consistency.failed_rows} of {n} rows fail {consistency.rules} rules"
    table.uniqueness = _r(_uniqueness(ex.results))
    if table.uniqueness is not None:
        table.evidence["uniqueness"] = "mean pass rate of the uniqueness rules"
    timely = [c.timeliness for c in columns if c.timeliness is not None]
    if timely:
        table.timeliness = _r(fmean(timely))
        table.evidence["timeliness"] = f"mean timeliness of {len(timely)} time columns"
    return [_overall(table), *columns]
