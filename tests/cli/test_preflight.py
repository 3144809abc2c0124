"""Preflight: a bad option is found before stage 1, in one line (exit 2), and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import metadata_rows, run_cli

from test_bad_input import assert_clean_error


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").write_text("x,y\n1,a\n2,b\n")
    (tmp_path / "bad_rules.yaml").write_text("rules:\n  - table: a\n    nonsense: 1\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "noreturn.py").write_text("def my_node(typed_tables):\n    return 1\n")
    (tmp_path / "bad_ontology.yaml").write_text("name: x\nconcepts: 3\n")
    return tmp_path


CASES = [
    (["--ontology", "nosuch"], "nosuch"),
    (["--ontology", "missing.yaml"], "missing.yaml"),
    (["--ontology", "bad_ontology.yaml"], "bad_ontology.yaml"),
    (["--llm", "nosuch"], "nosuch"),
    (["--llm", "anthropic"], "ANTHROPIC_API_KEY"),
    (["--llm", "openai"], "OPENAI_API_KEY"),
    (["--rules", "bad_rules.yaml"], "bad_rules.yaml"),
    (["--rules", "missing_rules.yaml"], "missing_rules.yaml"),
    (["--module", "broken.py"], "broken.py"),
    (["--module", "noreturn.py"], "noreturn.py"),
    (["--module", "missing.py"], "missing.py"),
    (["--metadata-url", "postgresql+asyncpg://u:s3cret@127.0.0.1:notaport/db"], "port"),
]


@pytest.mark.parametrize(("options", "needle"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_option_exits_2_and_writes_nothing(data: Path, cli, options: list[str], needle: str) -> None:
    result = cli("run", "a.csv", *options)
    assert_clean_error(result, needle)
    assert "s3cret" not in result.stderr
    assert not cli.workspace.exists(), sorted(p.name for p in cli.workspace.iterdir())


@pytest.mark.parametrize(
    "path",
    ["nope.csv", "missing_folder", "postgresql://someone:s3cret@127.0.0.1:port/db"],
)
def test_bad_source_path_exits_2_and_writes_nothing(data: Path, cli, path: str) -> None:
    result = cli("run", "a.csv", path)
    assert_clean_error(result, path.split("://")[0] if "://" not in path else "port")
    assert "s3cret" not in result.stderr
    assert not cli.workspace.exists()


def test_bad_option_leaves_an_existing_workspace_untouched(data: Path, cli) -> None:
    assert cli("run", "a.csv").returncode == 0
    before = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in cli.workspace.rglob("*"))
    assert_clean_error(cli("run", "a.csv", "--ontology", "nosuch"), "nosuch")
    after = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in cli.workspace.rglob("*"))
    assert before == after
    runs = json.loads(cli("status", "--json").stdout)["runs"]
    assert [r["status"] for r in runs] == ["completed"]


@pytest.mark.postgres
def test_bad_option_writes_no_run_row_on_postgres(data: Path, pg_url: str) -> None:
    env = {"DATARAUM_WORKSPACE": str(data / "ws"), "DATARAUM_METADATA_URL": pg_url}
    result = run_cli("run", "a.csv", "--llm", "openai", cwd=data, env=env)
    assert_clean_error(result, "OPENAI_API_KEY")
    tables = metadata_rows(env, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    assert tables == []


def test_paths_are_stored_absolute(data: Path, cli) -> None:
    (data / "rules.yaml").write_text("rules: []\n")
    assert cli("run", "a.csv", "--rules", "rules.yaml").returncode == 0
    [run] = json.loads(cli("status", "--json").stdout)["runs"]
    assert run["paths"] == [str((data / "a.csv").resolve())]
    options = metadata_rows({"DATARAUM_WORKSPACE": str(cli.workspace)}, "SELECT options FROM runs")[0][0]
    options = json.loads(options) if isinstance(options, str) else options
    assert options["rules_file"] == str((data / "rules.yaml").resolve())
