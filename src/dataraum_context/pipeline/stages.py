"""The stages of the flow, in order, and what the runner does after each.

A stage is one Hamilton module in `dataflows/` (shipped as `dataraum_context.dataflows`).
Its nodes are the functions defined in that module. After a stage executes, the
runner hands its results to the stage's `persist` function inside one metadata
transaction: results and the run's progress commit together or not at all.

The last stage, `custom`, has no module of its own: it holds the nodes of the
`--module` files that no built-in node consumes (see `pipeline.extension`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.pipeline.context import RunContext
from dataraum_context.pipeline.extension import CUSTOM_STAGE, persist_custom
from dataraum_context.profiling.persist import persist_profiling
from dataraum_context.quality.persist import persist_quality
from dataraum_context.semantic.persist import persist_semantic
from dataraum_context.staging.persist import persist_staging
from dataraum_context.temporal.persist import persist_temporal
from dataraum_context.topology.persist import persist_topology
from dataraum_context.type_resolution.persist import persist_type_resolution

Persist = Callable[[AsyncSession, dict[str, Any], RunContext], Awaitable[dict[str, Any]]]

DATAFLOWS_PACKAGE = "dataraum_context.dataflows"


@dataclass(frozen=True)
class StageSpec:
    """One stage: its Hamilton module and how its results are stored.

    `builtin` False: the stage has no module in `dataflows/`; its nodes come from custom modules.
    """

    name: str
    persist: Persist | None = None
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    builtin: bool = True

    @property
    def module_name(self) -> str:
        return f"{DATAFLOWS_PACKAGE}.{self.name}"


STAGES: tuple[StageSpec, ...] = (
    StageSpec("staging", persist_staging, "read sources into the raw layer"),
    StageSpec("profiling", persist_profiling, "column statistics, patterns, units"),
    StageSpec("type_resolution", persist_type_resolution, "typed layer and quarantine"),
    StageSpec("topology", persist_topology, "keys, foreign keys, join paths"),
    StageSpec("semantic", persist_semantic, "roles, entities, ontology terms"),
    StageSpec("temporal", persist_temporal, "granularity, gaps, trends"),
    StageSpec("quality", persist_quality, "rules, results, scores"),
    StageSpec(CUSTOM_STAGE, persist_custom, "nodes of --module files", builtin=False),
)


def stage_names() -> list[str]:
    return [stage.name for stage in STAGES]
