"""Rendering the context document as Markdown: a catalog for people, a prompt for agents.

Sections, in order: overview (run, stages, ontology, tables), one section per table
(entity, fact or dimension, grain, time coverage, candidate keys, quality scores,
columns, failing quality rules), relationships and join paths, ontology metrics with
their SQL, quality summary, open review items, and (under a token budget) what was
left out.

Rendering rules:
- a value not known is `—`, never a made-up value;
- names (tables, columns, rules' targets) are code spans, so an agent sees the exact
  identifier; control characters in them are shown escaped (`\\n`, `\\t`, `\\x1b`);
- free text (descriptions, reasons) has its whitespace collapsed to single spaces;
- every table cell escapes `|` (with an odd number of backslashes before it), so a
  hostile name never splits or joins rows. GFM has no way to show a backslash right
  before a pipe in a cell exactly: such a name shows one extra backslash.

`Detail` says how much to render; `context.budget` lowers it to fit a token budget.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

NULL = "—"
SCORE_KEYS = ("completeness", "validity", "consistency", "uniqueness", "timeliness", "overall")
WORST_RULES = 10
SUMMARY_COLUMNS = 20


@dataclass(frozen=True)
class Detail:
    """How much of the document to render (everything by default)."""

    descriptions: bool = True  # column, entity and metric descriptions
    column_quality: bool = True  # failing rules per table
    summarized: frozenset[str] = frozenset()  # tables shown as a one-line summary
    join_paths: bool = True
    metric_sql: bool = True
    review_items: bool = True  # the list of open items (the count always stays)
    worst_rules: bool = True  # the quality summary's list of worst rules
    table_sections: bool = True  # False: tables only in the overview
    relationships: bool = True
    metrics: bool = True  # False: not even the metric names
    quality_summary: bool = True  # False: no quality summary (overall scores stay in the overview)
    left_out: tuple[str, ...] = field(default=())  # what a budget removed, said at the end
    budget: int | None = None


# --- text helpers -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PIPE = re.compile(r"(\\*)\|")


def code(name: Any) -> str:
    """A name as an inline code span that shows it exactly (control characters escaped)."""
    if name is None:
        return NULL
    text = _CONTROL.sub(lambda m: _CONTROL_NAMES.get(m.group(), f"\\x{ord(m.group()):02x}"), str(name))
    if text == "":
        return "(empty name)"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    return f"{fence}{text}{fence}"


def prose(value: Any) -> str:
    """Free text on one line; `—` when not known."""
    if value is None:
        return NULL
    text = " ".join(str(value).split())
    if not text:
        return NULL
    return text.replace("`", "\\`").replace("<", "\\<")


def ref(table: Any, columns: list[Any] | None) -> str:
    """`table.column` or `table.(a, b)` as one code span."""
    cols = [str(c) for c in columns or []]
    inner = cols[0] if len(cols) == 1 else f"({', '.join(cols)})"
    return code(f"{table}.{inner}")


def number(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def score(value: Any) -> str:
    """A 0..1 score with 3 decimals; never rounds a partial score to 1.000 or 0.000."""
    if value is None:
        return NULL
    ratio = float(value)
    for digits in (3, 4, 5, 6):
        shown = round(ratio, digits)
        if not ((shown >= 1 and ratio < 1) or (shown <= 0 < ratio)):
            break
    return f"{shown:.{digits}f}"


def percent(value: Any) -> str:
    """A ratio as a percentage; never rounds a partial value to 0% or 100%."""
    if value is None:
        return NULL
    ratio = float(value)
    for digits in (1, 2, 3, 4):
        shown = round(ratio * 100, digits)
        if not ((shown >= 100 and ratio < 1) or (shown <= 0 < ratio)):
            break
    return f"{shown:.{digits}f}%"


def _cell(text: str) -> str:
    """Escape `|` so it does not end the cell: the backslashes before it must be odd in number."""
    return _PIPE.sub(lambda m: m.group(1) + ("\\" if len(m.group(1)) % 2 == 0 else "\\\\") + "|", text)


def row(*cells: str) -> str:
    """One table row; pipes inside cells are escaped."""
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def header(*names: str, right: tuple[int, ...] = ()) -> list[str]:
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(names))) + "|"
    return [row(*names), rule]


def _timestamp(value: Any) -> str:
    """An ISO timestamp in UTC to the second; a date alone when it is midnight."""
    if value is None:
        return NULL
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return prose(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo is not None else "")


def _fence(sql: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", sql)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}sql\n{sql.rstrip()}\n{fence}"


def _kind(entity: dict[str, Any] | None) -> str:
    if (entity or {}).get("kind"):
        return prose(entity["kind"])  # type: ignore[index]
    is_fact = (entity or {}).get("is_fact")
    return NULL if is_fact is None else ("fact" if is_fact else "dimension")


CARDINALITY_NOTE = (
    "Cardinality is written from the referencing side (from -> to): `many-to-one` means many `from` rows "
    "share one `to` row (the usual foreign key), `one-to-one` that each `to` row has at most one `from` row, "
    "`many-to-many` that the `to` side is not unique. `optional` means some `from` rows have no `to` row "
    "(a null or an orphan value)."
)


def _cardinality(rel: dict[str, Any]) -> str:
    text = prose(rel.get("cardinality"))
    if rel.get("cardinality") and rel.get("optional"):
        text += ", optional"
    return text


def _names(values: list[Any] | None) -> str:
    if values is None:
        return NULL
    return ", ".join(code(v) for v in values) if values else NULL


# --- sections -----------------------------------------------------------------------


def _overview(doc: dict[str, Any]) -> list[str]:
    lines = ["# Data context", "", "## Overview", ""]
    run = doc.get("run")
    if run:
        finished = f", finished {_timestamp(run.get('finished_at'))}" if run.get("finished_at") else ""
        lines.append(
            f"- Run: {code(run.get('id'))} **{prose(run.get('status'))}**, "
            f"started {_timestamp(run.get('started_at'))}{finished}"
        )
        if run.get("error"):
            lines.append(f"- Error: {prose(run['error'])}")
    else:
        lines.append("- Run: — (no run yet)")
    stages = doc.get("stages")
    lines.append(f"- Stages run: {', '.join(prose(s) for s in stages) if stages else NULL}")
    ontology = doc.get("ontology")
    if ontology:
        selection = ontology.get("selection") or {}
        chosen = f"; chosen {prose(selection.get('mode'))}: {prose(selection.get('reason'))}" if selection else ""
        concepts = ontology.get("matched_concepts")
        matched = f"; {len(concepts)} concepts matched" if concepts is not None else ""
        lines.append(
            f"- Ontology: {code(ontology.get('name'))}, {prose(ontology.get('description'))}{chosen}{matched}"
        )
    else:
        lines.append(f"- Ontology: {NULL}")
    tables = doc.get("tables") or []
    relationships = doc.get("relationships")
    review = doc.get("review") or {}
    lines.append(
        f"- {len(tables)} tables, {sum(len(t.get('columns') or []) for t in tables)} columns, "
        f"{NULL if relationships is None else len(relationships)} relationships, "
        f"{number(review.get('pending'))} open review items"
    )
    selection = doc.get("selection")
    if selection:
        lines.append(
            f"- Selected with --tables: {len(selection['tables'])} of {selection['total_tables']} tables "
            "(relationships, paths, metrics and review items among them)"
        )
    lines += ["", *header("table", "entity", "kind", "rows", "rejected rows", "columns", "quality", right=(3, 4, 5, 6))]
    for table in tables:
        entity = table.get("entity") or {}
        scores = (table.get("quality") or {}).get("scores") or {}
        lines.append(
            row(
                code(table.get("name")), prose(entity.get("type")), _kind(table.get("entity")),
                number(table.get("row_count")), number(table.get("rejected_rows")),
                str(len(table.get("columns") or [])), score(scores.get("overall")),
            )
        )
    return lines


def _time_coverage(table: dict[str, Any]) -> list[str]:
    lines = []
    for column in table.get("columns") or []:
        temporal = column.get("temporal")
        if not temporal:
            continue
        granularity = temporal.get("granularity")
        step = temporal.get("granularity_step")
        by = prose(granularity) if step in (None, 1) else f"{step} × {prose(granularity)}"
        parts = [
            f"{_timestamp(temporal.get('min_timestamp'))} to {_timestamp(temporal.get('max_timestamp'))}",
            f"granularity {by}",
            f"{percent(temporal.get('completeness_ratio'))} of periods present",
            f"{number(temporal.get('gap_count'))} gaps",
        ]
        if temporal.get("trend_direction"):
            parts.append(f"trend {prose(temporal['trend_direction'])}")
        if temporal.get("has_seasonality"):
            parts.append(f"seasonality {prose(temporal.get('seasonality_period'))}")
        lines.append(f"  - {code(column.get('name'))}: {', '.join(parts)}")
    return lines


def _column_name(column: dict[str, Any]) -> str:
    name = code(column.get("name"))
    original = column.get("original_name")
    if original is not None and original != column.get("name"):
        name += f" (from {code(original)})"
    return name


def _failing_rules(table: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(column or '', rule) for every rule that failed records or could not run."""
    found = [("", rule) for rule in (table.get("quality") or {}).get("rules") or []]
    for column in table.get("columns") or []:
        found += [(column.get("name"), rule) for rule in (column.get("quality") or {}).get("rules") or []]
    return [
        (col, rule) for col, rule in found
        if (rule.get("failed_records") or 0) > 0 or rule.get("status") not in (None, "ok")
    ]


