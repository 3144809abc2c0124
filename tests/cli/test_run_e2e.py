"""End to end: `dataraum run` on a folder of mixed files, then `context` and `status`."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import duckdb
import pytest

from helpers import DEMO_DATA, run_cli


def make_mixed_folder(folder: Path) -> dict[str, int]:
    """A BOM'd CSV, a ';' CSV with quoted newlines, a Parquet file and an NDJSON file."""
    folder.mkdir(parents=True)
    (folder / "customers.csv").write_bytes(
        codecs.BOM_UTF8 + "id,name,city\n1,Ann,Köln\n2,Bob,Paris\n3,Cé,Wien\n".encode()
    )
    (folder / "notes.csv").write_text(
        'id;note;score\n1;"two\nlines";5\n2;"a; b";7\n3;plain;NA\n4;"x ""quoted""";-\n', encoding="utf-8"
    )
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT i AS order_id, i % 3 + 1 AS customer_id, i * 1.5 AS amount FROM range(1, 11) t(i)) "
        f"TO '{folder / 'orders.parquet'}' (FORMAT parquet)"
    )
    con.close()
    (folder / "events.ndjson").write_text(
        '{"event": "open", "at": "2024-01-01T10:00:00Z"}\n{"event": "close", "at": "2024-01-01T11:00:00Z"}\n',
        encoding="utf-8",
    )
    return {"customers": 3, "notes": 4, "orders": 10, "events": 2}


