"""Review from the command line: reject, modify, partial approval, bad commands, decision memory,
code drift, concurrent resumers and a run killed mid-stage. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from helpers import ForkedCli, metadata_rows, write_review_file

USER = {"DATARAUM_USER": "tester"}


def pause(dr, tmp_path: Path, rows: int = 200) -> tuple[str, dict[tuple[str, str], str]]:
    data = write_review_file(tmp_path / "rev.csv", rows)
    first = dr("run", str(data), "--json")
    assert first.returncode == 3, first.stderr
    listed = json.loads(dr("review", "list", "--pending", "--json").stdout)["items"]
    return json.loads(first.stdout)["run_id"], {(i["review_type"], i["target"]): i["id"] for i in listed}


def columns(dr) -> dict[str, dict]:
    doc = json.loads(dr("context", "--format", "json").stdout)
    return {c["name"]: c for c in doc["tables"][0]["columns"]}


def run_status(dr, run_id: str) -> str:
    return json.loads(dr("status", run_id, "--json").stdout)["status"]


def test_reject_modify_and_audit_trail(tmp_path: Path, dr) -> None:
    run_id, items = pause(dr, tmp_path)
    assert dr("review", "reject", items[("quarantine_review", "rev.amount")], "--reason", "ids", env=USER).returncode == 0
    # `day` is valid day-first and month-first: kept as text and asked; the answer is the date order
    modified = dr("review", "modify", items[("type_review", "rev.day")], "--set", "date_order=mdy", "--reason", "US file", env=USER)
    assert modified.returncode == 0, modified.stderr
    assert dr("review", "approve", "--all", env=USER).returncode == 0
    resumed = dr("resume", run_id)
    assert resumed.returncode == 0, resumed.stderr
    cols = columns(dr)
    assert (cols["amount"]["resolved_type"], cols["amount"]["decision_source"], cols["amount"]["quarantined_count"]) == ("VARCHAR", "manual", 0)
    assert (cols["day"]["resolved_type"], cols["day"]["decision_source"], cols["day"]["quarantined_count"]) == ("DATE", "manual", 0)
    # 15% of `code` are varied texts (x1, x2, ...): kept as text, and approving keeps it so
    assert (cols["code"]["resolved_type"], cols["code"]["decision_source"], cols["code"]["quarantined_count"]) == ("VARCHAR", "manual", 0)
    audit = metadata_rows(
        dr.env,
        "SELECT c.column_name, d.decided_type, d.decision_source, d.decided_by, d.previous_type, d.decision_reason "
        "FROM type_decisions d JOIN columns c ON c.column_id = d.column_id WHERE c.column_name IN ('day', 'amount') "
        "ORDER BY c.column_name",
    )
    assert audit[0][:5] == ("amount", "VARCHAR", "manual", "tester", "DECIMAL(9,2)") and "ids" in audit[0][5]
    assert audit[1][:5] == ("day", "DATE", "manual", "tester", "VARCHAR") and "US file" in audit[1][5]
    con = duckdb.connect(str(Path(dr.env["DATARAUM_WORKSPACE"]) / "data.duckdb"), read_only=True)
    assert con.execute('SELECT amount FROM typed."rev" WHERE _row_id = 50').fetchall() == [("oops",)]
    assert str(con.execute('SELECT day FROM typed."rev" WHERE _row_id = 1').fetchall()[0][0]) == "2024-02-02"
    assert str(con.execute('SELECT day FROM typed."rev" WHERE _row_id = 3').fetchall()[0][0]) == "2024-04-04"
    assert str(con.execute('SELECT day FROM typed."rev" WHERE _row_id = 12').fetchall()[0][0]) == "2024-01-02"
    con.close()
    # Resuming a completed run is a no-op that says so.
    again = dr("resume", run_id, "--json")
    assert again.returncode == 0 and "already completed" in json.loads(again.stdout)["message"]


def test_partial_approval_keeps_the_run_paused(tmp_path: Path, dr) -> None:
    run_id, items = pause(dr, tmp_path)
    assert dr("review", "approve", items[("type_review", "rev.day")]).returncode == 0
    still = dr("resume", "--json")
    assert still.returncode == 3
    assert "2 pending" in json.loads(still.stdout)["message"]
    assert run_status(dr, run_id) == "paused"
    assert dr("review", "approve", "--all").returncode == 0
    assert dr("resume").returncode == 0
    assert run_status(dr, run_id) == "completed"


def test_bad_review_commands_change_nothing(tmp_path: Path, dr) -> None:
    _, items = pause(dr, tmp_path)
    type_item = items[("type_review", "rev.day")]
    for args, needle in (
        (["modify", type_item, "--set", "role=measure"], "bad key 'role'"),
        (["modify", type_item, "--set", "type=NOT A TYPE"], "bad type"),
        (["modify", type_item, "--set", "type=DATE);DROP TABLE x;--"], "bad type"),
        (["modify", type_item, "--set", "novalue"], "KEY=VALUE"),
        (["approve", type_item, "not-a-uuid"], "not-a-uuid"),
        (["reject", type_item, "--reason", "  "], "reason"),
        (["show", "00000000-0000-0000-0000-000000000000"], "no review item"),
    ):
        result = dr("review", *args)
        assert result.returncode == 2, (args, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr, (args, result.stderr)
    # A batch with one bad id decides nothing.
    assert dr("review", "approve", type_item, "12345678-1234-1234-1234-123456789abc").returncode == 2
    assert all(i["status"] == "pending" for i in json.loads(dr("review", "list", "--json").stdout)["items"])
    assert dr("review", "approve", type_item).returncode == 0
    twice = dr("review", "approve", type_item)
    assert twice.returncode == 2 and "already approved" in twice.stderr


def test_decision_memory_across_runs(tmp_path: Path, dr) -> None:
    run_id, items = pause(dr, tmp_path)
    assert dr("review", "modify", items[("type_review", "rev.day")], "--set", "type=VARCHAR", env=USER).returncode == 0
    assert dr("review", "approve", "--all", env=USER).returncode == 0
    assert dr("resume").returncode == 0
    # Same data: every question was answered before, so the scheduled run does not pause.
    second = dr("run", str(tmp_path / "rev.csv"), "--json")
    assert second.returncode == 0, second.stdout
    second_id = json.loads(second.stdout)["run_id"]
    items2 = [i for i in json.loads(dr("review", "list", "--run", second_id, "--json").stdout)["items"]]
    assert len(items2) == 3 and all(i["status"] != "pending" and i["notes"].startswith("decision memory") for i in items2)
    assert columns(dr)["day"]["resolved_type"] == "VARCHAR"
    # Changed evidence (day-first dates appear): the remembered decision no longer applies.
    text = (tmp_path / "rev.csv").read_text().replace("01/01/2024", "25/01/2024")
    (tmp_path / "rev.csv").write_text(text)
    third = dr("run", str(tmp_path / "rev.csv"), "--json")
    assert third.returncode == 0, third.stdout  # day is now unambiguous (no review) -> DATE
    assert columns(dr)["day"]["resolved_type"] == "DATE"


def _tamper(env: dict[str, str], run_id: str, node: str) -> None:
    [(fingerprint,)] = metadata_rows(env, "SELECT graph_fingerprint FROM runs WHERE run_id = :id", {"id": run_id.replace("-", "") if "DATARAUM_METADATA_URL" not in env else run_id})
    data = json.loads(fingerprint) if isinstance(fingerprint, str) else fingerprint
    data["nodes"][node] = "0" * 64
    metadata_rows(
        env, "UPDATE runs SET graph_fingerprint = :fp WHERE run_id = :id",
        {"fp": json.dumps(data), "id": run_id.replace("-", "") if "DATARAUM_METADATA_URL" not in env else run_id},
    )


def test_code_drift_upstream_refused_downstream_fine(tmp_path: Path, dr) -> None:
    run_id, _ = pause(dr, tmp_path)
    assert dr("review", "approve", "--all").returncode == 0
    _tamper(dr.env, run_id, "proposed_type_decisions")  # upstream of the gate: already executed
    refused = dr("resume")
    assert refused.returncode == 2 and "proposed_type_decisions" in refused.stderr and "--force" in refused.stderr
    assert run_status(dr, run_id) == "paused"
    forced = dr("resume", "--force")
    assert forced.returncode == 0, forced.stderr
    assert run_status(dr, run_id) == "completed"


def test_downstream_change_proceeds(tmp_path: Path, dr) -> None:
    run_id, _ = pause(dr, tmp_path)
    assert dr("review", "approve", "--all").returncode == 0
    _tamper(dr.env, run_id, "typed_tables")  # downstream of the gate: not executed yet
    assert dr("resume").returncode == 0
    assert run_status(dr, run_id) == "completed"


# No wall clock: on a busy machine eight interpreters and one resume can take many minutes.
# The resumers wait for the workspace lock for as long as it takes (a loser must not give up
# with "busy"), and the test waits for each process to end, with a timeout only against a hang.
HANG_SECONDS = 3600


def test_eight_concurrent_resumers_execute_once(tmp_path: Path, dr) -> None:
    run_id, _ = pause(dr, tmp_path)
    assert dr("review", "approve", "--all").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")} | dr.env
    env["DATARAUM_LOCK_TIMEOUT_SECONDS"] = str(HANG_SECONDS)
    # Eight processes of their own, forked from this one after its imports (a fresh interpreter
    # each cost ~2.5 s of CPU before the race): each opens its own stores and takes its own locks.
    procs = [ForkedCli(["resume", run_id, "--json"], tmp_path, env) for _ in range(8)]
    outcomes = []
    for proc in procs:
        result = proc.wait(timeout=HANG_SECONDS)
        assert result.returncode == 0, result.stderr
        outcomes.append(json.loads(result.stdout)["status"])
    assert outcomes.count("completed") == 1, outcomes
    assert set(outcomes) <= {"completed", "claimed-elsewhere", "noop"}, outcomes
    counts = metadata_rows(
        dr.env,
        "SELECT node_name, count(*) FROM node_executions WHERE node_name IN ('type_decisions', 'typed_tables') GROUP BY node_name",
    )
    assert dict(counts) == {"type_decisions": 1, "typed_tables": 1}


def test_killed_mid_stage_resumes_to_the_same_result(tmp_path: Path, dr, other_metadata_url) -> None:
    data = write_review_file(tmp_path / "rev.csv", 300_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")} | dr.env
    proc = subprocess.Popen([sys.executable, "-m", "dataraum_context", "run", str(data), "--review", "defer"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + HANG_SECONDS  # only against a hang: the loop ends with the process
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        rows = metadata_rows(dr.env, "SELECT completed_stages FROM runs") if _store_ready(dr.env) else []
        if rows:
            stages = rows[0][0] if isinstance(rows[0][0], list) else json.loads(rows[0][0] or "[]")
            if "profiling" in stages:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed = True
                break
        time.sleep(0.02)
    assert killed, "the run finished before it could be killed; make the file bigger"
    [(status,)] = metadata_rows(dr.env, "SELECT status FROM runs")
    assert status == "running"  # died without a word; its lease is void (pid gone)
    resumed = dr("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    assert json.loads(resumed.stdout)["tables"] == ["rev"]  # staged before the kill, still reported

    # The same as an uninterrupted run, and nothing written twice.
    other_env = dict(dr.env, DATARAUM_WORKSPACE=str(tmp_path / "ws-clean"))
    url = other_metadata_url()
    if url:
        other_env["DATARAUM_METADATA_URL"] = url
    from helpers import run_cli

    clean = run_cli("run", str(data), "--review", "defer", cwd=tmp_path, env=other_env)
    assert clean.returncode == 0, clean.stderr
    def strip(doc: dict) -> dict:
        """Ids and times aside."""
        doc = {k: v for k, v in doc.items() if k != "run"}
        for item in doc["review"]["items"]:
            item.pop("id")
        return doc

    doc_a = strip(json.loads(dr("context", "--format", "json").stdout))
    doc_b = strip(json.loads(run_cli("context", "--format", "json", cwd=tmp_path, env=other_env).stdout))
    assert doc_a == doc_b
    for table in ("column_profiles", "type_decisions", "type_candidates", "review_queue", "tables", "columns"):
        [(n_a,)] = metadata_rows(dr.env, f"SELECT count(*) FROM {table}")
        [(n_b,)] = metadata_rows(other_env, f"SELECT count(*) FROM {table}")
        assert n_a == n_b, table
    dup = metadata_rows(dr.env, "SELECT node_name, count(*) FROM node_executions WHERE status = 'success' GROUP BY node_name HAVING count(*) > 1")
    assert dup == []


def _store_ready(env: dict[str, str]) -> bool:
    if "DATARAUM_METADATA_URL" not in env and not (Path(env["DATARAUM_WORKSPACE"]) / "metadata.db").exists():
        return False
    try:
        return bool(metadata_rows(env, "SELECT count(*) FROM runs")[0][0])
    except Exception:  # noqa: BLE001 - not created yet
        return False


def test_modify_type_is_measured_and_guarded(tmp_path: Path, dr) -> None:
    """A new type is measured on the whole column before it is stored; a type under which most
    values fail is refused without --force; a money column keeps its normalisation as DOUBLE."""
    lines = ["id,price,code"] + [f"{i},\"${1000 + i:,}.50\",{'x' if i % 20 == 0 else i}" for i in range(1, 201)]
    (tmp_path / "money.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = dr("run", str(tmp_path / "money.csv"), "--json", "--review", "block")
    listed = json.loads(dr("review", "list", "--pending", "--json").stdout)["items"]
    items = {(i["review_type"], i["target"]): i["id"] for i in listed}
    code_item = items[("type_review", "money.code")]  # 5% "x": kept as text, asked
    refused = dr("review", "modify", code_item, "--set", "type=DATE")
    assert refused.returncode == 2 and "refused" in refused.stderr and "0 of 200 values read" in refused.stderr
    assert json.loads(dr("review", "show", code_item, "--json").stdout)["status"] == "pending"
    assert first.returncode == 3
    # the money column is decided DECIMAL without review; check the guard through its own preview path
    from dataraum_context.type_resolution.preview import preview

    context = {"table_name": "money", "column_name": "price", "decided_type": "DECIMAL(9,2)",
               "value_format": {"kind": "money", "grouping": ",", "currency": ["$"]}, "candidates": []}
    measured = preview(Path(dr.env["DATARAUM_WORKSPACE"]) / "data.duckdb", "money", "price", context, "DOUBLE", None)
    assert (measured["parsed"], measured["quarantined"]) == (200, 0)
    forced = dr("review", "modify", code_item, "--set", "type=DATE", "--force", "--reason", "really")
    assert forced.returncode == 0 and "200 would be quarantined" in forced.stderr
