"""Every metadata model: create, read back in a new session, compare every column.

Values chosen to catch backend differences: UUIDs, aware datetimes given in a
non-UTC offset with microseconds, nested unicode JSON, 64-bit integers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from dataraum_context.storage import schema  # noqa: F401  (registers every model)
from dataraum_context.storage.base import Base, UTCDateTime
from dataraum_context.storage.core import Column, SchemaVersion, Source, Table
from dataraum_context.storage.engine import session_factory

# The result store's tables are keyed by content hash, not by a UUID: tests/pipeline/test_result_store.py.
MODELS = {
    mapper.class_.__name__: mapper.class_
    for mapper in Base.registry.mappers
    if mapper.class_ is not SchemaVersion and mapper.class_.__tablename__ not in ("node_results", "checkpoint_results")
}

# Every table of spec/DATA_MODEL.md (with `review_queue`), plus the project's own.
SPEC_TABLES = {
    "sources", "tables", "columns", "column_profiles", "type_candidates", "type_decisions",
    "semantic_annotations", "table_entities", "relationships", "join_paths", "temporal_profiles",
    "quality_rules", "quality_results", "quality_scores", "ontologies", "ontology_applications",
    "checkpoints", "review_queue", "llm_cache",
}
EXTRA_TABLES = {
    "schema_version", "runs", "node_executions", "column_correlations", "node_results", "checkpoint_results",
}

CEST = timezone(timedelta(hours=2))
WHEN = datetime(2024, 7, 1, 14, 30, 15, 123456, tzinfo=CEST)
JSON_VALUE: dict[str, Any] = {
    "text": "Zürich ✓ 'quoted' \"double\"; DROP TABLE x",
    "numbers": [1, 2.5, -3, 2**53],
    "nested": {"flag": True, "none": None, "list": [{"a": 1}, []]},
}
# Columns a model's own logic sets (compared separately).
DERIVED = {("JoinPath", "path_key")}


def _sample(column: sa.Column[Any]) -> Any:
    """A sample value for a column, by type."""
    type_ = column.type
    if isinstance(type_, UTCDateTime):
        return WHEN
    if isinstance(type_, sa.Uuid):
        return uuid.uuid4()
    if isinstance(type_, sa.JSON):
        return JSON_VALUE
    if isinstance(type_, sa.Boolean):
        return True
    if isinstance(type_, sa.BigInteger):
        return 2**40 + 7
    if isinstance(type_, sa.Integer):
        return 42
    if isinstance(type_, sa.Double | sa.Float):
        return 0.125
    if isinstance(type_, sa.Text):
        return f"{column.name}: long text ✓\nsecond line"
    if isinstance(type_, sa.String):
        return f"{column.name}-ü-{uuid.uuid4().hex[:6]}"
    raise AssertionError(f"no sample for {column.table.name}.{column.name} ({type_!r})")


async def _prerequisites(session: Any) -> dict[str, list[uuid.UUID]]:
    """Rows that foreign keys can point at, by referenced table name."""
    from dataraum_context.ontology.db_models import Ontology
    from dataraum_context.pipeline.db_models import Checkpoint, Run
    from dataraum_context.quality.db_models import QualityRule

    source = Source(name="prereq", source_type="csv")
    table = Table(source=source, table_name="t", layer="raw")
    col_a = Column(table=table, column_name="a", column_position=0)
    col_b = Column(table=table, column_name="b", column_position=1)
    run = Run()
    ontology = Ontology(name="prereq-ontology")
    session.add_all([source, table, col_a, col_b, run, ontology])
    await session.flush()
    checkpoint = Checkpoint(
        run_id=run.run_id, dataflow_name="d", status="completed", checkpoint_type="stage"
    )
    rule = QualityRule(table_id=table.table_id, rule_name="r", rule_type="custom", source="manual")
    session.add_all([checkpoint, rule])
    await session.commit()
    return {
        "sources": [source.source_id],
        "tables": [table.table_id],
        "columns": [col_a.column_id, col_b.column_id],
        "runs": [run.run_id],
        "ontologies": [ontology.ontology_id],
        "checkpoints": [checkpoint.checkpoint_id],
        "quality_rules": [rule.rule_id],
    }


def _values_for(model: type[Base], targets: dict[str, list[uuid.UUID]]) -> dict[str, Any]:
    """A value for every column of `model` but its primary key: FKs point at prerequisites."""
    table = model.__table__
    used: dict[str, int] = {}
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key or (model.__name__, column.key) in DERIVED:
            continue
        if column.foreign_keys:
            (fk,) = column.foreign_keys
            referred = fk.column.table.name
            index = used.get(referred, 0)
            used[referred] = index + 1
            values[column.key] = targets[referred][index % len(targets[referred])]
        else:
            values[column.key] = _sample(column)
    return values


def test_every_spec_table_has_a_model() -> None:
    tables = set(Base.metadata.tables)
    assert SPEC_TABLES <= tables, f"missing: {sorted(SPEC_TABLES - tables)}"
    assert tables == SPEC_TABLES | EXTRA_TABLES, f"unexpected: {sorted(tables - SPEC_TABLES - EXTRA_TABLES)}"


@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_model_round_trips_every_column(metadata_engine: Any, model_name: str) -> None:
    model = MODELS[model_name]

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        values = _values_for(model, targets)
        async with factory() as session:
            obj = model(**values)
            session.add(obj)
            await session.commit()
            pk = sa.inspect(obj).identity
        async with factory() as session:
            loaded = await session.get(model, pk)
            assert loaded is not None
            for key, expected in values.items():
                got = getattr(loaded, key)
                assert got == expected, f"{model_name}.{key}: {got!r} != {expected!r}"
                if isinstance(expected, datetime):
                    assert got.utcoffset() == timedelta(0), f"{model_name}.{key} not UTC: {got!r}"
                if isinstance(expected, uuid.UUID):
                    assert isinstance(got, uuid.UUID)
            pk_value = sa.inspect(loaded).identity[0]
            assert isinstance(pk_value, uuid.UUID)

    metadata_engine.run(body)


@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_model_defaults_timestamps_are_aware_utc(metadata_engine: Any, model_name: str) -> None:
    """Only required columns given: defaults fill the rest, timestamps come back aware UTC."""
    model = MODELS[model_name]

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        full = _values_for(model, targets)
        required = {
            key: value
            for key, value in full.items()
            if (column := model.__table__.c[key]).foreign_keys
            or (not column.nullable and column.default is None and column.server_default is None)
        }
        before = datetime.now(UTC)
        async with factory() as session:
            obj = model(**required)
            session.add(obj)
            await session.commit()
            pk = sa.inspect(obj).identity
        async with factory() as session:
            loaded = await session.get(model, pk)
            assert loaded is not None
            for column in model.__table__.columns:
                value = getattr(loaded, column.key)
                if isinstance(column.type, UTCDateTime) and column.default is not None:
                    assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
                    assert before - timedelta(seconds=5) <= value <= datetime.now(UTC) + timedelta(seconds=5)

    metadata_engine.run(body)


def test_naive_datetime_is_refused(metadata_engine: Any) -> None:
    from dataraum_context.profiling.db_models import ColumnProfile

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        async with factory() as session:
            session.add(
                ColumnProfile(
                    column_id=targets["columns"][0],
                    profiled_at=datetime(2024, 1, 1, 12, 0),  # naive
                    total_count=1,
                    null_count=0,
                )
            )
            with pytest.raises(StatementError, match="naive datetime"):
                await session.commit()

    metadata_engine.run(body)


def test_defaults_of_flags_and_statuses(metadata_engine: Any) -> None:
    """Spec defaults: is_confirmed FALSE, status 'candidate', severity 'warning', is_active/is_valid TRUE."""
    from dataraum_context.llm.db_models import LLMCache
    from dataraum_context.ontology.db_models import Ontology
    from dataraum_context.quality.db_models import QualityRule
    from dataraum_context.topology.db_models import Relationship

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        table_id = targets["tables"][0]
        col_a, col_b = targets["columns"]
        async with factory() as session:
            rel = Relationship(
                from_table_id=table_id, from_column_id=col_a, to_table_id=table_id, to_column_id=col_b,
                relationship_type="foreign_key", confidence=0.5,
            )
            rule = QualityRule(table_id=table_id, rule_name="x", rule_type="not_null", source="default")
            cache = LLMCache(cache_key="k", feature="f", provider="p", model="m", response_json=[1, "two"])
            ontology = Ontology(name="o")
            session.add_all([rel, rule, cache, ontology])
            await session.commit()
            ids = (rel.relationship_id, rule.rule_id, cache.cache_id, ontology.ontology_id)
        async with factory() as session:
            rel = await session.get(Relationship, ids[0])
            rule = await session.get(QualityRule, ids[1])
            cache = await session.get(LLMCache, ids[2])
            ontology = await session.get(Ontology, ids[3])
            assert rel.is_confirmed is False and rel.status == "candidate"
            assert rule.severity == "warning" and rule.is_active is True
            assert cache.is_valid is True and cache.response_json == [1, "two"]
            assert ontology.is_builtin is False

    metadata_engine.run(body)


def test_server_defaults_apply_to_core_inserts(metadata_engine: Any) -> None:
    """Flags and statuses have server defaults too, for rows written with plain SQL."""
    from dataraum_context.topology.db_models import Relationship

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        table_id = targets["tables"][0]
        col_a, col_b = targets["columns"]
        rel_table = Relationship.__table__
        async with engine.begin() as conn:
            rel_id = uuid.uuid4()
            await conn.execute(
                sa.insert(rel_table).values(
                    relationship_id=rel_id, from_table_id=table_id, from_column_id=col_a,
                    to_table_id=table_id, to_column_id=col_b, relationship_type="fk", confidence=1.0,
                    detected_at=WHEN,
                ).inline()
            )
            row = (await conn.execute(sa.select(rel_table).where(rel_table.c.relationship_id == rel_id))).one()
        assert row.is_confirmed is False
        assert row.status == "candidate"

    metadata_engine.run(body)


def test_join_path_key_is_canonical(metadata_engine: Any) -> None:
    from dataraum_context.topology.db_models import JoinPath, join_path_key

    steps = [{"from_col": "customer_id", "to_table": "customers", "to_col": "id"}]
    reordered = [{"to_col": "id", "to_table": "customers", "from_col": "customer_id"}]
    assert join_path_key(steps) == join_path_key(reordered)
    assert join_path_key(steps) != join_path_key([{**steps[0], "to_col": "other"}])
    assert len(join_path_key(steps)) == 64

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        table_id = targets["tables"][0]
        async with factory() as session:
            path = JoinPath(from_table_id=table_id, to_table_id=table_id, path_steps=steps, path_length=1)
            session.add(path)
            await session.commit()
            assert path.path_key == join_path_key(steps)
            # Reassigning the steps through the ORM re-keys the path.
            path.path_steps = [*steps, {"from_col": "x", "to_table": "y", "to_col": "z"}]
            await session.commit()
            assert path.path_key == join_path_key(path.path_steps)
        # A Core insert without a path_key gets it from the column default.
        async with engine.begin() as conn:
            core_id = uuid.uuid4()
            await conn.execute(
                sa.insert(JoinPath.__table__).values(
                    path_id=core_id, from_table_id=table_id, to_table_id=table_id,
                    path_steps=reordered, path_length=1,
                )
            )
            key = (await conn.execute(
                sa.select(JoinPath.__table__.c.path_key).where(JoinPath.__table__.c.path_id == core_id)
            )).scalar_one()
        assert key == join_path_key(steps)

    metadata_engine.run(body)


def test_temporal_intervals_are_seconds(metadata_engine: Any) -> None:
    from dataraum_context.temporal.db_models import TemporalProfile

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            targets = await _prerequisites(session)
        async with factory() as session:
            profile = TemporalProfile(
                column_id=targets["columns"][0],
                dominant_gap_seconds=timedelta(days=1).total_seconds(),
                largest_gap_seconds=timedelta(days=3, milliseconds=500).total_seconds(),
            )
            session.add(profile)
            await session.commit()
            pid = profile.temporal_id
        async with factory() as session:
            loaded = await session.get(TemporalProfile, pid)
            assert timedelta(seconds=loaded.dominant_gap_seconds) == timedelta(days=1)
            assert timedelta(seconds=loaded.largest_gap_seconds) == timedelta(days=3, milliseconds=500)

    metadata_engine.run(body)
