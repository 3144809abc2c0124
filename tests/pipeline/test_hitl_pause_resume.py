"""Pause at the type gate, decide, resume: the result equals a run given the decisions up front.

Runs on SQLite and on PostgreSQL metadata (the `backend_env` fixture).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import duckdb

from dataraum_context.config import load_settings
from dataraum_context.contracts.review import ReviewDecision, ReviewDecisions
from dataraum_context.pipeline.runner import execute_run
from helpers import run_cli, write_review_file

DECISIONS = [
    # (review_type, target, CLI args, ReviewDecision fields)
    ("type_review", "rev.code", ["reject", "--reason", "codes are text"], {"action": "reject", "reason": "codes are text"}),
    ("quarantine_review", "rev.amount", ["modify", "--set", "type=DOUBLE", "--reason", "measured"],
     {"action": "modify", "values": {"type": "DOUBLE"}, "reason": "measured"}),
    ("type_review", "rev.day", ["modify", "--set", "date_order=dmy"], {"action": "modify", "values": {"date_order": "dmy"}}),
]
USER = {"DATARAUM_USER": "tester"}


def pending(dr) -> dict[tuple[str, str], str]:
    listed = dr("review", "list", "--pending", "--json")
    assert listed.returncode == 0, listed.stderr
    return {(i["review_type"], i["target"]): i["id"] for i in json.loads(listed.stdout)["items"]}


def snapshot(dr, workspace: Path) -> dict[str, Any]:
    """Metadata (the context document, ids and times aside) and the typed data."""
    ctx = dr("context", "--format", "json")
    assert ctx.returncode == 0, ctx.stderr
    doc = _without_ids_and_times(json.loads(ctx.stdout))
    doc.pop("run")
    con = duckdb.connect(str(workspace / "data.duckdb"), read_only=True)
    try:
        typed = con.execute('SELECT * EXCLUDE (day), CAST(day AS VARCHAR) FROM typed."rev" ORDER BY _row_id').fetchall()
        types = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'typed' ORDER BY ordinal_position").fetchall()
        quarantine = con.execute(
            "SELECT column_name, _row_id, raw_value, target_type FROM quarantine.cast_failures ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    return {"doc": doc, "typed": typed, "types": types, "quarantine": quarantine}


def _without_ids_and_times(value: Any) -> Any:
    """The document with the review ids and decision times of its provenance left out
    (they differ between deciding through review items and deciding up front)."""
    if isinstance(value, dict):
        return {k: _without_ids_and_times(v) for k, v in value.items() if k not in ("at", "review_id", "id")}
    if isinstance(value, list):
        return [_without_ids_and_times(v) for v in value]
    return value


def node_counts(dr, run_id: str) -> dict[str, int]:
    detail = json.loads(dr("status", run_id, "--json").stdout)
    counts: dict[str, int] = {}
    for node in detail["nodes"]:
        counts[node["node"]] = counts.get(node["node"], 0) + 1
    return counts


def test_resumed_equals_decided_up_front(tmp_path: Path, dr, other_metadata_url) -> None:
    data = write_review_file(tmp_path / "rev.csv")

    # A: pause, decide with the CLI, resume.
    first = dr("run", str(data), "--json")
    assert first.returncode == 3, first.stderr
    run_id = json.loads(first.stdout)["run_id"]
    assert json.loads(first.stdout)["status"] == "paused"
    open_items = pending(dr)
    assert set(open_items) == {(t, target) for t, target, _, _ in DECISIONS}
    for review_type, target, args, _ in DECISIONS:
        verb, *rest = args
        ids = [open_items[(review_type, target)]]
        decided = dr("review", verb, *ids, *rest, env=USER)
        assert decided.returncode == 0, decided.stderr
    resumed = dr("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    state_a = snapshot(dr, Path(dr.env["DATARAUM_WORKSPACE"]))

    # Nothing upstream of the gate ran twice: every node executed exactly once in the run
    # (the runner uses no Hamilton cache; saved outputs are handed in as overrides).
    counts = node_counts(dr, run_id)
    assert counts and set(counts.values()) == {1}, counts
    assert {"type_decisions", "typed_tables", "staged_tables", "table_profiles"} <= set(counts)

    # B: a fresh workspace given the same decisions up front: no pause.
    env_b = dict(dr.env, DATARAUM_WORKSPACE=str(tmp_path / "ws-b"))
    url_b = other_metadata_url()
    if url_b:
        env_b["DATARAUM_METADATA_URL"] = url_b
    settings = load_settings(workspace=tmp_path / "ws-b", metadata_url=url_b)
    settings.workspace.mkdir(parents=True)
    decisions = ReviewDecisions(
        items=[
            ReviewDecision(review_type=t, target=target, decided_by="tester", **fields)
            for t, target, _, fields in DECISIONS
        ]
    )
    outcome = asyncio.run(execute_run(settings, [str(data)], decisions=decisions))
    assert outcome.status == "completed", outcome.error
    state_b = snapshot(lambda *args: run_cli(*args, cwd=tmp_path, env=env_b), tmp_path / "ws-b")
    assert state_a == state_b

    columns = {c["name"]: c for c in state_a["doc"]["tables"][0]["columns"]}
    assert columns["code"]["resolved_type"] == "VARCHAR" and columns["code"]["decision_source"] == "manual"
    assert columns["code"]["quarantined_count"] == 0
    assert columns["amount"]["resolved_type"] == "DOUBLE" and columns["amount"]["quarantined_count"] == 4
    assert columns["day"]["resolved_type"] == "DATE" and columns["day"]["decision_source"] == "manual"
    assert columns["qty"]["decision_source"] == "auto"
    assert {q[0] for q in state_a["quarantine"]} == {"amount"}
