"""Fixtures for the human-in-the-loop tests: a review-worthy file and a metadata backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CliResult, run_cli


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Environment for `dataraum` with the metadata on SQLite or on a fresh PostgreSQL database."""
    env = {"DATARAUM_WORKSPACE": str(tmp_path / "ws")}
    if request.param == "postgres":
        env["DATARAUM_METADATA_URL"] = request.getfixturevalue("pg_url")
    return env


@pytest.fixture
def dr(tmp_path: Path, backend_env: dict[str, str]):
    """`dr(*args)` runs dataraum on the chosen backend, from tmp_path."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> CliResult:
        return run_cli(*args, cwd=tmp_path, env={**backend_env, **(env or {})})

    invoke.env = backend_env  # type: ignore[attr-defined]
    return invoke


@pytest.fixture
def other_metadata_url(request: pytest.FixtureRequest, backend_env: dict[str, str]):
    """`other_metadata_url()` gives another empty metadata store on the same backend
    (None on SQLite, where the workspace's own file is used)."""

    def make() -> str | None:
        if "DATARAUM_METADATA_URL" not in backend_env:
            return None
        return request.getfixturevalue("pg_databases").create()

    return make
