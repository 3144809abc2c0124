"""Async engines and sessions for the metadata store (SQLite or PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from dataraum_context.errors import MetadataStoreError, UserError

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def mask_password(url: str) -> str:
    """Hide a password in URL text that may not even parse."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def parse_url(url: str, what: str = "metadata URL", error: type[UserError] = MetadataStoreError) -> sa.URL:
    """Parse a URL; a malformed one is `error` with one line that names the problem."""
    try:
        return make_url(url)
    except ArgumentError:
        raise error(f"bad {what} {mask_password(url)!r}: not a URL (scheme://user@host:port/database)") from None
    except ValueError:
        raise error(f"bad {what} {mask_password(url)!r}: the port is not a number") from None


def normalize_url(url: str) -> sa.URL:
    """Parse a metadata URL; plain `sqlite://` / `postgresql://` get their async driver."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise MetadataStoreError(
            f"unsupported metadata backend {backend!r}: use sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    driver = parsed.get_driver_name()
    if backend == "sqlite" and driver != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql" and driver != "asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


def redact_url(url: str | sa.URL) -> str:
    """The URL with its password hidden, for messages."""
    try:
        parsed = url if isinstance(url, sa.URL) else make_url(url)
    except (ArgumentError, ValueError):
        return mask_password(str(url))
    return parsed.render_as_string(hide_password=True)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys on, WAL and a busy timeout."""
    parsed = normalize_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["connect_args"] = {"timeout": 10}
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":

        @sa.event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
