"""Deleting a source, table, column, run, rule or ontology leaves no dangling metadata.

The deletes are plain SQL DELETEs (no ORM cascade involved), so these tests check
the database's ON DELETE actions; one test also deletes through the ORM.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from dataraum_context.llm.db_models import LLMCache
from dataraum_context.ontology.db_models import Ontology, OntologyApplication
from dataraum_context.pipeline.db_models import Checkpoint, NodeExecution, ReviewItem, Run
from dataraum_context.profiling.db_models import ColumnCorrelation, ColumnProfile
from dataraum_context.quality.db_models import QualityResult, QualityRule, QualityScore
from dataraum_context.semantic.db_models import SemanticAnnotation
from dataraum_context.storage import schema  # noqa: F401  (registers every model)
from dataraum_context.storage.base import Base
from dataraum_context.storage.core import Column, Source, Table
from dataraum_context.storage.engine import session_factory
from dataraum_context.topology.db_models import JoinPath, Relationship
from dataraum_context.type_resolution.db_models import TypeCandidate, TypeDecision

MODELS = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}

# Everything `populate` creates under a source (besides the source itself).
SOURCE_SCOPED = {
    "Table", "Column", "ColumnProfile", "ColumnCorrelation", "TypeCandidate", "TypeDecision",
    "SemanticAnnotation", "TableEntity", "Relationship", "JoinPath", "TemporalProfile",
    "QualityRule", "QualityResult", "QualityScore", "OntologyApplication",
}


async def _existing(session: Any, model_name: str, pks: list[uuid.UUID]) -> set[uuid.UUID]:
    model = MODELS[model_name]
    (pk_column,) = sa.inspect(model).primary_key
    return set((await session.execute(sa.select(pk_column).where(pk_column.in_(pks)))).scalars())


@pytest.mark.parametrize("how", ["sql", "orm"])
def test_deleting_a_source_removes_everything_under_it(metadata_engine: Any, populate: Any, how: str) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ontology = Ontology(name="finance")
            run = Run()
            session.add_all([ontology, run])
            await session.commit()
            gone = await populate(session, "shop_a", ontology.ontology_id)
            kept = await populate(session, "shop_b", ontology.ontology_id)
            checkpoint = Checkpoint(
                run_id=run.run_id, source_id=gone.source_id, dataflow_name="d",
                status="completed", checkpoint_type="stage",
            )
            session.add(checkpoint)
            await session.commit()
            checkpoint_id = checkpoint.checkpoint_id
        assert set(gone.pks) == SOURCE_SCOPED, "populate must create every source-scoped model"

        if how == "sql":
            async with engine.begin() as conn:
                await conn.execute(sa.delete(Source.__table__).where(Source.__table__.c.source_id == gone.source_id))
        else:
            async with factory() as session:
                source = await session.get(Source, gone.source_id)
                await session.delete(source)
                await session.commit()

        async with factory() as session:
            assert await session.get(Source, gone.source_id) is None
            for model_name, pks in gone.pks.items():
                assert await _existing(session, model_name, pks) == set(), f"{model_name} rows left behind"
            for model_name, pks in kept.pks.items():
                assert await _existing(session, model_name, pks) == set(pks), f"{model_name} rows of another source lost"
            # Global rows stay; references to the source are cleared.
            assert await session.get(Ontology, ontology.ontology_id) is not None
            caches = {c.cache_key: c for c in (await session.execute(sa.select(LLMCache))).scalars()}
            assert caches["key-shop_a"].source_id is None
            assert caches["key-shop_b"].source_id == kept.source_id
            kept_checkpoint = await session.get(Checkpoint, checkpoint_id)
            assert kept_checkpoint is not None and kept_checkpoint.source_id is None

    metadata_engine.run(body)


def test_deleting_a_column_removes_its_rows_only(metadata_engine: Any, populate: Any) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ontology = Ontology(name="finance")
            session.add(ontology)
            await session.commit()
            data = await populate(session, "shop", ontology.ontology_id)
        target = data.column_ids["customers.id"]  # the target side of the relationship
        async with engine.begin() as conn:
            await conn.execute(sa.delete(Column.__table__).where(Column.__table__.c.column_id == target))
        async with factory() as session:
            for model, column in [
                (ColumnProfile, ColumnProfile.column_id),
                (TypeCandidate, TypeCandidate.column_id),
                (TypeDecision, TypeDecision.column_id),
                (SemanticAnnotation, SemanticAnnotation.column_id),
                (QualityScore, QualityScore.column_id),
                (Relationship, Relationship.to_column_id),
            ]:
                count = (await session.execute(sa.select(sa.func.count()).where(column == target))).scalar_one()
                assert count == 0, model.__name__
            assert (await session.execute(sa.select(sa.func.count()).select_from(Relationship))).scalar_one() == 0
            # Other columns' rows and table-level rows stay.
            assert (await session.execute(sa.select(sa.func.count()).select_from(TypeDecision))).scalar_one() == 3
            assert (await session.execute(sa.select(sa.func.count()).select_from(ColumnCorrelation))).scalar_one() == 1
            table_scores = (
                await session.execute(sa.select(sa.func.count()).where(QualityScore.column_id.is_(None)))
            ).scalar_one()
            assert table_scores == 2
            assert (await session.execute(sa.select(sa.func.count()).select_from(JoinPath))).scalar_one() == 1

    metadata_engine.run(body)


def test_deleting_a_table_removes_its_columns_and_table_rows(metadata_engine: Any, populate: Any) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ontology = Ontology(name="finance")
            session.add(ontology)
            await session.commit()
            data = await populate(session, "shop", ontology.ontology_id)
        customers = data.table_ids["customers"]
        async with engine.begin() as conn:
            await conn.execute(sa.delete(Table.__table__).where(Table.__table__.c.table_id == customers))
        async with factory() as session:
            assert await session.get(Column, data.column_ids["customers.id"]) is None
            assert await session.get(Column, data.column_ids["orders.id"]) is not None
            for model in (Relationship, JoinPath):
                assert (await session.execute(sa.select(sa.func.count()).select_from(model))).scalar_one() == 0
            applications = (await session.execute(sa.select(OntologyApplication.table_id))).scalars().all()
            assert applications == [data.table_ids["orders"]]

    metadata_engine.run(body)


def test_deleting_a_rule_or_an_ontology_removes_its_dependents(metadata_engine: Any, populate: Any) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            ontology = Ontology(name="finance")
            session.add(ontology)
            await session.commit()
            data = await populate(session, "shop", ontology.ontology_id)
        rule_ids = data.pks["QualityRule"]
        async with engine.begin() as conn:
            await conn.execute(sa.delete(QualityRule.__table__).where(QualityRule.__table__.c.rule_id == rule_ids[0]))
            await conn.execute(sa.delete(Ontology.__table__))
        async with factory() as session:
            remaining = (await session.execute(sa.select(QualityResult.rule_id))).scalars().all()
            assert remaining == [rule_ids[1]]
            count = (await session.execute(sa.select(sa.func.count()).select_from(OntologyApplication))).scalar_one()
            assert count == 0

    metadata_engine.run(body)


@pytest.mark.parametrize("how", ["sql", "orm"])
def test_deleting_a_run_removes_its_executions_checkpoints_and_reviews(metadata_engine: Any, how: str) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            runs = [Run(), Run()]
            session.add_all(runs)
            await session.flush()
            for run in runs:
                checkpoint = Checkpoint(
                    run_id=run.run_id, dataflow_name="typing", status="pending_review", checkpoint_type="type_review"
                )
                session.add_all([
                    NodeExecution(run_id=run.run_id, stage="profiling", node_name="column_profiles", status="success"),
                    checkpoint,
                ])
                await session.flush()
                session.add_all([
                    ReviewItem(checkpoint_id=checkpoint.checkpoint_id, run_id=run.run_id,
                               review_type="type_decision", item_id=uuid.uuid4()),
                    # Reachable only through its checkpoint:
                    ReviewItem(checkpoint_id=checkpoint.checkpoint_id, review_type="semantic", item_id=uuid.uuid4()),
                ])
            await session.commit()
            gone, kept = runs[0].run_id, runs[1].run_id

        if how == "sql":
            async with engine.begin() as conn:
                await conn.execute(sa.delete(Run.__table__).where(Run.__table__.c.run_id == gone))
        else:
            async with factory() as session:
                await session.delete(await session.get(Run, gone))
                await session.commit()

        async with factory() as session:
            assert (await session.execute(sa.select(NodeExecution.run_id))).scalars().all() == [kept]
            assert (await session.execute(sa.select(Checkpoint.run_id))).scalars().all() == [kept]
            reviews = (await session.execute(sa.select(ReviewItem))).scalars().all()
            assert len(reviews) == 2
            kept_checkpoint = (await session.execute(sa.select(Checkpoint.checkpoint_id))).scalar_one()
            assert {r.checkpoint_id for r in reviews} == {kept_checkpoint}

    metadata_engine.run(body)
