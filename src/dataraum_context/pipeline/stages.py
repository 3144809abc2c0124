"""The stages of the flow, in order, and what the runner does after each.

A stage is one Hamilton module in `dataflows/` (shipped as `dataraum_context.dataflows`).
Its nodes are the functions defined in that module. After a stage executes, the
runner hands its results to the stage's `persist` function inside one metadata
transaction: results and the run's progress commit together or not at all.

The last stage, `custom`, has no module of its own: it holds the nodes of the
`--module` files that no built-in node consumes (see `pipeline.extension`).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.storage.schema import init_schema

Persist = Callable[[AsyncSession, dict[str, Any], RunContext], Awaitable[dict[str, Any]]]

DATAFLOWS_PACKAGE = "dataraum_context.dataflows"
CUSTOM_STAGE = "custom"


@dataclass(frozen=True)
class StageSpec:
    """One stage: its Hamilton module and how its results are stored.

    `builtin` False: the stage has no module in `dataflows/`; its nodes come from custom modules.
    """

    name: str
    persist_ref: str | None = None
    """`module:function` of the stage's persist function, imported when a run first needs it
    (so that commands which only read the store do not import the stages' code)."""
    description: str = ""
    models: str | None = None
    """The module defining the stage's metadata tables (registered with the store)."""
    context: str | None = None
    """The module whose `contribute(session, doc)` adds the stage's part of the context document."""
    extra: dict[str, Any] = field(default_factory=dict)
    builtin: bool = True

    @property
    def persist(self) -> Persist | None:
        if self.persist_ref is None:
            return None
        module, _, name = self.persist_ref.partition(":")
        return getattr(importlib.import_module(module), name)

    @property
    def module_name(self) -> str:
        return f"{DATAFLOWS_PACKAGE}.{self.name}"


def _pkg(stage: str, module: str) -> str:
    return f"dataraum_context.{stage}.{module}"


# Adding a stage: its module in dataflows/, its package (persist, db_models, context), one entry here.
STAGES: tuple[StageSpec, ...] = (
    StageSpec("staging", _pkg("staging", "persist:persist_staging"), "read sources into the raw layer"),
    StageSpec(
        "profiling", _pkg("profiling", "persist:persist_profiling"), "column statistics, patterns, units",
        models=_pkg("profiling", "db_models"),
    ),
    StageSpec(
        "type_resolution", _pkg("type_resolution", "persist:persist_type_resolution"), "typed layer and quarantine",
        models=_pkg("type_resolution", "db_models"),
    ),
    StageSpec(
        "topology", _pkg("topology", "persist:persist_topology"), "keys, foreign keys, join paths",
        models=_pkg("topology", "db_models"), context=_pkg("topology", "context"),
    ),
    StageSpec(
        "semantic", _pkg("semantic", "persist:persist_semantic"), "roles, entities, ontology terms",
        models=_pkg("semantic", "db_models"), context=_pkg("semantic", "context"),
    ),
    StageSpec(
        "temporal", _pkg("temporal", "persist:persist_temporal"), "granularity, gaps, trends",
        models=_pkg("temporal", "db_models"), context=_pkg("temporal", "context"),
    ),
    StageSpec(
        "quality", _pkg("quality", "persist:persist_quality"), "rules, results, scores",
        models=_pkg("quality", "db_models"), context=_pkg("quality", "context"),
    ),
    StageSpec(
        CUSTOM_STAGE, "dataraum_context.pipeline.extension:persist_custom", "nodes of --module files", builtin=False,
    ),
)

# Metadata tables that belong to no stage: runs and the review queue, the LLM cache, ontologies.
SHARED_MODELS = ("dataraum_context.pipeline.db_models", "dataraum_context.llm.db_models",
                 "dataraum_context.ontology.db_models")


def register_models() -> None:
    """Import every module that defines metadata tables, so that `Base.metadata` knows the
    whole schema (storage itself does not import the stage packages)."""
    for module in (*SHARED_MODELS, *(stage.models for stage in STAGES if stage.models)):
        importlib.import_module(module)


async def init_store(engine: AsyncEngine) -> None:
    """Open the metadata store at `engine`: register every model, then create, migrate or
    check the schema (`storage.schema.init_schema`)."""
    register_models()
    await init_schema(engine)


def context_contributors() -> list[str]:
    """The modules that add each stage's part to the context document, in flow order."""
    return [stage.context for stage in STAGES if stage.context]


def stage_names() -> list[str]:
    return [stage.name for stage in STAGES]
