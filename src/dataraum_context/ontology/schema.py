"""The pydantic schema of an ontology file (`ontologies/*.yaml`).

An ontology names the business concepts of a domain and how to recognise them in
columns (indicators), the metrics computable from them, default quality rules for
them, and naming hints. Files are strict: unknown keys are errors, so a typo does
not silently disable an indicator.

```yaml
name: retail
version: "1.0"
description: Retail and e-commerce
extends: generic            # optional: inherit another shipped ontology's content
concepts:
  - name: unit_price
    description: Price of one unit of a product
    indicators:
      name_patterns: ["*unit_price*", "*price*"]   # globs on the column name (see matching)
      value_patterns: [currency_us, decimal]        # pattern names from detectors/patterns.py
      units: [USD]                                  # canonical units (detectors/units.py)
      dimensions: ["[currency]"]
      types: [numeric]                              # numeric|integer|decimal|temporal|date|text|boolean
    exclusions: ["*price_id*"]
    typical_role: measure
    entity_type: product
    unit: USD
    temporal_behavior: point_in_time              # additive | point_in_time | non_additive
metrics:
  - name: revenue
    formula: "SUM({extended_price} * (1 - {discount}))"
    required_concepts: [extended_price, discount]
quality_rules:
  - concept: unit_price
    rule_type: range
    expression: "{column} >= 0"
    severity: error
    description: Prices are never negative
semantic_hints:
  - pattern: "*_flag"
    role: dimension
```
"""

from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dataraum_context.detectors.patterns import PATTERNS_BY_NAME

Role = Literal["key", "foreign_key", "measure", "dimension", "attribute", "timestamp"]
ROLES: tuple[str, ...] = ("key", "foreign_key", "measure", "dimension", "attribute", "timestamp")
TypeFamily = Literal["numeric", "integer", "decimal", "temporal", "date", "text", "boolean"]
TemporalBehavior = Literal["additive", "point_in_time", "non_additive"]
RuleType = Literal["not_null", "unique", "range", "pattern", "allowed_values", "custom"]
Severity = Literal["error", "warning", "info"]

_NAME = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicators(_Strict):
    """How a column shows that it holds a concept."""

    name_patterns: list[str] = Field(min_length=1)
    value_patterns: list[str] = Field(default_factory=list)
    units: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    types: list[TypeFamily] = Field(default_factory=list)

    @field_validator("name_patterns")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        for glob in value:
            if not glob.strip("*?"):
                raise ValueError(f"name pattern {glob!r} matches every column")
        return [g.lower() for g in value]

    @field_validator("value_patterns")
    @classmethod
    def _known_patterns(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in PATTERNS_BY_NAME:
                raise ValueError(f"unknown value pattern {name!r} (see detectors/patterns.py)")
        return value

    @field_validator("dimensions")
    @classmethod
    def _bracketed(cls, value: list[str]) -> list[str]:
        for dim in value:
            if not dim.startswith("["):
                raise ValueError(f"dimension {dim!r} must look like '[length]' (Pint dimensionality)")
        return value


class Concept(_Strict):
    """A business concept and how to recognise it."""

    name: str = Field(pattern=_NAME)
    description: str
    indicators: Indicators
    exclusions: list[str] = Field(default_factory=list)
    typical_role: Role | None = None
    entity_type: str | None = None
    unit: str | None = None
    dimension: str | None = None
    temporal_behavior: TemporalBehavior | None = None

    @field_validator("exclusions")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [g.lower() for g in value]


def formula_placeholders(formula: str) -> list[str]:
    """The `{concept}` names a formula refers to, in order (ValueError when malformed)."""
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(formula):
        if field is None:
            continue
        if not field or spec or conversion:
            raise ValueError(f"bad placeholder in formula {formula!r}: use {{concept_name}}")
        names.append(field)
    return names


class Metric(_Strict):
    """A metric: a SQL aggregate over concepts, computable where all its concepts are present."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    formula: str
    required_concepts: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _formula_uses_required(self) -> Metric:
        used = formula_placeholders(self.formula)
        if not used:
            raise ValueError("formula refers to no concept (write {concept_name})")
        missing = sorted(set(used) - set(self.required_concepts))
        if missing:
            raise ValueError(f"formula uses {missing[0]!r}, which is not in required_concepts")
        return self


class QualityRule(_Strict):
    """A default quality rule for every column holding `concept` (expression over `{column}`)."""

    concept: str
    rule_type: RuleType
    expression: str
    severity: Severity = "warning"
    description: str = ""

    @field_validator("expression")
    @classmethod
    def _has_column(cls, value: str) -> str:
        if "{column}" not in value:
            raise ValueError("expression must refer to the column as {column}")
        return value


class SemanticHint(_Strict):
    """A naming convention: columns whose name matches `pattern` get this type/role/concept."""

    pattern: str
    type: TypeFamily | None = None
    role: Role | None = None
    concept: str | None = None

    @field_validator("pattern")
    @classmethod
    def _glob(cls, value: str) -> str:
        if not value.strip("*?"):
            raise ValueError(f"pattern {value!r} matches every column")
        return value.lower()

    @model_validator(mode="after")
    def _says_something(self) -> SemanticHint:
        if self.type is None and self.role is None and self.concept is None:
            raise ValueError("a hint needs at least one of type, role, concept")
        return self


class OntologyDefinition(_Strict):
    """One ontology file. After loading, `extends` has been resolved into the lists."""

    name: str = Field(pattern=_NAME)
    version: str = "1"
    description: str = ""
    domain: str | None = None
    extends: str | None = None
    concepts: list[Concept] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    quality_rules: list[QualityRule] = Field(default_factory=list)
    semantic_hints: list[SemanticHint] = Field(default_factory=list)
    # Names of the concepts this file defines itself (not inherited); filled by the loader.
    own_concepts: list[str] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value

    def concept(self, name: str) -> Concept | None:
        return next((c for c in self.concepts if c.name == name), None)

    def check_references(self, inherited: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        """(path, problem) for every duplicate concept and every reference to a concept
        defined neither here nor in `inherited` (the concepts of the ontology extended)."""
        problems: list[tuple[str, str]] = []
        seen: set[str] = set()
        for i, concept in enumerate(self.concepts):
            if concept.name in seen:
                problems.append((f"concepts[{i}].name", f"duplicate concept {concept.name!r}"))
            seen.add(concept.name)
        seen |= inherited
        for i, metric in enumerate(self.metrics):
            for j, name in enumerate(metric.required_concepts):
                if name not in seen:
                    problems.append((f"metrics[{i}].required_concepts[{j}]", f"unknown concept {name!r}"))
        for i, rule in enumerate(self.quality_rules):
            if rule.concept not in seen:
                problems.append((f"quality_rules[{i}].concept", f"unknown concept {rule.concept!r}"))
        for i, hint in enumerate(self.semantic_hints):
            if hint.concept is not None and hint.concept not in seen:
                problems.append((f"semantic_hints[{i}].concept", f"unknown concept {hint.concept!r}"))
        return problems
