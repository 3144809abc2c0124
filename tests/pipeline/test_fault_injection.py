"""A gated run killed at every metadata commit boundary recovers to the same document.

`DATARAUM_FAULT_EXIT_AT_COMMIT=N` makes a `dataraum` process exit (no cleanup, like a
kill) right after its Nth metadata commit. For every N of the first run (which pauses
at the type gate under `--review block`) and of the resume after the decision, the test
kills the process there, then resumes (deciding whatever is pending) until the run is
done, and checks:

- the context document equals that of an uninterrupted run with the same decisions;
- no pending review item is ever passed: after every process, a run that completed
  the gated stage has no pending item.

The decision is a rejection (the column stays text), so a gate passed without it
shows in the document. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import DEMO_DATA, CliResult, metadata_rows, run_cli

FAULT = "DATARAUM_FAULT_EXIT_AT_COMMIT"
FAULT_EXIT = 86
GATED_STAGE = "type_resolution"
pytestmark = pytest.mark.slow


class Scenario:
    """One workspace (and, on PostgreSQL, one database) driven through the CLI."""

    def __init__(self, tmp_path: Path, name: str, metadata_url: str | None, data: Path) -> None:
        self.cwd = tmp_path
        self.data = data
        self.env = {"DATARAUM_WORKSPACE": str(tmp_path / name), "DATARAUM_USER": "tester"}
        if metadata_url:
            self.env["DATARAUM_METADATA_URL"] = metadata_url
        self.log: list[str] = []

    def cli(self, *args: str, fault: int | None = None) -> CliResult:
        env = dict(self.env)
        if fault is not None:
            env[FAULT] = str(fault)
        result = run_cli(*args, cwd=self.cwd, env=env, timeout=600)
        self.log.append(f"{' '.join(args[:2])} fault={fault} -> {result.returncode}: {result.stderr.strip()[-300:]}")
        self.check_no_pending_passed()
        return result

    def check_no_pending_passed(self) -> None:
        if "DATARAUM_METADATA_URL" not in self.env and not (Path(self.env["DATARAUM_WORKSPACE"]) / "metadata.db").exists():
            return
        try:
            runs = metadata_rows(self.env, "SELECT run_id, completed_stages FROM runs")
        except Exception:  # noqa: BLE001 - the store may not exist yet (killed at its creation)
            return
        for run_id, stages in runs:
            stages = json.loads(stages) if isinstance(stages, str) else (stages or [])
            if GATED_STAGE in stages:
                [(open_items,)] = metadata_rows(
                    self.env, "SELECT count(*) FROM review_queue WHERE run_id = :id AND status = 'pending'", {"id": run_id}
                )
                assert open_items == 0, f"{GATED_STAGE} completed with {open_items} pending item(s)\n" + "\n".join(self.log)

    def decide(self) -> None:
        """Reject every pending item (its column stays text)."""
        listed = self.cli("review", "list", "--pending", "--json")
        assert listed.returncode == 0, listed.stderr
        ids = [item["id"] for item in json.loads(listed.stdout)["items"]]
        assert ids, "paused without pending items\n" + "\n".join(self.log)
        decided = self.cli("review", "reject", *ids, "--reason", "kept as text")
        assert decided.returncode == 0, decided.stderr

    def resume_until_done(self) -> None:
        for _ in range(6):
            result = self.cli("resume", "--json")
            assert result.returncode in (0, 3), "\n".join(self.log)
            status = json.loads(result.stdout)["status"]
            if result.returncode == 3:
                self.decide()
                continue
            if status in ("completed", "noop"):
                return
        raise AssertionError("resume did not finish\n" + "\n".join(self.log))

    def document(self) -> dict[str, Any]:
        result = self.cli("context", "--format", "json")
        assert result.returncode == 0, result.stderr
        return _strip(json.loads(result.stdout))

    def final_run_status(self) -> list[str]:
        return [row[0] for row in metadata_rows(self.env, "SELECT status FROM runs")]


def _strip(doc: dict[str, Any]) -> dict[str, Any]:
    """The document, ids and times aside."""
    text = json.dumps({k: v for k, v in doc.items() if k != "run"}, sort_keys=True)
    doc = json.loads(text)
    for item in doc.get("review", {}).get("items", []):
        for key in ("id", "reviewed_at", "created_at"):
            item.pop(key, None)
    return doc


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_at_every_commit_boundary(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)

    def new(name: str) -> Scenario:
        url = request.getfixturevalue("pg_databases").create() if backend == "postgres" else None
        return Scenario(tmp_path, name, url, data)

    # The uninterrupted run with the same decision.
    clean = new("clean")
    first = clean.cli("run", str(data), "--json")
    assert first.returncode == 3, first.stderr
    clean.decide()
    clean.resume_until_done()
    expected = clean.document()
    columns = {(t["name"], c["name"]): c for t in expected["tables"] for c in t["columns"]}
    assert columns[("orders", "total_amount")]["resolved_type"] == "VARCHAR"

    boundaries = {"run": 0, "resume": 0}
    for phase in ("run", "resume"):
        n = 0
        while True:
            n += 1
            assert n < 60, "more commits than expected"
            case = new(f"ws-{phase}-{n}")
            if phase == "run":
                killed = case.cli("run", str(data), "--json", fault=n)
            else:
                paused = case.cli("run", str(data), "--json")
                assert paused.returncode == 3, paused.stderr
                case.decide()
                killed = case.cli("resume", "--json", fault=n)
            if killed.returncode != FAULT_EXIT:
                # Past the last commit: this process ran uninterrupted.
                assert killed.returncode in (0, 3), "\n".join(case.log)
                break
            boundaries[phase] = n
            case.resume_until_done()
            assert case.document() == expected, f"{phase} killed after commit {n}\n" + "\n".join(case.log)
            assert case.final_run_status() == ["completed"], "\n".join(case.log)
    # A gated run commits at least: run row, stage progress, gate (+pause); resume: claim ... finish.
    assert boundaries["run"] >= 3 and boundaries["resume"] >= 5, boundaries
