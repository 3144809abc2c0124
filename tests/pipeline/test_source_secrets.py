"""Resume reaches a password-protected database source without storing the password.

The test server trusts local connections, so a wrong password would not fail here:
the tests check what is stored (never the password), what resume says when it cannot
find the secret, and that the URL handed to the reader carries the password again.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from dataraum_context.config import load_settings
from dataraum_context.pipeline import runner
from dataraum_context.pipeline.source_secrets import resume_paths
from dataraum_context.errors import UserError
from helpers import DEMO_DATA, metadata_rows

PASSWORD = "s3cr@t/pw"  # needs URL quoting
QUOTED = "s3cr%40t%2Fpw"


def _admin(url: str, *statements: str) -> None:
    import asyncpg

    async def go() -> None:
        con = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
        try:
            for sql in statements:
                await con.execute(sql)
        finally:
            await con.close()

    asyncio.run(go())


@pytest.fixture
def protected_source(pg_databases: Any) -> tuple[str, str]:
    """(URL without password part `user@host:port/db`, role name) of a database a
    password role may read: one table whose types need review."""
    url = pg_databases.create()
    role = f"dr_secret_{uuid.uuid4().hex[:8]}"
    rows = []
    for i in range(1, 201):
        code = f"x{i}" if i % 20 < 3 else str(100 + i)
        amount = "oops" if i % 50 == 0 else f"{i * 1.25:.2f}"
        rows.append(f"({i}, '{code}', '{amount}')")
    _admin(
        url,
        f"CREATE ROLE {role} LOGIN PASSWORD 'unused-the-server-trusts'",
        "CREATE TABLE rev (id integer, code text, amount text)",
        f"INSERT INTO rev VALUES {', '.join(rows)}",
        f"GRANT SELECT ON rev TO {role}",
    )
    host_db = url.split("@", 1)[1]
    yield f"{role}@{host_db}", role
    _admin(url, f"DROP OWNED BY {role}", f"DROP ROLE IF EXISTS {role}")


def _stored_text(env: dict[str, str]) -> str:
    parts = []
    for table in ("runs", "checkpoints", "node_results", "sources", "node_executions"):
        parts.append(json.dumps(metadata_rows(env, f"SELECT * FROM {table}"), default=str))
    return "\n".join(parts)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.postgres
def test_password_from_an_environment_variable(tmp_path: Path, cli, protected_source) -> None:
    where, role = protected_source
    url = f"postgresql://{role}:${{DR_TEST_PW}}@{where.split('@', 1)[1]}"
    env = {"DR_TEST_PW": PASSWORD}
    first = cli("run", url, "--json", env=env)
    assert first.returncode == 3, first.stderr
    store = {"DATARAUM_WORKSPACE": str(cli.workspace)}
    stored = _stored_text(store)
    assert PASSWORD not in stored and QUOTED not in stored and "${DR_TEST_PW}" in stored
    assert cli("review", "approve", "--all").returncode == 0
    missing = cli("resume")
    assert missing.returncode == 2
    line = _one_line(missing.stderr)
    assert "DR_TEST_PW" in line and "not set" in line
    resumed = cli("resume", "--json", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    assert PASSWORD not in _stored_text(store)


@pytest.mark.postgres
def test_password_given_on_the_command_line(tmp_path: Path, cli, protected_source, monkeypatch) -> None:
    where, role = protected_source
    url = f"postgresql://{role}:{QUOTED}@{where.split('@', 1)[1]}"
    first = cli("run", url, "--json")
    assert first.returncode == 3, first.stderr
    store = {"DATARAUM_WORKSPACE": str(cli.workspace)}
    assert PASSWORD not in _stored_text(store) and QUOTED not in _stored_text(store)
    assert cli("review", "approve", "--all").returncode == 0
    refused = cli("resume")
    assert refused.returncode == 2
    assert "--source-url" in _one_line(refused.stderr) and QUOTED not in refused.stderr
    other = cli("resume", "--source-url", "postgresql://nobody:x@elsewhere:5432/db")
    assert other.returncode == 2 and "not a source" in _one_line(other.stderr)

    # The URL handed to the reader carries the password again.
    seen: list[list[str]] = []

    async def spy(self: Any, paths: list[str], **kwargs: Any) -> Any:
        seen.append(list(paths))
        return runner.RunOutcome(self.run_id, "failed", UserError("spy"), {})

    monkeypatch.setattr(runner._Executor, "guarded", spy)
    settings = load_settings(workspace=cli.workspace)
    asyncio.run(runner.resume_run(settings, source_urls=[url]))
    assert seen == [[url]]


def test_resume_paths_finds_each_secret(monkeypatch) -> None:
    run = "r1"
    stored = ["/data/a.csv", "postgresql://u:${PGPW}@h:5432/db", "postgresql://v:***@h:5432/db2", "postgresql://w@h/db3"]
    origins = [None, "env:PGPW", "command-line", "driver"]
    monkeypatch.delenv("PGPW", raising=False)
    with pytest.raises(UserError, match="PGPW, which is not set"):
        resume_paths(run, stored, origins, [])
    monkeypatch.setenv("PGPW", "p@ss")
    with pytest.raises(UserError, match="--source-url 'postgresql://v:PASSWORD@h:5432/db2'"):
        resume_paths(run, stored, origins, [])
    paths = resume_paths(run, stored, origins, ["postgresql://v:given@h:5432/db2"])
    assert paths == ["/data/a.csv", "postgresql://u:p%40ss@h:5432/db", "postgresql://v:given@h:5432/db2", "postgresql://w@h/db3"]


@pytest.mark.postgres
def test_metadata_password_named_in_the_config_file(tmp_path: Path, cli, pg_url: str) -> None:
    # The config file names the variable that holds the metadata store's password; the
    # file never holds the secret, and a missing variable is one clear line before any work.
    user_host_db = pg_url.split("://", 1)[1].split("@", 1)[1]
    config = tmp_path / "dataraum.yaml"
    config.write_text(f"metadata_url: postgresql+asyncpg://postgres:${{DR_META_PW}}@{user_host_db}\n")
    missing = cli("run", str(DEMO_DATA), "--review", "auto", "--config", str(config))
    assert missing.returncode == 2
    line = _one_line(missing.stderr)
    assert "DR_META_PW" in line and "not set" in line
    done = cli("run", str(DEMO_DATA), "--review", "auto", "--config", str(config), "--json",
               env={"DR_META_PW": PASSWORD})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "completed"
    assert PASSWORD not in done.stdout and QUOTED not in done.stdout