def _context(cli_or_args, *extra: str) -> dict:
    result = cli_or_args("context", "--format", "json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_run_mixed_folder_and_context(tmp_path: Path, cli) -> None:
    expected = make_mixed_folder(tmp_path / "data")
    result = cli("run", str(tmp_path / "data"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed"
    assert sorted(summary["tables"]) == sorted(expected)

    doc = _context(cli)
    assert doc["schema_version"]
    assert doc["run"]["status"] == "completed" and doc["run"]["id"] == summary["run_id"]
    tables = {t["name"]: t for t in doc["tables"]}
    assert {name: t["row_count"] for name, t in tables.items()} == expected
    assert [c["name"] for c in tables["customers"]["columns"]] == ["id", "name", "city"]  # BOM stripped
    assert [c["name"] for c in tables["notes"]["columns"]] == ["id", "note", "score"]
    assert [c["name"] for c in tables["orders"]["columns"]] == ["order_id", "customer_id", "amount"]
    assert [c["name"] for c in tables["events"]["columns"]] == ["event", "at"]
    for table in doc["tables"]:
        assert set(table) >= {"name", "row_count", "candidate_keys", "entity", "quality", "columns"}
        assert set(table["quality"]["scores"]) == {
            "completeness", "validity", "consistency", "uniqueness", "timeliness", "overall"
        }
        for column in table["columns"]:
            assert set(column) >= {
                "name", "resolved_type", "decision_source", "type_confidence", "pattern", "unit",
                "quarantined_count", "null_count", "distinct_count", "semantic", "temporal", "quality",
            }
    assert set(doc) >= {"schema_version", "run", "tables", "relationships", "join_paths", "review"}
    assert doc["review"]["pending"] == 0 and doc["review"]["items"] == []

    # The raw layer holds every value as text, quoted newlines intact, null tokens kept raw.
    con = duckdb.connect(str(cli.workspace / "data.duckdb"), read_only=True)
    notes = con.execute('SELECT _row_id, note, score FROM raw."notes" ORDER BY _row_id').fetchall()
    con.close()
    assert notes == [(1, "two\nlines", "5"), (2, "a; b", "7"), (3, "plain", "NA"), (4, 'x "quoted"', "-")]

    # status: history and one run with its node executions
    history = cli("status", "--json")
    assert history.returncode == 0, history.stderr
    runs = json.loads(history.stdout)["runs"]
    assert runs[0]["id"] == summary["run_id"] and runs[0]["status"] == "completed"
    detail = json.loads(cli("status", summary["run_id"], "--json").stdout)
    nodes = {(n["stage"], n["node"]): n for n in detail["nodes"]}
    assert {("staging", "source_specs"), ("staging", "staged_tables")} <= set(nodes)
    assert all(n["status"] == "success" and n["code_version"] for n in nodes.values())

    # Markdown context names every table.
    md = cli("context", "--format", "md")
    assert md.returncode == 0
    for name in expected:
        assert f"`{name}`" in md.stdout


def test_rerun_is_idempotent(tmp_path: Path, cli) -> None:
    make_mixed_folder(tmp_path / "data")
    assert cli("run", str(tmp_path / "data")).returncode == 0
    first = _context(cli)
    second_run = cli("run", str(tmp_path / "data"), "--json")
    assert second_run.returncode == 0
    assert json.loads(second_run.stdout)["tables_changed"] == []
    second = _context(cli)
    assert _without_trends(first["tables"]) == _without_trends(second["tables"])


def _without_trends(value):
    """The document minus what legitimately changes between runs (quality trends)."""
    if isinstance(value, dict):
        return {k: _without_trends(v) for k, v in value.items() if k not in ("trend_direction", "previous_pass_rate")}
    if isinstance(value, list):
        return [_without_trends(v) for v in value]
    return value


def _normalise(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["run"] = {"status": doc["run"]["status"]}
    return doc


@pytest.mark.postgres
def test_context_same_on_postgres(tmp_path: Path, pg_url: str) -> None:
    make_mixed_folder(tmp_path / "data")
    docs = []
    for name, url in (("sqlite", None), ("pg", pg_url)):
        env = {"DATARAUM_WORKSPACE": str(tmp_path / f"ws-{name}")}
        if url:
            env["DATARAUM_METADATA_URL"] = url
        result = run_cli("run", str(tmp_path / "data"), cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        ctx = run_cli("context", "--format", "json", cwd=tmp_path, env=env)
        assert ctx.returncode == 0, ctx.stderr
        docs.append(_normalise(json.loads(ctx.stdout)))
    assert docs[0] == docs[1]
    if True:  # the PostgreSQL workspace has no SQLite file
        assert not (tmp_path / "ws-pg" / "metadata.db").exists()


def test_demo_dataset_runs(tmp_path: Path, cli) -> None:
    result = cli("run", str(DEMO_DATA), "--json", "--review", "defer")
    assert result.returncode == 0, result.stderr
    doc = _context(cli)
    tables = {t["name"]: t for t in doc["tables"]}
    defects = json.loads((DEMO_DATA.parent / "defects.json").read_text())
    assert set(tables) == {"customers", "products", "orders", "order_items", "shipments"}
    assert tables["customers"]["row_count"] == 200
    assert tables["products"]["row_count"] == 50
    assert tables["orders"]["row_count"] == 1001
    assert tables["orders"]["rejected_rows"] == 1
    assert tables["order_items"]["row_count"] == 2549
    assert tables["shipments"]["row_count"] == 820
    con = duckdb.connect(str(cli.workspace / "data.duckdb"), read_only=True)
    rejects = con.execute(
        "SELECT line_number, raw_text FROM quarantine.rejected_rows WHERE table_name = 'orders'"
    ).fetchall()
    con.close()
    assert rejects == [(602, "11001;C0042;15/06/2024;18/06/2024;shipped;$84.00")]
    assert defects  # the defect list ships next to the data


def test_review_resume_dag_basics(tmp_path: Path, cli) -> None:
    make_mixed_folder(tmp_path / "data")
    assert cli("run", str(tmp_path / "data")).returncode == 0
    listed = cli("review", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == {"items": []}
    resumed = cli("resume", "--json")
    assert resumed.returncode == 0 and json.loads(resumed.stdout)["run_id"] is None
    dot = cli("dag", "-o", str(tmp_path / "dag.dot"))
    assert dot.returncode == 0
    text = (tmp_path / "dag.dot").read_text()
    assert text.startswith("digraph") and "cluster_staging" in text and '"source_specs" -> "staged_tables"' in text