def _rule_cells(rule: dict[str, Any]) -> tuple[str, ...]:
    failed = number(rule.get("failed_records"))
    if rule.get("status") not in (None, "ok"):
        failed = f"{prose(rule.get('status'))}: {prose(rule.get('error'))}"
    return (prose(rule.get("name")), prose(rule.get("dimension")), prose(rule.get("severity")), failed,
            percent(rule.get("pass_rate")))


def _quality_lines(table: dict[str, Any]) -> list[str]:
    has_rules = (table.get("quality") or {}).get("rules") is not None or any(
        c.get("quality") for c in table.get("columns") or []
    )
    if not has_rules:
        return ["", f"Quality rules: {NULL}"]
    failing = _failing_rules(table)
    lines = ["", "Quality rules failing:" if failing else "Quality rules failing: none."]
    if failing:
        lines += ["", *header("column", "rule", "dimension", "severity", "failed records", "pass rate", right=(4, 5))]
        for column, rule in sorted(failing, key=lambda cr: -(cr[1].get("failed_records") or 0)):
            lines.append(row(code(column) if column else "(table)", *_rule_cells(rule)))
    quarantined = [c for c in table.get("columns") or [] if (c.get("quarantined_count") or 0) > 0]
    if quarantined:
        lines += ["", "Quarantined values (failed the type cast; NULL in the typed table): "
                  + ", ".join(f"{code(c.get('name'))} {c['quarantined_count']}" for c in quarantined)]
    return lines


