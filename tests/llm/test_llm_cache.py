"""The llm_cache: a second run on unchanged data makes no request; expiry; invalidation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from llm_fakes import KEYS, FakeAPI, briefs, make_settings, mock_provider, orders_brief

from dataraum_context.llm import FEATURE, LLMCacheStore, annotate_tables
from dataraum_context.llm.db_models import LLMCache
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.engine import create_engine
from dataraum_context.pipeline.stages import init_store


def _run(settings, api, policy, items, cache):
    return annotate_tables(items, settings, cache=cache, provider=mock_provider(settings, api), retry=policy)


def _rows(url: str) -> list[LLMCache]:
    async def go() -> list[LLMCache]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(sa.select(LLMCache))).all())
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _execute(url: str, statement: sa.Executable) -> None:
    async def go() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(statement)
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_second_run_on_unchanged_data_makes_no_request(settings, api, policy, cache_store, metadata_url,
                                                         provider_name):
    first, report1 = _run(settings, api, policy, briefs(3), cache_store)
    assert len(api.requests) == 3 and report1.cache_hits == 0

    second, report2 = _run(settings, api, policy, briefs(3), cache_store)
    assert len(api.requests) == 3  # not one more request
    assert report2.calls == 0 and report2.cache_hits == 3
    assert (report2.input_tokens, report2.output_tokens, report2.cost_usd) == (0, 0, 0.0)
    assert second == first

    rows = _rows(metadata_url)
    assert len(rows) == 3
    row = rows[0]
    assert row.feature == FEATURE and row.provider == provider_name and row.is_valid
    assert row.model == {"anthropic": "claude-sonnet-4-6", "openai": "gpt-4o"}[provider_name]
    assert (row.input_tokens, row.output_tokens) == (1200, 300)
    assert row.ontology == "retail" and len(row.prompt_hash) == 64
    assert row.expires_at is not None
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
    assert KEYS[provider_name] not in str(rows)


def test_changed_data_model_or_privacy_setting_misses(tmp_path, settings, api, policy, cache_store, provider_name):
    _run(settings, api, policy, [orders_brief()], cache_store)
    assert len(api.requests) == 1

    changed = orders_brief()
    changed.columns[2].distinct_count = 871
    _run(settings, api, policy, [changed], cache_store)
    assert len(api.requests) == 2

    # A sample beyond the 5 that are sent does not change what is sent: still a hit.
    more = orders_brief()
    more.columns[0].sample_values.append("9999")
    _, report = _run(settings, api, policy, [more], cache_store)
    assert len(api.requests) == 2 and report.cache_hits == 1

    other_model = make_settings(tmp_path, provider_name, llm_model="some-other-model")
    _run(other_model, api, policy, [orders_brief()], cache_store)
    assert len(api.requests) == 3 and api.bodies[-1]["model"] == "some-other-model"

    with_pii = make_settings(tmp_path, provider_name, llm_allow_pii_samples=True)
    _run(with_pii, api, policy, [orders_brief()], cache_store)
    assert len(api.requests) == 4


def test_invalidated_rows_are_ignored(settings, api, policy, cache_store):
    _run(settings, api, policy, briefs(2), cache_store)
    assert cache_store.invalidate(feature="quality_rules") == 0
    assert cache_store.invalidate(feature=FEATURE) == 2
    _, report = _run(settings, api, policy, briefs(2), cache_store)
    assert len(api.requests) == 4 and report.cache_hits == 0
    # the fresh answers made the rows valid again
    _, report = _run(settings, api, policy, briefs(2), cache_store)
    assert len(api.requests) == 4 and report.cache_hits == 2


def test_invalidate_by_source(settings, api, policy, metadata_url):
    import uuid

    async def add_source() -> uuid.UUID:
        from dataraum_context.storage.core import Source

        engine = create_engine(metadata_url)
        try:
            async with engine.begin() as connection:
                source_id = uuid.uuid4()
                await connection.execute(sa.insert(Source).values(source_id=source_id, name="demo",
                                                                   source_type="csv"))
                return source_id
        finally:
            await engine.dispose()

    source_id = asyncio.run(add_source())
    store = LLMCacheStore(metadata_url, ttl_seconds=None, source_id=source_id)
    _run(settings, api, policy, briefs(2), store)
    rows = _rows(metadata_url)
    assert {r.source_id for r in rows} == {source_id} and {r.expires_at for r in rows} == {None}
    assert store.invalidate(source_id=uuid.uuid4()) == 0
    assert store.invalidate(source_id=source_id) == 2
    with pytest.raises(ValueError):
        store.invalidate()


def test_expired_rows_are_ignored_and_purged(settings, api, policy, cache_store, metadata_url):
    _run(settings, api, policy, briefs(2), cache_store)
    _execute(metadata_url, sa.update(LLMCache).where(LLMCache.cache_key == _rows(metadata_url)[0].cache_key)
             .values(expires_at=utcnow() - timedelta(seconds=1)))
    _, report = _run(settings, api, policy, briefs(2), cache_store)
    assert report.cache_hits == 1 and len(api.requests) == 3
    assert len(_rows(metadata_url)) == 2  # the expired row was refreshed, not duplicated

    _execute(metadata_url, sa.update(LLMCache).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert cache_store.purge() == 2
    assert _rows(metadata_url) == []


def test_a_cached_answer_that_no_longer_validates_is_asked_again(settings, api, policy, cache_store, metadata_url):
    _run(settings, api, policy, [orders_brief()], cache_store)
    _execute(metadata_url, sa.update(LLMCache).values(response_json={"table_name": "orders"}))
    results, report = _run(settings, api, policy, [orders_brief()], cache_store)
    assert results["orders"] is not None and report.cache_hits == 0 and len(api.requests) == 2


def test_failed_tables_are_not_cached(settings, api, dialect, policy, cache_store, metadata_url):
    api.default = lambda request, body: dialect.text_only("no idea")
    _run(settings, api, policy, [orders_brief()], cache_store)
    assert _rows(metadata_url) == []


def test_sync_api_from_a_plain_thread(cache_store):
    import threading

    out: dict[str, object] = {}

    def work() -> None:
        cache_store.put("k1", {"a": 1}, feature=FEATURE, provider="openai", model="gpt-4o",
                        input_tokens=5, output_tokens=7)
        cache_store.put("k1", {"a": 2}, feature=FEATURE, provider="openai", model="gpt-4o")  # refresh, no dup
        out["hit"] = cache_store.get("k1")
        out["miss"] = cache_store.get("k2")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert out["hit"].response_json == {"a": 2} and out["miss"] is None


@pytest.mark.postgres
def test_cache_round_trip_on_postgresql(pg_url, provider_name, tmp_path, policy):
    async def init() -> None:
        engine = create_engine(pg_url)
        try:
            await init_store(engine)
        finally:
            await engine.dispose()

    asyncio.run(init())
    from llm_fakes import DIALECTS

    settings = make_settings(tmp_path, provider_name, metadata_url=pg_url)
    store = LLMCacheStore.from_settings(settings)
    api = FakeAPI(DIALECTS[provider_name])
    first, _ = _run(settings, api, policy, briefs(3), store)
    second, report = _run(settings, api, policy, briefs(3), store)
    assert len(api.requests) == 3 and report.cache_hits == 3 and second == first
    assert store.invalidate(feature=FEATURE) == 3
