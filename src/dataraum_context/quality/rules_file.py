"""Manual quality rules: a YAML file given with `--rules FILE` (`settings.rules_file`).

```yaml
rules:
  - table: orders                 # required: table name (the file stem)
    name: total_is_positive       # required: unique per table and column
    expression: total_amount > 0  # required: boolean DuckDB SQL over the typed table's columns
    column: total_amount          # optional: the column the rule is about (omit: table-level)
    type: custom                  # optional: one of quality.models.RULE_TYPES (default custom)
    columns: [total_amount]       # optional: columns the rule reads (samples, per-column scores);
                                  #   for `type: unique` the key columns (expression optional then)
    severity: error               # optional: error | warning (default) | info
    dimension: validity           # optional: completeness | validity | consistency | uniqueness | timeliness
    description: Totals are never negative.
```

The file is validated with pydantic; a problem raises `RulesFileError` naming the file
and the field (`rules[2].expression: Field required`). Whether an expression is valid
SQL is *not* checked here: a rule that does not parse or fails is reported at
execution as invalid, and the other rules still run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dataraum_context.yamlfile import read_yaml
from dataraum_context.errors import ConfigError
from dataraum_context.quality.models import DIMENSIONS, RULE_TYPES, QualityRuleSpec


class RulesFileError(ConfigError):
    """The manual rules file is missing or invalid (exit code 2)."""


class ManualRule(BaseModel):
    """One rule as written in the rules file."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(min_length=1)
    name: str = Field(min_length=1)
    expression: str | None = None
    column: str | None = None
    type: str = "custom"
    columns: list[str] = Field(default_factory=list)
    severity: Literal["error", "warning", "info"] = "warning"
    dimension: str | None = None
    description: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RULE_TYPES:
            raise ValueError(f"must be one of {', '.join(RULE_TYPES)}")
        return value

    @field_validator("dimension")
    @classmethod
    def _known_dimension(cls, value: str | None) -> str | None:
        if value is not None and value not in DIMENSIONS:
            raise ValueError(f"must be one of {', '.join(DIMENSIONS)}")
        return value

    @model_validator(mode="after")
    def _has_check(self) -> ManualRule:
        if self.type == "unique":
            if not self.columns and not self.column:
                raise ValueError("a unique rule needs `columns` (or `column`)")
        elif not (self.expression or "").strip():
            raise ValueError("`expression` is required")
        return self

    def to_spec(self, path: Path) -> QualityRuleSpec:
        params: dict[str, object] = {}
        columns = self.columns or ([self.column] if self.column and self.type == "unique" else [])
        if columns:
            params["columns"] = list(columns)
        return QualityRuleSpec(
            table_name=self.table,
            column_name=self.column,
            rule_name=self.name,
            rule_type=self.type,
            expression=self.expression.strip() if self.expression else None,
            parameters=params,
            severity=self.severity,
            source="manual",
            dimension=self.dimension,
            description=self.description,
            created_by=str(path),
        )


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[ManualRule] = Field(default_factory=list)


def _where(loc: tuple[object, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def load_rules_file(path: Path) -> list[QualityRuleSpec]:
    """The manual rules in `path`; raises `RulesFileError` (one line, file and field) when invalid."""
    data = read_yaml(path, "rules file", RulesFileError)
    if data is None:
        data = {"rules": []}
    elif isinstance(data, list):
        data = {"rules": data}
    try:
        parsed = RulesFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise RulesFileError(f"rules file {path}: {_where(tuple(first.get('loc', ())))}: {message}") from None
    seen: set[tuple[str, str | None, str]] = set()
    for index, rule in enumerate(parsed.rules):
        key = (rule.table, rule.column, rule.name)
        if key in seen:
            raise RulesFileError(f"rules file {path}: rules[{index}].name: duplicate rule {rule.name!r}")
        seen.add(key)
    return [rule.to_spec(path) for rule in parsed.rules]