def _scores(scores: dict[str, Any] | None) -> str:
    scores = scores or {}
    return ", ".join(f"{key} {score(scores.get(key))}" for key in SCORE_KEYS)


def _table_summary(table: dict[str, Any]) -> list[str]:
    columns = [c.get("name") for c in table.get("columns") or []]
    shown = ", ".join(code(c) for c in columns[:SUMMARY_COLUMNS])
    more = f" and {len(columns) - SUMMARY_COLUMNS} more" if len(columns) > SUMMARY_COLUMNS else ""
    entity = table.get("entity") or {}
    overall = ((table.get("quality") or {}).get("scores") or {}).get("overall")
    return [
        "", f"## Table {code(table.get('name'))}", "",
        f"{prose(entity.get('type'))} ({_kind(table.get('entity'))}), {number(table.get('row_count'))} rows, "
        f"quality {score(overall)}; columns: {shown or NULL}{more} (details left out).",
    ]


def _own_grain_measures(entity: dict[str, Any] | None) -> list[str]:
    """A referenced table's measures: per row of this table, repeated by a join to its referencing tables."""
    measures = (entity or {}).get("measures_at_own_grain") or []
    if not measures:
        return []
    heads = (entity or {}).get("header_of")
    head = f"header of {', '.join(code(t) for t in heads)}; " if heads else ""
    lines = [f"- Measures at this table's own grain ({head}do not sum them after a join):"]
    lines += [f"  - {code(m.get('column'))}: {prose(m.get('note'))}" for m in measures]
    return lines


