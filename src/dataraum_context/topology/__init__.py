"""Topology stage: candidate keys, foreign keys, hierarchies, correlations and join paths.

The DAG nodes live in `dataflows/topology.py`; the logic is here, one module per step:
`columns` (facts per column), `keys` (candidate keys), `foreign_keys` (screening,
measurement, scoring), `dependencies` (hierarchies, correlations), `review` (the
relationship review), `paths` (join paths), `persist` and `context`.
"""

from dataraum_context.topology.models import (
    ColumnFacts,
    FkMeasurement,
    FkScreening,
    JoinPathResult,
    JoinStep,
    RelationshipResult,
)

__all__ = ["ColumnFacts", "FkMeasurement", "FkScreening", "JoinPathResult", "JoinStep", "RelationshipResult"]
