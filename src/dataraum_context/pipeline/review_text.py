"""`dataraum review show`: one review item as text a person can decide from.

`describe(item)` takes the dict of `review.item_dict` and returns plain lines: what the
item is about, the proposal and why, the evidence (sample values, failing values, parse
rates per candidate, orphans, ...), and what approve, reject and modify will each do.
Lines hold data verbatim; the caller prints them without markup.
"""

from __future__ import annotations

import json
from typing import Any

_KIND = {
    "type_review": "type of column",
    "quarantine_review": "quarantine of column",
    "semantic_review": "meaning of column",
    "relationship_review": "relationship",
}
# Context keys rendered by the sections below; anything else is listed under "more".
_SHOWN = {
    "decided_type", "confidence", "parse_success_rate", "reason", "pattern", "unit", "sample_values",
    "candidates", "quarantined_count", "failed_examples", "source", "annotated_by", "evidence",
    "description", "references", "roles", "relationship_type", "cardinality", "coverage",
    "orphan_count", "orphan_samples", "detection_method", "optional", "reasons",
}
_MAX_VALUES = 10


def _values(values: list[Any] | None, limit: int = _MAX_VALUES) -> str:
    shown = [json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v) for v in (values or [])[:limit]]
    more = len(values or []) - limit
    return ", ".join(shown) + (f", ... ({more} more)" if more > 0 else "")


def _pct(rate: Any) -> str:
    return f"{float(rate) * 100:.1f}%" if isinstance(rate, (int, float)) else "?"