def _table_section(table: dict[str, Any], detail: Detail) -> list[str]:
    if table.get("name") in detail.summarized:
        return _table_summary(table)
    entity = table.get("entity")
    lines = ["", f"## Table {code(table.get('name'))}", ""]
    if detail.descriptions and entity and entity.get("description"):
        lines += [prose(entity["description"]), ""]
    if entity:
        kind = f"{_kind(entity)} table" if _kind(entity) != NULL else f"kind {NULL}"
        lines.append(
            f"- Entity: {prose(entity.get('type'))}, {kind}; grain {_names(entity.get('grain'))} "
            f"(by {prose(entity.get('source'))}, confidence {number(entity.get('confidence'))})"
        )
    else:
        lines.append(f"- Entity: {NULL}")
    lines += _own_grain_measures(entity)
    rejected = table.get("rejected_rows")
    rejected_text = f" ({rejected} rejected while loading)" if rejected else ""
    lines.append(
        f"- Rows: {number(table.get('row_count'))}{rejected_text}; source {code(table.get('source'))} "
        f"({prose(table.get('source_type'))})"
    )
    keys = table.get("candidate_keys")
    keys_text = NULL if keys is None else ("none found" if not keys else "; ".join(
        code(k[0]) if len(k) == 1 else f"({', '.join(code(c) for c in k)})" for k in keys
    ))
    lines.append(f"- Candidate keys: {keys_text}")
    coverage = _time_coverage(table)
    lines.append(f"- Time coverage:{'' if coverage else ' ' + NULL}")
    lines += coverage
    lines.append(f"- Quality scores: {_scores((table.get('quality') or {}).get('scores'))}")
    names = ["column", "type", "unit", "role", "business name", "nulls", "distinct"]
    if detail.descriptions:
        names.append("description")
    lines += ["", *header(*names, right=(5, 6))]
    for column in table.get("columns") or []:
        semantic = column.get("semantic") or {}
        cells = [
            _column_name(column), prose(column.get("resolved_type")), prose(column.get("unit")),
            prose(semantic.get("role")), prose(semantic.get("business_name")),
            number(column.get("null_count")), number(column.get("distinct_count")),
        ]
        if detail.descriptions:
            cells.append(prose(semantic.get("description")))
        lines.append(row(*cells))
    lines += _column_decisions(table)
    if detail.column_quality:
        lines += _quality_lines(table)
    return lines


def _who(decision: dict[str, Any]) -> str:
    """`manual by ann, 2026-11-30 05:30:19 UTC: reason` (the parts that are known)."""
    text = prose(decision.get("status") or decision.get("source"))
    if decision.get("status") and decision.get("source"):
        text += f" ({prose(decision['source'])})"
    if decision.get("by"):
        text += f" by {prose(decision['by'])}"
    if decision.get("at"):
        text += f", {_timestamp(decision['at'])}"
    if decision.get("reason"):
        text += f": {prose(decision['reason'])}"
    return text


def _column_decisions(table: dict[str, Any]) -> list[str]:
    """Decisions a person, a rule, a policy or decision memory made about the columns
    (plain automatic typing is in the JSON only). Plain approvals by the same hand share
    one line; a change, a rejection or a reason gets its own."""
    lines: list[str] = []
    plain: dict[str, list[str]] = {}
    for column in table.get("columns") or []:
        typed = column.get("type_decision") or {}
        if typed and (typed.get("source") != "auto" or typed.get("reviews")):
            was = f" (was {prose(typed['previous_type'])})" if typed.get("previous_type") else ""
            lines.append(f"- {code(column.get('name'))}: type {prose(typed.get('type'))}{was}, {_who(typed)}")
        meaning = (column.get("semantic") or {}).get("decision") or {}
        if not meaning.get("review_id"):
            continue
        values = meaning.get("values") or {}
        if meaning.get("status") == "approved" and not values and not meaning.get("reason"):
            plain.setdefault(_who({**meaning, "at": None}), []).append(code(column.get("name")))
            continue
        changed = f" ({prose(', '.join(f'{k}={v}' for k, v in values.items()))})" if values else ""
        lines.append(f"- {code(column.get('name'))}: meaning{changed} {_who(meaning)}")
    for who, names in plain.items():
        lines.append(f"- meaning of {', '.join(names)}: {who}")
    return ["", "Decisions:", "", *lines] if lines else []


