"""The structured-output schema sent to the model, and validation of its answer.

`output_schema()` is `TableAnnotationProposal`'s JSON schema in the form strict
structured output accepts (OpenAI `strict: true`, Anthropic tool `input_schema`):
references inlined, every property required, no extra properties, no titles/defaults.

`validate_output()` checks an answer with pydantic and against the brief (every column
once, by its exact name; grain columns exist). Its `InvalidOutput` message is short and
is fed back to the model for the one retry.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import ValidationError

from dataraum_context.llm.models import TableAnnotationProposal, TableBrief

OUTPUT_NAME = "record_table_annotation"
OUTPUT_DESCRIPTION = "Record the semantic annotation of the table and every one of its columns."
_DROP_KEYS = {"title", "default"}
_MAX_ERRORS = 5


class InvalidOutput(Exception):
    """The model's answer cannot be used; the message says why (one line)."""


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            return _inline(target, defs)
        out = {k: _inline(v, defs) for k, v in node.items() if k not in _DROP_KEYS and k != "$defs"}
        if out.get("type") == "object" and "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


@cache
def _schema_text() -> str:
    raw = TableAnnotationProposal.model_json_schema()
    return json.dumps(_inline(raw, raw.get("$defs", {})), sort_keys=True)


def output_schema() -> dict[str, Any]:
    """A fresh copy of the strict JSON schema of `TableAnnotationProposal`."""
    return json.loads(_schema_text())


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:_MAX_ERRORS]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "answer"
        parts.append(f"{where}: {err.get('msg')}")
    more = exc.error_count() - _MAX_ERRORS
    if more > 0:
        parts.append(f"and {more} more errors")
    return "; ".join(parts)


def validate_output(answer: dict[str, Any] | str, brief: TableBrief) -> TableAnnotationProposal:
    """The answer as a proposal for `brief`'s table, or `InvalidOutput`.

    Columns come back in the brief's order; the table name is the brief's; an
    `ontology_term` that is not one of the brief's concepts becomes null.
    """
    try:
        if isinstance(answer, str):
            proposal = TableAnnotationProposal.model_validate_json(answer)
        else:
            proposal = TableAnnotationProposal.model_validate(answer)
    except ValidationError as exc:
        if isinstance(answer, str) and any(e.get("type") == "json_invalid" for e in exc.errors()):
            raise InvalidOutput(f"not valid JSON: {_describe(exc)}") from None
        raise InvalidOutput(f"does not match the schema: {_describe(exc)}") from None

    expected = [c.name for c in brief.columns]
    given = [c.column_name for c in proposal.columns]
    problems = []
    duplicated = sorted({n for n in given if given.count(n) > 1})
    unknown = [n for n in given if n not in expected]
    missing = [n for n in expected if n not in given]
    if duplicated:
        problems.append(f"columns annotated twice: {json.dumps(duplicated, ensure_ascii=False)}")
    if unknown:
        problems.append(f"unknown columns: {json.dumps(unknown, ensure_ascii=False)}")
    if missing:
        problems.append(f"columns not annotated: {json.dumps(missing, ensure_ascii=False)}")
    bad_grain = [n for n in proposal.grain if n not in expected]
    if bad_grain:
        problems.append(f"grain names unknown columns: {json.dumps(bad_grain, ensure_ascii=False)}")
    if problems:
        raise InvalidOutput("; ".join(problems))

    by_name = {c.column_name: c for c in proposal.columns}
    concepts = set(brief.ontology_concepts)
    columns = []
    for name in expected:
        column = by_name[name]
        if column.ontology_term is not None and column.ontology_term not in concepts:
            column = column.model_copy(update={"ontology_term": None})
        columns.append(column)
    return proposal.model_copy(update={"table_name": brief.table_name, "columns": columns})
