"""Fixtures of the LLM tests: fake servers per provider, settings, a metadata database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_fakes import DIALECTS, KEYS, PROVIDERS, Dialect, FakeAPI, Waits, make_settings

from dataraum_context.config import Settings
from dataraum_context.llm import LLMCacheStore, RetryPolicy
from dataraum_context.storage.engine import create_engine
from dataraum_context.pipeline.stages import init_store


@pytest.fixture(autouse=True)
def _clean_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real key, base URL or DATARAUM_ setting leaks in from the environment."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY",
                 "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("DATARAUM_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=PROVIDERS)
def provider_name(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test using it runs once per provider, with that provider's key set."""
    name: str = request.param
    monkeypatch.setenv("ANTHROPIC_API_KEY" if name == "anthropic" else "OPENAI_API_KEY", KEYS[name])
    return name


@pytest.fixture
def dialect(provider_name: str) -> Dialect:
    return DIALECTS[provider_name]


@pytest.fixture
def api(dialect: Dialect) -> FakeAPI:
    return FakeAPI(dialect)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def policy(waits: Waits) -> RetryPolicy:
    """Production policy shape with instant, recorded waits."""
    return RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0, give_up_after=3, sleep=waits.sleep)


@pytest.fixture
def settings(tmp_path: Path, provider_name: str) -> Settings:
    return make_settings(tmp_path, provider_name)


@pytest.fixture
def metadata_url(tmp_path: Path) -> str:
    """A fresh SQLite metadata database with the full schema."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'metadata.db'}"

    async def init() -> None:
        engine = create_engine(url)
        try:
            await init_store(engine)
        finally:
            await engine.dispose()

    asyncio.run(init())
    return url


@pytest.fixture
def cache_store(metadata_url: str) -> Iterator[LLMCacheStore]:
    yield LLMCacheStore(metadata_url, ttl_seconds=3600)