def _path_text(path: dict[str, Any]) -> str:
    text = ""
    last = None
    for step in path.get("steps") or []:
        start = f"{step.get('from_table')}.{_plain_cols(step.get('from_columns'))}"
        end = f"{step.get('to_table')}.{_plain_cols(step.get('to_columns'))}"
        text += start if last is None else ("" if start == last else f", {start}")
        text += f" -> {end}"
        last = end
    return code(text) if text else NULL


def _plain_cols(columns: list[Any] | None) -> str:
    cols = [str(c) for c in columns or []]
    return cols[0] if len(cols) == 1 else f"({', '.join(cols)})"


def _reversed_steps(path: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s.get("to_table"), tuple(s.get("to_columns") or []), s.get("from_table"), tuple(s.get("from_columns") or []))
        for s in reversed(path.get("steps") or [])
    ]


def _steps(path: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s.get("from_table"), tuple(s.get("from_columns") or []), s.get("to_table"), tuple(s.get("to_columns") or []))
        for s in path.get("steps") or []
    ]


def _relationships(doc: dict[str, Any], detail: Detail) -> list[str]:
    lines = ["", "## Relationships", ""]
    relationships = doc.get("relationships")
    if relationships is None:
        lines.append(f"{NULL} (relationships not detected yet)")
    elif not relationships:
        lines.append("No relationships found.")
    else:
        lines += [CARDINALITY_NOTE, ""]
        lines += header("from", "to", "type", "cardinality", "coverage", "orphans", "confidence", "status",
                        right=(4, 5, 6))
        for rel in relationships:
            lines.append(row(
                ref(rel.get("from_table"), rel.get("from_columns")), ref(rel.get("to_table"), rel.get("to_columns")),
                prose(rel.get("relationship_type")), _cardinality(rel), percent(rel.get("coverage")),
                number(rel.get("orphan_count")), number(rel.get("confidence")), prose(rel.get("status")),
            ))
        decided = [rel for rel in relationships if (rel.get("decision") or {}).get("review_id")
                   or (rel.get("decision") or {}).get("reason")]
        if decided:
            lines += ["", "Decisions:", ""]
            for rel in decided:
                decision = rel["decision"]
                values = decision.get("values") or {}
                changed = f" ({prose(', '.join(f'{k}={v}' for k, v in values.items()))})" if values else ""
                lines.append(
                    f"- {ref(rel.get('from_table'), rel.get('from_columns'))} -> "
                    f"{ref(rel.get('to_table'), rel.get('to_columns'))}{changed}: {_who(decision)}"
                )
    if not detail.join_paths:
        return lines
    lines += ["", "### Join paths", ""]
    paths = doc.get("join_paths")
    if paths is None:
        return [*lines, NULL]
    if not paths:
        return [*lines, "No join paths."]
    lines += ["Each pair of tables once (read a path backwards for the other direction):", ""]
    shown: list[list[tuple[Any, ...]]] = []
    for path in paths:
        if _reversed_steps(path) in shown:
            continue
        shown.append(_steps(path))
        lines.append(
            f"- {code(path.get('from_table'))} to {code(path.get('to_table'))} "
            f"({_steps_count(path.get('length'))}): {_path_text(path)}"
        )
    return lines


def _steps_count(length: Any) -> str:
    return f"{number(length)} step{'' if length == 1 else 's'}"


