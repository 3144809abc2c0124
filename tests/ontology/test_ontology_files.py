"""Ontology files: the shipped ones validate; broken ones fail with file, YAML path and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataraum_context.errors import UserError
from dataraum_context.ontology.loader import OntologyError, builtin_names, load_builtin, load_file, resolve

VALID_CONCEPT = """
  - name: price
    description: a price
    indicators:
      name_patterns: ["*price*"]
"""


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_ontologies_validate() -> None:
    names = builtin_names()
    assert {"finance", "retail", "logistics", "generic"} <= set(names)
    for name in names:
        loaded = load_builtin(name)
        d = loaded.definition
        assert loaded.is_builtin and loaded.source == f"ontologies/{name}.yaml"
        assert len(d.own_concepts) >= 10, name
        assert d.metrics and d.quality_rules and d.semantic_hints, name
        concepts = {c.name for c in d.concepts}
        for metric in d.metrics:
            assert set(metric.required_concepts) <= concepts
        if name != "generic":
            assert d.extends == "generic" and "email_address" in concepts  # inherited
        for concept in d.concepts:
            assert concept.indicators.name_patterns


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("name: x\nconcepts:\n" + VALID_CONCEPT * 0 + "  - name: a\n    description: d\n    indicators: {}\n",
         "bad.yaml: concepts[0].indicators.name_patterns: field required"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + "  - name: b\n    description: d\n"
         "    indicators: {name_patterns: ['*b*'], value_patterns: [no_such_pattern]}\n",
         "bad.yaml: concepts[1].indicators.value_patterns: unknown value pattern 'no_such_pattern'"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + "    typical_role: boss\n",
         "bad.yaml: concepts[0].typical_role: input should be"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + "    colour: red\n",
         "bad.yaml: concepts[0].colour: unknown field"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + "metrics:\n  - name: m\n    formula: SUM({cost})\n"
         "    required_concepts: [price]\n",
         "bad.yaml: metrics[0]: formula uses 'cost', which is not in required_concepts"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + "metrics:\n  - name: m\n    formula: SUM({cost})\n"
         "    required_concepts: [cost]\n",
         "bad.yaml: metrics[0].required_concepts[0]: unknown concept 'cost'"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + "quality_rules:\n  - concept: price\n    rule_type: range\n"
         "    expression: 'price > 0'\n",
         "bad.yaml: quality_rules[0].expression: expression must refer to the column as {column}"),
        ("name: x\nconcepts:\n" + VALID_CONCEPT + VALID_CONCEPT,
         "bad.yaml: concepts[1].name: duplicate concept 'price'"),
        ("name: x\nextends: nowhere\n", "bad.yaml: extends: unknown ontology 'nowhere'"),
        ("name: x\nconcepts: [\n", "bad.yaml line"),
        ("- just\n- a list\n", "bad.yaml: expected a mapping"),
        ("name: Bad Name\n", "bad.yaml: name: string should match pattern"),
    ],
)
def test_invalid_files_name_file_path_and_problem(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(OntologyError) as info:
        load_file(path)
    text = str(info.value)
    assert text.startswith(str(tmp_path)), text
    assert message in text, text
    assert "\n" not in text
    assert isinstance(info.value, UserError) and info.value.exit_code == 2


def test_resolve_by_name_and_by_path(tmp_path: Path) -> None:
    assert resolve("finance").name == "finance"
    path = write(tmp_path, "name: mine\nextends: retail\nconcepts:\n" + VALID_CONCEPT, "mine.yaml")
    mine = resolve(str(path))
    assert mine.name == "mine" and not mine.is_builtin
    assert mine.definition.own_concepts == ["price"]
    # The child's concept replaces nothing here but comes first; the parent's metrics are inherited.
    assert mine.definition.concepts[0].name == "price"
    assert any(m.name == "revenue" for m in mine.definition.metrics)
    with pytest.raises(OntologyError, match="unknown ontology 'nope'"):
        resolve("nope")
    with pytest.raises(OntologyError, match="does not exist"):
        resolve(str(tmp_path / "missing.yaml"))
