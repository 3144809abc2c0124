"""The three spec views return the same rows on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from dataraum_context.profiling.db_models import ColumnProfile
from dataraum_context.quality.db_models import QualityScore
from dataraum_context.semantic.db_models import SemanticAnnotation
from dataraum_context.storage import views
from dataraum_context.storage.core import Column, Source, Table
from dataraum_context.storage.engine import session_factory
from dataraum_context.temporal.db_models import TemporalProfile
from dataraum_context.topology.db_models import Relationship
from dataraum_context.type_resolution.db_models import TypeCandidate

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


async def _tables(session: Any) -> dict[str, Any]:
    source = Source(name="shop", source_type="csv")
    orders = Table(source=source, table_name="orders", layer="raw")
    customers = Table(source=source, table_name="customers", layer="raw")
    cols = {
        "amount": Column(table=orders, column_name="amount", column_position=0, resolved_type="DECIMAL(12,2)"),
        "customer_id": Column(table=orders, column_name="customer_id", column_position=1, resolved_type="BIGINT"),
        "ordered_at": Column(table=orders, column_name="ordered_at", column_position=2, resolved_type="DATE"),
        "id": Column(table=customers, column_name="id", column_position=0, resolved_type="BIGINT"),
    }
    session.add_all([source, orders, customers, *cols.values()])
    await session.flush()
    return {"source": source, "orders": orders, "customers": customers, **cols}


def test_view_names(metadata_engine: Any) -> None:
    assert views.VIEW_NAMES == ("v_latest_profiles", "v_column_metadata", "v_relationship_graph")

    async def body(engine: Any) -> None:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_view_names())
        assert set(views.VIEW_NAMES) <= set(names)

    metadata_engine.run(body)


def test_latest_profiles_picks_the_newest_per_column(metadata_engine: Any) -> None:
    low, high = uuid.UUID(int=1), uuid.UUID(int=2**127)

    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            t = await _tables(session)
            amount, customer = t["amount"].column_id, t["customer_id"].column_id
            session.add_all([
                # Inserted out of time order; the newest is the middle insert.
                ColumnProfile(column_id=amount, profiled_at=T0, total_count=10, null_count=0),
                ColumnProfile(column_id=amount, profiled_at=T0 + timedelta(days=2), total_count=30,
                              null_count=3, percentiles={"p50": 1.5}, top_values=[{"value": "ä", "count": 2}]),
                ColumnProfile(column_id=amount, profiled_at=T0 + timedelta(days=1), total_count=20, null_count=2),
                # A tie on profiled_at goes to the highest profile_id, on both backends.
                ColumnProfile(profile_id=high, column_id=customer, profiled_at=T0, total_count=7, null_count=0),
                ColumnProfile(profile_id=low, column_id=customer, profiled_at=T0, total_count=5, null_count=0),
            ])
            await session.commit()
            rows = (await session.execute(
                sa.select(views.v_latest_profiles).order_by(views.v_latest_profiles.c.total_count)
            )).all()
        assert [(r.column_id, r.total_count) for r in rows] == [(customer, 7), (amount, 30)]
        latest = rows[1]
        assert latest.profiled_at == T0 + timedelta(days=2) and latest.profiled_at.tzinfo is not None
        assert latest.percentiles == {"p50": 1.5}
        assert latest.top_values == [{"value": "ä", "count": 2}]
        assert rows[0].profile_id == high
        assert [c.name for c in views.v_latest_profiles.columns] == [c.name for c in ColumnProfile.__table__.columns]

    metadata_engine.run(body)


def test_column_metadata_has_one_row_per_column(metadata_engine: Any) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            t = await _tables(session)
            amount, ordered_at = t["amount"].column_id, t["ordered_at"].column_id
            customer = t["customer_id"].column_id
            session.add_all([
                ColumnProfile(column_id=amount, profiled_at=T0, total_count=10, null_count=5,
                              null_ratio=0.5, cardinality_ratio=0.1),
                ColumnProfile(column_id=amount, profiled_at=T0 + timedelta(hours=1), total_count=12,
                              null_count=3, null_ratio=0.25, cardinality_ratio=0.75),
                # Several candidates: the most confident wins.
                TypeCandidate(column_id=amount, data_type="VARCHAR", confidence=0.2, detected_pattern="text"),
                TypeCandidate(column_id=amount, data_type="DECIMAL(12,2)", confidence=0.9,
                              detected_pattern="money", detected_unit="EUR"),
                TypeCandidate(column_id=amount, data_type="DOUBLE", confidence=0.6, detected_pattern="number"),
                # Equal confidence: the newest wins.
                TypeCandidate(column_id=customer, data_type="BIGINT", confidence=0.8, detected_pattern="old",
                              detected_at=T0),
                TypeCandidate(column_id=customer, data_type="BIGINT", confidence=0.8, detected_pattern="new",
                              detected_at=T0 + timedelta(minutes=1)),
                SemanticAnnotation(column_id=amount, semantic_role="measure", entity_type="order",
                                   business_name="Order amount"),
                TemporalProfile(column_id=ordered_at, detected_granularity="day"),
                # Several column scores: the latest wins; table-level scores are not column scores.
                QualityScore(column_id=amount, overall_score=0.4, computed_at=T0),
                QualityScore(column_id=amount, table_id=t["orders"].table_id, overall_score=0.8,
                             computed_at=T0 + timedelta(days=1)),
                QualityScore(table_id=t["orders"].table_id, overall_score=0.1, computed_at=T0 + timedelta(days=9)),
            ])
            await session.commit()
            rows = (await session.execute(sa.select(views.v_column_metadata))).all()

        by_name = {(r.table_name, r.column_name): r for r in rows}
        assert len(rows) == 4 and len(by_name) == 4
        a = by_name[("orders", "amount")]
        assert a.column_id == amount and isinstance(a.column_id, uuid.UUID)
        assert a.resolved_type == "DECIMAL(12,2)"
        assert a.source_name == "shop"
        assert (a.total_count, a.null_ratio, a.cardinality_ratio) == (12, 0.25, 0.75)
        assert (a.detected_pattern, a.detected_unit) == ("money", "EUR")
        assert (a.semantic_role, a.entity_type, a.business_name) == ("measure", "order", "Order amount")
        assert a.detected_granularity is None
        assert a.quality_score == 0.8
        assert by_name[("orders", "customer_id")].detected_pattern == "new"
        assert by_name[("orders", "ordered_at")].detected_granularity == "day"
        bare = by_name[("customers", "id")]
        assert bare.resolved_type == "BIGINT"
        assert (bare.total_count, bare.detected_pattern, bare.semantic_role, bare.quality_score) == (
            None, None, None, None,
        )

    metadata_engine.run(body)


def test_relationship_graph_names_both_ends(metadata_engine: Any) -> None:
    async def body(engine: Any) -> None:
        factory = session_factory(engine)
        async with factory() as session:
            t = await _tables(session)
            rel = Relationship(
                from_table_id=t["orders"].table_id, from_column_id=t["customer_id"].column_id,
                to_table_id=t["customers"].table_id, to_column_id=t["id"].column_id,
                relationship_type="foreign_key", cardinality="n:1", confidence=0.97, is_confirmed=True,
            )
            session.add(rel)
            await session.commit()
            rows = (await session.execute(sa.select(views.v_relationship_graph))).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.relationship_id == rel.relationship_id
        assert (row.from_table, row.from_column, row.to_table, row.to_column) == (
            "orders", "customer_id", "customers", "id",
        )
        assert (row.relationship_type, row.cardinality, row.confidence) == ("foreign_key", "n:1", 0.97)
        assert row.is_confirmed is True

    metadata_engine.run(body)