def _short(value: Any, width: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def _proposal(item: dict[str, Any]) -> str:
    action = dict(item.get("suggested_action") or {})
    kind = item["review_type"]
    if kind == "type_review":
        return f"type the column as {action.get('type')}"
    if kind == "quarantine_review":
        return f"type the column as {action.get('type')} and move {action.get('cells', '?')} cell(s) that do not parse to quarantine"
    if kind == "semantic_review":
        parts = [f"{k} {action[k]}" for k in ("role", "entity_type", "business_name", "ontology_term") if action.get(k)]
        return "annotate the column: " + (", ".join(parts) or "(nothing)")
    if kind == "relationship_review":
        return f"keep the relationship as {action.get('relationship_type')}"
    return _short(action)


def _evidence(item: dict[str, Any]) -> list[str]:
    ctx = dict(item.get("context") or {})
    lines: list[str] = []
    if ctx.get("sample_values"):
        lines.append(f"  sample values: {_values(ctx['sample_values'])}")
    if ctx.get("failed_examples"):
        count = ctx.get("quarantined_count")
        lines.append(
            f"  failing values{f' ({count} cell(s))' if count is not None else ''}: {_values(ctx['failed_examples'])}"
        )
    for candidate in ctx.get("candidates") or []:
        label = candidate.get("type")
        if candidate.get("pattern"):
            label += f" as {candidate['pattern']}"
        if candidate.get("unit"):
            label += f" in {candidate['unit']}"
        text = f"  candidate {label}: {_pct(candidate.get('parse_success_rate'))} parse"
        if candidate.get("confidence") is not None:
            text += f", confidence {candidate['confidence']:.2f}"
        if candidate.get("failed_examples"):
            text += f"; failing: {_values(candidate['failed_examples'], 5)}"
        lines.append(text)
    if item["review_type"] == "semantic_review":
        for key in ("decided_type", "pattern", "unit", "source", "annotated_by", "description"):
            if ctx.get(key):
                lines.append(f"  {key.replace('_', ' ')}: {_short(ctx[key])}")
        if ctx.get("evidence"):
            lines.append(f"  evidence: {_short(ctx['evidence'])}")
        if ctx.get("references"):
            lines.append(f"  references: {_short(ctx['references'])}")
    if item["review_type"] == "relationship_review":
        for key in ("relationship_type", "cardinality", "detection_method"):
            if ctx.get(key):
                text = f"  {key.replace('_', ' ')}: {ctx[key]}"
                if key == "cardinality" and ctx.get("optional") is not None:
                    text += " (optional: some child rows have no parent)" if ctx["optional"] else " (every child row has a parent)"
                lines.append(text)
        for reason in ctx.get("reasons") or []:
            lines.append(f"  reason: {_short(reason)}")
        if ctx.get("coverage") is not None:
            lines.append(f"  coverage: {_pct(ctx['coverage'])} of the values are found in the target")
        if ctx.get("orphan_count"):
            lines.append(f"  orphans: {ctx['orphan_count']}; e.g. {_values(ctx.get('orphan_samples'), 5)}")
        if ctx.get("evidence"):
            lines.append(f"  evidence: {_short(ctx['evidence'])}")
    for key in sorted(set(ctx) - _SHOWN):
        if ctx[key] not in (None, [], {}, ""):
            lines.append(f"  {key.replace('_', ' ')}: {_short(ctx[key])}")
    return lines


def _effects(item: dict[str, Any]) -> list[str]:
    action = dict(item.get("suggested_action") or {})
    kind, ident = item["review_type"], item["id"]
    table = str(item.get("target") or "").split(".", 1)[0]
    if kind == "type_review":
        approve = f"the column is typed {action.get('type')}"
        reject = "the column stays text (VARCHAR); no value is changed"
        setting, modify = "type=T", "the column is typed T instead; values that do not parse as T go to quarantine"
    elif kind == "quarantine_review":
        approve = (
            f"the column is typed {action.get('type')}; its {action.get('cells', '?')} failing cell(s) "
            f"are kept in quarantine.{table}"
        )
        reject = "the column stays text (VARCHAR); nothing is quarantined"
        setting, modify = "type=T", "the column is typed T instead; values that do not parse as T go to quarantine"
    elif kind == "semantic_review":
        approve = "the annotation above is kept"
        reject = "the annotation falls back to the rules' answer"
        setting = "role=R"
        modify = "the given values (role, entity_type, business_name, description, ontology_term) replace the proposal"
    elif kind == "relationship_review":
        approve = "the relationship is kept (joins and the context use it)"
        reject = "the relationship is dropped, and stays dropped in later runs on the same evidence"
        setting, modify = "cardinality=C", "kept with the given relationship_type or cardinality"
    else:
        approve, reject, setting, modify = "the suggestion is accepted", "the suggestion is refused", "KEY=VALUE", "-"
    return [
        "what each decision does (it takes effect on `dataraum resume`):",
        f"  dataraum review approve {ident}",
        f"      {approve}",
        f"  dataraum review reject {ident} --reason TEXT",
        f"      {reject}",
        f"  dataraum review modify {ident} --set {setting}",
        f"      {modify}",
    ]


def wrap(line: str, width: int) -> list[str]:
    """`line` wrapped at `width` without breaking words (ids stay whole); continuation lines
    are indented four more spaces than the line."""
    import textwrap

    indent = " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.wrap(
        line, width=max(width, 40), initial_indent="", subsequent_indent=indent + "    ",
        break_long_words=False, break_on_hyphens=False, drop_whitespace=True,
    ) or [""]


def describe(item: dict[str, Any]) -> list[str]:
    """The item as lines of text (see the module docstring)."""
    ctx = dict(item.get("context") or {})
    kind = item["review_type"]
    lines = [f"review item {item['id']}: {item['status']}", f"  {_KIND.get(kind, kind)} {item.get('target') or ''}"]
    where = [f"stage {item['stage']}"] if item.get("stage") else []
    where += [f"run {item['run_id']}"] if item.get("run_id") else []
    if where:
        lines.append("  " + ", ".join(where))
    proposal = f"proposal: {_proposal(item)}"
    confidence = ctx.get("confidence")
    if isinstance(confidence, (int, float)):
        proposal += f" (confidence {confidence:.2f})"
    lines.append(proposal)
    if ctx.get("reason"):
        lines.append(f"why: {ctx['reason']}")
    evidence = _evidence(item)
    if evidence:
        lines += ["evidence:", *evidence]
    if item["status"] == "pending":
        lines += _effects(item)
    else:
        decided = f"decided: {item['status']}"
        if item.get("reviewed_by"):
            decided += f" by {item['reviewed_by']}"
        if item.get("reviewed_at"):
            decided += f" at {item['reviewed_at'][:19].replace('T', ' ')} UTC"
        lines.append(decided)
        if item.get("decision"):
            lines.append("  values: " + ", ".join(f"{k}={v}" for k, v in item["decision"].items()))
        if item.get("notes"):
            lines.append(f"  reason: {item['notes']}")
    return lines
