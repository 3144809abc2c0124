"""What the semantic stage knows about each column, gathered from earlier stages.

`ColumnFacts` (words, decided type, pattern, unit) is what ontology matching needs and a
node output; `ColumnView` adds the profile and the detector matches for the annotator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataraum_context.detectors.patterns import PatternMatch
from dataraum_context.detectors.units import UnitResult
from dataraum_context.ontology.matching import ColumnFacts, type_families
from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult
from dataraum_context.semantic import naming
from dataraum_context.staging import StagedTable
from dataraum_context.type_resolution.models import ColumnTypeDecision


def column_facts(
    tables: list[StagedTable],
    decisions: list[ColumnTypeDecision],
    units: dict[str, dict[str, UnitResult]],
) -> list[ColumnFacts]:
    """Facts for every column of every table, in table and column order."""
    by_column = {(d.table_name, d.column_name): d for d in decisions}
    result: list[ColumnFacts] = []
    for table in tables:
        names = [c.name for c in table.columns]
        prefix = naming.table_prefix(names)
        for name in names:
            decision = by_column.get((table.table_name, name))
            unit = units.get(table.table_name, {}).get(name)
            stripped = name[len(prefix):] if prefix and name.lower().startswith(prefix) else name
            result.append(
                ColumnFacts(
                    table_name=table.table_name,
                    column_name=name,
                    words=naming.words(name, prefix),
                    raw_name=name.lower(),
                    stripped_name=stripped.lower(),
                    decided_type=decision.decided_type if decision else None,
                    pattern=decision.pattern if decision else None,
                    unit=(decision.unit if decision and decision.unit else (unit.unit if unit else None)),
                    dimension=unit.dimension if unit and unit.unit else None,
                )
            )
    return result


@dataclass
class ColumnView:
    """One column with everything the rules look at."""

    facts: ColumnFacts
    position: int
    profile: ColumnProfileResult | None
    patterns: list[PatternMatch]
    # The most frequent distinct values of the row sample, [[value, count], ...] (None: not sampled).
    values: list[list[Any]] | None = None

    @property
    def name(self) -> str:
        return self.facts.column_name

    @property
    def table(self) -> str:
        return self.facts.table_name

    @property
    def families(self) -> frozenset[str]:
        return type_families(self.facts.decided_type)

    @property
    def rows(self) -> int | None:
        return self.profile.total_count if self.profile else None

    @property
    def nulls(self) -> int | None:
        return self.profile.null_count if self.profile else None

    @property
    def distinct(self) -> int | None:
        return self.profile.distinct_count if self.profile else None

    @property
    def is_unique(self) -> bool:
        """Every row has a value and no value repeats (raw values, from the profile)."""
        p = self.profile
        return bool(p and p.total_count > 0 and p.null_count == 0 and p.distinct_count == p.total_count)

    @property
    def uniqueness(self) -> float | None:
        """Distinct values over rows (1.0: unique and complete)."""
        p = self.profile
        if not p or not p.total_count or p.distinct_count is None:
            return None
        return p.distinct_count / p.total_count

    @property
    def top_pattern(self) -> PatternMatch | None:
        return max(self.patterns, key=lambda m: m.match_rate, default=None)


def column_views(
    facts: list[ColumnFacts],
    tables: list[StagedTable],
    profiles: list[TableProfileResult],
    patterns: dict[str, dict[str, list[PatternMatch]]],
    samples: dict[str, dict[str, list[list[Any]]]] | None = None,
) -> dict[str, list[ColumnView]]:
    """Per table, its columns' views in column order (`samples`: per table and column, the most
    frequent values of the row sample, `detectors.semantic_values.sample_values`)."""
    positions = {(t.table_name, c.name): c.position for t in tables for c in t.columns}
    by_profile = {(p.table_name, c.column_name): c for p in profiles for c in p.columns}
    views: dict[str, list[ColumnView]] = {t.table_name: [] for t in tables}
    for f in facts:
        key = (f.table_name, f.column_name)
        views.setdefault(f.table_name, []).append(
            ColumnView(
                facts=f,
                position=positions.get(key, 0),
                profile=by_profile.get(key),
                patterns=list(patterns.get(f.table_name, {}).get(f.column_name, [])),
                values=(samples.get(f.table_name, {}).get(f.column_name) if samples is not None else None),
            )
        )
    return views
