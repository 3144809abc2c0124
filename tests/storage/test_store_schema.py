"""init_schema: idempotent, version-checked, creates the spec's indexes and views."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from dataraum_context.errors import MetadataStoreError
from dataraum_context.storage import views
from dataraum_context.storage.base import Base
from dataraum_context.storage.core import SCHEMA_VERSION, SchemaVersion, Source
from dataraum_context.storage.engine import session_factory
from dataraum_context.pipeline.stages import init_store

SPEC_INDEXES = {
    "columns": {"idx_columns_table"},
    "column_profiles": {"idx_column_profiles_latest"},
    "type_candidates": {"idx_type_candidates_column"},
    "relationships": {"idx_relationships_from", "idx_relationships_to"},
    "quality_rules": {"idx_quality_rules_table", "idx_quality_rules_column"},
    "checkpoints": {"idx_checkpoints_status"},
    "review_queue": {"idx_review_queue_status"},
    "llm_cache": {"idx_llm_cache_key", "idx_llm_cache_feature"},
}
PARTIAL_INDEXES = {"idx_llm_cache_feature": "is_valid", "idx_review_queue_status": "pending"}


def test_init_schema_twice_keeps_data_and_one_version_row(metadata_engine: Any) -> None:
    async def body(engine: Any) -> None:
        await init_store(engine)  # second time on this engine (MetadataDB.run did the first)
        async with session_factory(engine)() as session:
            session.add(Source(name="kept", source_type="csv"))
            await session.commit()
        await init_store(engine)
        async with engine.connect() as conn:
            versions = (await conn.execute(sa.select(SchemaVersion.version))).scalars().all()
            names = (await conn.execute(sa.select(Source.name))).scalars().all()
            tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
            view_names = await conn.run_sync(lambda c: set(sa.inspect(c).get_view_names()))
            # The views still work after being re-created.
            await conn.execute(sa.select(views.v_column_metadata))
        assert versions == [SCHEMA_VERSION]
        assert names == ["kept"]
        assert set(Base.metadata.tables) <= tables
        assert not (set(views.VIEW_NAMES) & tables)
        assert set(views.VIEW_NAMES) <= view_names

    metadata_engine.run(body)
    metadata_engine.run(init_store)  # and once more from a new engine


def test_spec_indexes_exist(metadata_engine: Any) -> None:
    async def body(engine: Any) -> None:
        async with engine.connect() as conn:
            found = await conn.run_sync(
                lambda c: {t: {i["name"]: i for i in sa.inspect(c).get_indexes(t)} for t in SPEC_INDEXES}
            )
            if metadata_engine.backend == "sqlite":
                sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name = :n"
            else:
                sql = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = :n"
            definitions = {
                name: (await conn.execute(sa.text(sql), {"n": name})).one()[1] for name in PARTIAL_INDEXES
            }
        for table, names in SPEC_INDEXES.items():
            assert names <= set(found[table]), f"{table}: missing {names - set(found[table])}"
        assert found["llm_cache"]["idx_llm_cache_key"]["unique"]
        for name, needle in PARTIAL_INDEXES.items():
            assert "WHERE" in definitions[name].upper() and needle in definitions[name], definitions[name]

    metadata_engine.run(body)


@pytest.mark.parametrize(("stored", "word"), [(SCHEMA_VERSION + 98, "newer"), (SCHEMA_VERSION - 1, "older")])
def test_other_schema_version_is_refused(metadata_engine: Any, stored: int, word: str) -> None:
    async def body(engine: Any) -> None:
        async with engine.begin() as conn:
            await conn.execute(sa.update(SchemaVersion).values(version=stored))
        with pytest.raises(MetadataStoreError) as info:
            await init_store(engine)
        message = str(info.value)
        assert f"schema version {stored}" in message
        assert word in message
        assert f"needs version {SCHEMA_VERSION}" in message
        assert "\n" not in message

    metadata_engine.run(body)
