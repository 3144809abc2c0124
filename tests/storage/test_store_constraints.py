"""Uniqueness, check and not-null constraints raise IntegrityError on both backends.

Each case inserts a first row (must succeed), a variant that differs in the
constrained key (must succeed: the constraint is not too wide), then a duplicate
(must fail with IntegrityError).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from dataraum_context.llm.db_models import LLMCache
from dataraum_context.ontology.db_models import Ontology
from dataraum_context.profiling.db_models import ColumnCorrelation
from dataraum_context.quality.db_models import QualityScore
from dataraum_context.semantic.db_models import SemanticAnnotation
from dataraum_context.storage.core import Column, Source, Table
from dataraum_context.storage.engine import session_factory
from dataraum_context.temporal.db_models import TemporalProfile
from dataraum_context.topology.db_models import JoinPath, Relationship
from dataraum_context.type_resolution.db_models import TypeDecision


@dataclass
class Ids:
    source: uuid.UUID
    other_source: uuid.UUID
    table: uuid.UUID
    other_table: uuid.UUID
    col_a: uuid.UUID
    col_b: uuid.UUID
    col_c: uuid.UUID


async def _setup(session: Any) -> Ids:
    source = Source(name="s1", source_type="csv")
    other_source = Source(name="s2", source_type="csv")
    table = Table(source=source, table_name="orders", layer="raw")
    other_table = Table(source=source, table_name="customers", layer="raw")
    col_a = Column(table=table, column_name="a", column_position=0)
    col_b = Column(table=table, column_name="b", column_position=1)
    col_c = Column(table=other_table, column_name="c", column_position=0)
    session.add_all([source, other_source, table, other_table, col_a, col_b, col_c])
    await session.commit()
    return Ids(
        source.source_id, other_source.source_id, table.table_id, other_table.table_id,
        col_a.column_id, col_b.column_id, col_c.column_id,
    )


Factory = Callable[[Ids], Any]


def _rel(ids: Ids, from_col: uuid.UUID, to_col: uuid.UUID, kind: str = "foreign_key") -> Relationship:
    return Relationship(
        from_table_id=ids.table, from_column_id=from_col, to_table_id=ids.other_table,
        to_column_id=to_col, relationship_type=kind, confidence=0.9,
    )


def _path(ids: Ids, steps: list[dict[str, str]]) -> JoinPath:
    return JoinPath(from_table_id=ids.table, to_table_id=ids.other_table, path_steps=steps, path_length=len(steps))


STEP = {"from_col": "a", "to_table": "customers", "to_col": "c"}
STEP_REORDERED = {"to_col": "c", "from_col": "a", "to_table": "customers"}

# name -> (first, allowed variant, duplicate of first)
UNIQUE_CASES: dict[str, tuple[Factory, Factory, Factory]] = {
    "sources.name": (
        lambda ids: Source(name="dup", source_type="csv"),
        lambda ids: Source(name="Dup", source_type="csv"),
        lambda ids: Source(name="dup", source_type="parquet"),
    ),
    "tables(source,name,layer)": (
        lambda ids: Table(source_id=ids.source, table_name="t", layer="raw"),
        lambda ids: Table(source_id=ids.source, table_name="t", layer="typed"),
        lambda ids: Table(source_id=ids.source, table_name="t", layer="raw", row_count=5),
    ),
    "columns(table,name)": (
        lambda ids: Column(table_id=ids.table, column_name="x", column_position=5),
        lambda ids: Column(table_id=ids.other_table, column_name="x", column_position=5),
        lambda ids: Column(table_id=ids.table, column_name="x", column_position=6),
    ),
    "type_decisions.column_id": (
        lambda ids: TypeDecision(column_id=ids.col_a, decided_type="BIGINT", decision_source="auto"),
        lambda ids: TypeDecision(column_id=ids.col_b, decided_type="BIGINT", decision_source="auto"),
        lambda ids: TypeDecision(column_id=ids.col_a, decided_type="VARCHAR", decision_source="manual"),
    ),
    "semantic_annotations.column_id": (
        lambda ids: SemanticAnnotation(column_id=ids.col_a, semantic_role="key"),
        lambda ids: SemanticAnnotation(column_id=ids.col_b, semantic_role="key"),
        lambda ids: SemanticAnnotation(column_id=ids.col_a, semantic_role="measure"),
    ),
    "temporal_profiles.column_id": (
        lambda ids: TemporalProfile(column_id=ids.col_a),
        lambda ids: TemporalProfile(column_id=ids.col_b),
        lambda ids: TemporalProfile(column_id=ids.col_a, detected_granularity="day"),
    ),
    "relationships(from_column,to_column)": (
        lambda ids: _rel(ids, ids.col_a, ids.col_c),
        lambda ids: _rel(ids, ids.col_b, ids.col_c),
        lambda ids: _rel(ids, ids.col_a, ids.col_c, kind="semantic"),
    ),
    "join_paths(from,to,steps)": (
        lambda ids: _path(ids, [STEP]),
        lambda ids: _path(ids, [{**STEP, "to_col": "other"}]),
        lambda ids: _path(ids, [STEP_REORDERED]),
    ),
    "ontologies.name": (
        lambda ids: Ontology(name="finance"),
        lambda ids: Ontology(name="retail"),
        lambda ids: Ontology(name="finance", version="2"),
    ),
    "llm_cache.cache_key": (
        lambda ids: LLMCache(cache_key="k1", feature="f", provider="p", model="m", response_json={}),
        lambda ids: LLMCache(cache_key="k2", feature="f", provider="p", model="m", response_json={}),
        lambda ids: LLMCache(cache_key="k1", feature="g", provider="p", model="m2", response_json={"a": 1}),
    ),
}


@pytest.mark.parametrize("case", sorted(UNIQUE_CASES))
def test_unique_constraint(metadata_engine: Any, case: str) -> None:
    first, variant, duplicate = UNIQUE_CASES[case]

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ids = await _setup(session)
        async with factory() as session:
            session.add(first(ids))
            await session.commit()
            session.add(variant(ids))
            await session.commit()
        async with factory() as session:
            session.add(duplicate(ids))
            with pytest.raises(IntegrityError):
                await session.commit()

    metadata_engine.run(body)


INVALID_ROWS: dict[str, Factory] = {
    "quality_scores needs a table or a column": lambda ids: QualityScore(overall_score=0.5),
    "correlation of a column with itself": lambda ids: ColumnCorrelation(
        column_a_id=ids.col_a, column_b_id=ids.col_a, method="pearson", coefficient=1.0
    ),
    "column-scoped row needs its column": lambda ids: TypeDecision(decided_type="X", decision_source="auto"),
    "relationship needs both columns": lambda ids: Relationship(
        from_table_id=ids.table, from_column_id=ids.col_a, to_table_id=ids.other_table,
        relationship_type="foreign_key", confidence=0.5,
    ),
    "foreign key must exist": lambda ids: SemanticAnnotation(column_id=uuid.uuid4()),
}


@pytest.mark.parametrize("case", sorted(INVALID_ROWS))
def test_invalid_row_is_refused(metadata_engine: Any, case: str) -> None:
    make = INVALID_ROWS[case]

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ids = await _setup(session)
        async with factory() as session:
            session.add(make(ids))
            with pytest.raises(IntegrityError):
                await session.commit()

    metadata_engine.run(body)


def test_quality_score_scopes_are_accepted(metadata_engine: Any) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ids = await _setup(session)
        async with factory() as session:
            session.add_all([
                QualityScore(table_id=ids.table, overall_score=0.9),
                QualityScore(column_id=ids.col_a, overall_score=0.8),
                QualityScore(table_id=ids.table, column_id=ids.col_b, overall_score=0.7),
            ])
            await session.commit()

    metadata_engine.run(body)
