"""Scheduled runs: unchanged sources are not recomputed, a changed file re-runs only its
table's per-table work, and two runs on one workspace never collide."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from helpers import DEMO_DATA, ForkedCli, run_cli, write_review_file

PER_TABLE_STAGES = ("staging", "profiling", "type_resolution")


def _run(tmp_path: Path, data: Path, workspace: Path) -> dict:
    result = run_cli("run", str(data), "--review", "defer", "--json", cwd=tmp_path,
                     env={"DATARAUM_WORKSPACE": str(workspace)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _nodes(tmp_path: Path, workspace: Path, run_id: str) -> list[dict]:
    status = run_cli("status", run_id, "--json", cwd=tmp_path, env={"DATARAUM_WORKSPACE": str(workspace)})
    return json.loads(status.stdout)["nodes"]


def test_unchanged_rerun_is_cheap_and_a_changed_file_reruns_only_its_table(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    # A larger table, so that the first run's work outweighs the fixed cost of any run.
    write_review_file(data / "readings.csv", 200_000)
    workspace = tmp_path / "ws"
    first = _run(tmp_path, data, workspace)
    second = _run(tmp_path, data, workspace)
    assert second["tables_changed"] == []
    # Cheap by what it did, not by the clock (a busy machine makes any time ratio flaky):
    # no per-table node was computed again.
    nodes = _nodes(tmp_path, workspace, second["run_id"])
    profiling = [n for n in nodes if n["stage"] == "profiling"]
    assert profiling and all(n["status"] == "cached" for n in profiling), profiling
    recomputed = [n["node"] for n in nodes if "[" in n["node"] and n["status"] != "cached"]
    assert recomputed == [], recomputed

    with (data / "customers.csv").open("a", encoding="utf-8") as fh:
        fh.write("C0999,Late Joiner,late@example.com,DE,01099,2024-12-31,yes\n")
    third = _run(tmp_path, data, workspace)
    assert third["tables_changed"] == ["customers"]
    per_table = [n for n in _nodes(tmp_path, workspace, third["run_id"]) if "[" in n["node"]]
    assert per_table
    reran = {n["node"] for n in per_table if n["status"] == "success"}
    assert reran and all(name.endswith("[customers]") for name in reran), reran
    for stage in PER_TABLE_STAGES:
        assert any(n["stage"] == stage and n["node"].endswith("[customers]") and n["status"] == "success" for n in per_table)
    assert any(n["node"] == "table_profiles[orders]" and n["status"] == "cached" for n in per_table)
    doc = json.loads(run_cli("context", cwd=tmp_path, env={"DATARAUM_WORKSPACE": str(workspace)}).stdout)
    assert {t["name"]: t["row_count"] for t in doc["tables"]}["customers"] == 201


def test_two_runs_on_one_workspace_both_finish(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")} | {"DATARAUM_WORKSPACE": str(workspace)}
    # Two processes of their own at once, forked from this warm one (no interpreter start each).
    procs = [ForkedCli(["run", str(DEMO_DATA), "--review", "defer", "--json"], tmp_path, env) for _ in range(2)]
    results = [proc.wait(timeout=3600) for proc in procs]  # only against a hang
    assert [r.returncode for r in results] == [0, 0], results
    assert [json.loads(r.stdout)["status"] for r in results] == ["completed", "completed"]
    history = json.loads(run_cli("status", "--json", cwd=tmp_path, env={"DATARAUM_WORKSPACE": str(workspace)}).stdout)
    assert [r["status"] for r in history["runs"]] == ["completed", "completed"]
    doc = json.loads(run_cli("context", cwd=tmp_path, env={"DATARAUM_WORKSPACE": str(workspace)}).stdout)
    assert len(doc["tables"]) == 5 and doc["run"]["status"] == "completed"


def test_a_busy_workspace_gives_a_clear_message_after_the_wait(tmp_path: Path) -> None:
    from filelock import FileLock

    workspace = tmp_path / "ws"
    workspace.mkdir()
    with FileLock(workspace / ".lock", thread_local=False):
        result = run_cli("run", str(DEMO_DATA), cwd=tmp_path,
                         env={"DATARAUM_WORKSPACE": str(workspace), "DATARAUM_LOCK_TIMEOUT_SECONDS": "1"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # A progress line while waiting, then the error.
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert lines[0].startswith("waiting for workspace") and "busy" in lines[1]


def test_reused_type_results_keep_their_parse(tmp_path: Path) -> None:
    """Regression: memoised candidates came back without their parse (an excluded field), so a
    re-run with only the auto-accept threshold changed typed every column as VARCHAR with an empty
    quarantine. Value formats are plain stored data now: the typed layer is the same."""
    import duckdb

    workspace = tmp_path / "ws"
    env = {"DATARAUM_WORKSPACE": str(workspace)}

    def typed_state() -> tuple[list, list]:
        con = duckdb.connect(str(workspace / "data.duckdb"), read_only=True)
        try:
            types = con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'typed' ORDER BY ALL"
            ).fetchall()
            quarantine = con.execute("SELECT table_name, column_name, count(*) FROM quarantine.cast_failures GROUP BY ALL ORDER BY ALL").fetchall()
        finally:
            con.close()
        return types, quarantine

    first = run_cli("run", str(DEMO_DATA), "--review", "defer", "--json", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    before = typed_state()
    second = run_cli("run", str(DEMO_DATA), "--review", "defer", "--json", cwd=tmp_path,
                     env={**env, "DATARAUM_AUTO_ACCEPT_THRESHOLD": "0.95"})
    assert second.returncode == 0, second.stderr
    after = typed_state()
    assert after == before
    assert any(t == "DECIMAL(9,2)" for _, _, t in after[0]) and after[1]  # typed, with the demo's quarantine
