"""The LLM response cache in the metadata database (`llm_cache`).

A row is keyed by `cache_key(...)`: the SHA-256 of the provider, its endpoint, the
model, the prompt template (`name.vN`) and the canonical JSON of the brief exactly as
it is sent. Unchanged data therefore makes no LLM call on the next run; changed
data, another model or a new template version misses.

A row is used only while `is_valid` is true and `expires_at` (created + the
`llm_cache_ttl_seconds` setting; null: never) is in the future. `invalidate` marks
rows invalid by feature, source or key; `purge` deletes invalid and expired rows.

The store works with the async engine of `storage.engine.create_engine`, so SQLite
and PostgreSQL behave the same. Async methods (`aget`, `aput`, ...) run inside an
event loop; each keeps one engine per loop, released by `aclose()`. The sync methods
(`get`, `put`, `invalidate`, `purge`) are for code without a running loop (a worker
thread, the CLI): each runs its own short `asyncio.run` and disposes its engine.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dataraum_context.config import Settings
from dataraum_context.llm.db_models import LLMCache
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.engine import create_engine

T = TypeVar("T")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal inputs give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def cache_key(*, provider: str, endpoint: str, model: str, prompt: str, inputs: Any) -> str:
    """SHA-256 (hex) of everything that determines an answer."""
    material = {"provider": provider, "endpoint": endpoint, "model": model, "prompt": prompt, "inputs": inputs}
    return hashlib.sha256(canonical_json(material).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    response_json: Any
    input_tokens: int | None
    output_tokens: int | None
    created_at: datetime


class LLMCacheStore:
    """`llm_cache` rows of one metadata database (see the module docstring)."""

    def __init__(self, metadata_url: str, *, ttl_seconds: int | None = None, source_id: uuid.UUID | None = None):
        self.metadata_url = metadata_url
        self.ttl_seconds = ttl_seconds
        self.source_id = source_id  # written on new rows, so `invalidate(source_id=...)` finds them
        self._engines: dict[int, tuple[asyncio.AbstractEventLoop, AsyncEngine]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, source_id: uuid.UUID | None = None) -> LLMCacheStore:
        """The store of the run's metadata database, TTL from `llm_cache_ttl_seconds`."""
        return cls(settings.resolved_metadata_url, ttl_seconds=settings.llm_cache_ttl_seconds, source_id=source_id)

    # ------------------------------------------------------------------ engines

    def _engine(self) -> AsyncEngine:
        loop = asyncio.get_running_loop()
        entry = self._engines.get(id(loop))
        if entry is None or entry[0] is not loop:
            entry = (loop, create_engine(self.metadata_url))
            self._engines[id(loop)] = entry
        return entry[1]

    async def aclose(self) -> None:
        """Dispose this loop's engine."""
        entry = self._engines.pop(id(asyncio.get_running_loop()), None)
        if entry is not None:
            await entry[1].dispose()

    def _sync(self, work: Callable[[], Awaitable[T]]) -> T:
        async def run() -> T:
            try:
                return await work()
            finally:
                await self.aclose()

        return asyncio.run(run())

    # ------------------------------------------------------------------ async API

    async def aget(self, key: str) -> CachedResponse | None:
        """The valid, unexpired response stored under `key`, or None."""
        now = utcnow()
        query = sa.select(
            LLMCache.response_json, LLMCache.input_tokens, LLMCache.output_tokens, LLMCache.created_at
        ).where(
            LLMCache.cache_key == key,
            LLMCache.is_valid == sa.true(),
            sa.or_(LLMCache.expires_at.is_(None), LLMCache.expires_at > now),
        )
        async with self._engine().connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return CachedResponse(row.response_json, row.input_tokens, row.output_tokens, row.created_at)

    async def aput(
        self,
        key: str,
        response_json: Any,
        *,
        feature: str,
        provider: str,
        model: str,
        prompt_hash: str | None = None,
        ontology: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> None:
        """Store (or refresh) the response under `key`, valid until now + TTL."""
        now = utcnow()
        values = {
            "feature": feature,
            "source_id": self.source_id,
            "ontology": ontology,
            "provider": provider,
            "model": model,
            "prompt_hash": prompt_hash,
            "response_json": response_json,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "created_at": now,
            "expires_at": now + timedelta(seconds=self.ttl_seconds) if self.ttl_seconds else None,
            "is_valid": True,
        }
        engine = self._engine()
        async with engine.begin() as connection:
            updated = await connection.execute(sa.update(LLMCache).where(LLMCache.cache_key == key).values(**values))
            if updated.rowcount:
                return
        try:
            async with engine.begin() as connection:
                await connection.execute(sa.insert(LLMCache).values(cache_id=uuid.uuid4(), cache_key=key, **values))
        except IntegrityError:
            # Another writer stored the same key meanwhile: its answer is as good as ours.
            return

    async def ainvalidate(
        self, *, feature: str | None = None, source_id: uuid.UUID | None = None, key: str | None = None
    ) -> int:
        """Mark matching rows invalid (at least one filter required); returns how many."""
        conditions = []
        if feature is not None:
            conditions.append(LLMCache.feature == feature)
        if source_id is not None:
            conditions.append(LLMCache.source_id == source_id)
        if key is not None:
            conditions.append(LLMCache.cache_key == key)
        if not conditions:
            raise ValueError("invalidate needs a feature, a source_id or a key")
        statement = sa.update(LLMCache).where(*conditions, LLMCache.is_valid == sa.true()).values(is_valid=False)
        async with self._engine().begin() as connection:
            return (await connection.execute(statement)).rowcount or 0

    async def apurge(self) -> int:
        """Delete invalid and expired rows; returns how many."""
        statement = sa.delete(LLMCache).where(
            sa.or_(LLMCache.is_valid == sa.false(), LLMCache.expires_at <= utcnow())
        )
        async with self._engine().begin() as connection:
            return (await connection.execute(statement)).rowcount or 0

    # ------------------------------------------------------------------ sync API

    def get(self, key: str) -> CachedResponse | None:
        return self._sync(lambda: self.aget(key))

    def put(self, key: str, response_json: Any, **fields: Any) -> None:
        self._sync(lambda: self.aput(key, response_json, **fields))

    def invalidate(
        self, *, feature: str | None = None, source_id: uuid.UUID | None = None, key: str | None = None
    ) -> int:
        return self._sync(lambda: self.ainvalidate(feature=feature, source_id=source_id, key=key))

    def purge(self) -> int:
        return self._sync(self.apurge)