def _metrics(doc: dict[str, Any], detail: Detail) -> list[str]:
    ontology = doc.get("ontology")
    lines = ["", "## Metrics", ""]
    if not ontology:
        return [*lines, f"{NULL} (no ontology selected)"]
    metrics = ontology.get("metrics")
    if metrics is None:
        return [*lines, NULL]
    if not metrics:
        return [*lines, f"No metric of ontology {code(ontology.get('name'))} applies to these tables."]
    lines.append(f"Metrics of ontology {code(ontology.get('name'))} that apply here, as DuckDB SQL on the typed layer:")
    for metric in metrics:
        about = f": {prose(metric.get('description'))}" if detail.descriptions and metric.get("description") else ""
        lines += ["", f"- {code(metric.get('name'))} on {code(metric.get('table'))}{about}"]
        if detail.metric_sql and metric.get("sql"):
            lines += ["", _fence(str(metric["sql"]))]
    return lines


def _quality_summary(doc: dict[str, Any], detail: Detail) -> list[str]:
    tables = doc.get("tables") or []
    lines = ["", "## Quality summary", "", *header("table", *SCORE_KEYS, right=tuple(range(1, 7)))]
    for table in tables:
        scores = (table.get("quality") or {}).get("scores") or {}
        lines.append(row(code(table.get("name")), *(score(scores.get(k)) for k in SCORE_KEYS)))
    if not detail.worst_rules:
        return lines
    failing = [(t.get("name"), col, rule) for t in tables for col, rule in _failing_rules(t)]
    failing.sort(key=lambda item: -(item[2].get("failed_records") or 0))
    if not failing:
        checked = any(c.get("quality") for t in tables for c in t.get("columns") or [])
        return [*lines, "", "No quality rule failed." if checked else f"Quality rules: {NULL}"]
    lines += ["", f"Worst rules by failed records (top {min(WORST_RULES, len(failing))} of {len(failing)}):", ""]
    lines += header("table", "column", "rule", "dimension", "severity", "failed records", "pass rate", right=(5, 6))
    for table_name, column, rule in failing[:WORST_RULES]:
        lines.append(row(code(table_name), code(column) if column else "(table)", *_rule_cells(rule)))
    return lines


def _action(action: Any) -> str:
    if not isinstance(action, dict):
        return prose(action)
    return prose(", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in action.items()) or None)


def _review(doc: dict[str, Any], detail: Detail) -> list[str]:
    review = doc.get("review") or {}
    items = review.get("items")
    pending = review.get("pending")
    lines = ["", "## Open review items", ""]
    if not pending and not items:
        return [*lines, "None." if pending == 0 else NULL]
    count = len(items) if items is not None else pending
    lines.append(f"{count} item(s) wait for a decision: `dataraum review show|approve|reject|modify ID`.")
    if items and detail.review_items:
        lines += ["", *header("id", "type", "target", "suggested action")]
        for item in items:
            lines.append(row(code(item.get("id")), prose(item.get("review_type")), code(item.get("target")),
                             _action(item.get("suggested_action"))))
    return lines


def _failed_sources(doc: dict[str, Any]) -> list[str]:
    """Files of a folder that could not be staged (absent from every table above)."""
    failed = doc.get("failed_sources") or []
    if not failed:
        return []
    lines = ["", "## Sources not staged", "", *header("source", "reason")]
    for item in failed:
        lines.append(row(code(item.get("location")), prose(item.get("error"))))
    return lines


def _left_out(detail: Detail) -> list[str]:
    if not detail.left_out:
        return []
    return [
        "", "## Left out", "",
        f"To stay within {detail.budget} tokens (estimated as characters / 4), this document leaves out: "
        + "; ".join(detail.left_out) + ". Use `--tables` to see them for fewer tables.",
    ]


def render_markdown(doc: dict[str, Any], detail: Detail | None = None) -> str:
    """The context document as Markdown (everything unless `detail` says otherwise)."""
    detail = detail or Detail()
    lines = _overview(doc) + _failed_sources(doc)
    if detail.table_sections:
        for table in doc.get("tables") or []:
            lines += _table_section(table, detail)
    if detail.relationships:
        lines += _relationships(doc, detail)
    if detail.metrics:
        lines += _metrics(doc, detail)
    if detail.quality_summary:
        lines += _quality_summary(doc, detail)
    lines += _review(doc, detail)
    lines += _left_out(detail)
    return "\n".join(lines) + "\n"
