"""Quality rules contributed by other stages' nodes (ontology, LLM).

A stage that has rules to add defines a node named in `CONTRIBUTED_RULE_NODES`
returning a list of `QualityRuleSpec` (or of objects/dicts with its fields:
table_name, column_name, rule_name, rule_type, expression, parameters, severity,
source, dimension, description). The quality stage depends on those names optionally:
a node that does not exist contributes nothing. A rule without a source (or with
'default') gets the contributing node's source ('ontology', 'llm', 'custom').

Custom modules (`--module FILE`) contribute through nodes named `*_quality_rules`; the
extension gathers them into one node, `custom_quality_rules` (see
`dataraum_context.pipeline.extension`), which is listed here like the others.

The ontology's rules are dicts whose `expression` is a template over `{column}` and
whose `sql` is that template resolved for the matched column: `sql` becomes the rule's
expression; the template, `concept` and `ontology` are kept in `parameters`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from dataraum_context.errors import DataraumError
from dataraum_context.quality.models import QualityRuleSpec

CONTRIBUTED_RULE_NODES: dict[str, str] = {
    "ontology_quality_rules": "ontology",
    "llm_quality_rules": "llm",
    "custom_quality_rules": "custom",
}


def _as_spec(item: Any, source: str, node: str) -> QualityRuleSpec:
    if isinstance(item, QualityRuleSpec):
        data = item.model_dump()
    elif isinstance(item, BaseModel):
        data = item.model_dump()
    elif isinstance(item, dict):
        data = dict(item)
    else:
        data = {k: getattr(item, k) for k in QualityRuleSpec.model_fields if hasattr(item, k)}
    sql = data.pop("sql", None)
    if isinstance(sql, str) and sql.strip():
        params = dict(data.get("parameters") or {})
        params.update({k: data[k] for k in ("concept", "ontology") if data.get(k) is not None})
        if data.get("expression"):
            params["template"] = data["expression"]
        data["expression"], data["parameters"] = sql, params
    if data.get("column_name") and not (data.get("parameters") or {}).get("columns"):
        data["parameters"] = {**(data.get("parameters") or {}), "columns": [data["column_name"]]}
    if data.get("source") in (None, "", "default"):
        data["source"] = source
    try:
        return QualityRuleSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DataraumError(f"node {node} returned an invalid quality rule: {where}: {first.get('msg')}") from None


def collect(contributions: dict[str, Any], source: str | None = None) -> list[QualityRuleSpec]:
    """Validated rules from the contributing nodes' outputs (None: the node does not exist).
    `source` names the rules' source for every node (default: by `CONTRIBUTED_RULE_NODES`)."""
    rules: list[QualityRuleSpec] = []
    for node, value in contributions.items():
        if value is None:
            continue
        node_source = source or CONTRIBUTED_RULE_NODES.get(node, "default")
        rules += [_as_spec(item, node_source, node) for item in value]
    return rules
