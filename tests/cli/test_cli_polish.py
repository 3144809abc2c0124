"""What people expect of a command line: --version, -h, 80-column tables with whole ids,
where a paused run waits, node names printed literally, id prefixes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from helpers import DEMO_DATA, metadata_rows, write_review_file

from test_bad_input import assert_clean_error

NARROW = {"COLUMNS": "80"}


def paused(cli, tmp_path: Path) -> tuple[str, list[dict]]:
    data = write_review_file(tmp_path / "rev.csv")
    first = cli("run", str(data), "--json")
    assert first.returncode == 3, first.stderr
    items = json.loads(cli("review", "list", "--pending", "--json").stdout)["items"]
    return json.loads(first.stdout)["run_id"], items


def assert_fits(text: str, *ids: str) -> None:
    for line in text.splitlines():
        assert len(line) <= 80, line
    assert "…" not in text
    for given in ids:
        assert given in text


def test_version(cli) -> None:
    from dataraum_context import __version__

    for flag in ("--version", "-V"):
        result = cli(flag)
        assert result.returncode == 0 and result.stdout.strip() == f"dataraum {__version__}"


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["status"], ["context"], ["resume"], ["dag"], ["review"], ["review", "list"], ["review", "show"],
     ["review", "approve"], ["review", "reject"], ["review", "modify"]],
    ids=lambda c: " ".join(c) or "dataraum",
)
def test_dash_h_everywhere(cli, command: list[str]) -> None:
    result = cli(*command, "-h")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and "--help" in result.stdout


def test_paused_run_at_80_columns(tmp_path: Path, cli) -> None:
    run_id, items = paused(cli, tmp_path)
    ids = [item["id"] for item in items]
    listed = cli("review", "list", env=NARROW)
    assert listed.returncode == 0
    assert_fits(listed.stdout, *ids)
    assert "rev.amount" in listed.stdout
    history = cli("status", env=NARROW)
    assert_fits(history.stdout, run_id)
    assert f"paused at type_resolution: {len(items)} open" in history.stdout
    one = cli("status", run_id, env=NARROW)
    assert_fits(one.stdout, run_id, *ids)
    assert "type_resolution gate" in one.stdout
    assert "tables: rev" in one.stdout
    # Node names are printed literally, not eaten as Rich markup.
    assert "staged_tables[rev]" in one.stdout
    as_json = json.loads(cli("status", run_id, "--json").stdout)
    assert as_json["gate"] == "type_resolution"
    assert sorted(i["id"] for i in as_json["open_items"]) == sorted(ids)


def test_completed_runs_fit_80_columns_and_resumed_run_has_tables(tmp_path: Path, cli) -> None:
    run_id, _ = paused(cli, tmp_path)
    assert cli("review", "approve", "--all").returncode == 0
    resumed = cli("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["tables"] == ["rev"]
    text = cli("resume", run_id[:8])
    assert text.returncode == 0 and "already completed" in text.stderr
    history = cli("status", env=NARROW)
    assert_fits(history.stdout, run_id)
    [run] = json.loads(cli("status", "--json").stdout)["runs"]
    assert run["status"] == "completed" and run["tables"] == ["rev"] and run["open_items"] == []


def test_review_ids_accept_unique_prefixes(tmp_path: Path, cli) -> None:
    run_id, items = paused(cli, tmp_path)
    item = next(i for i in items if i["target"] == "rev.day")
    shown = json.loads(cli("review", "show", item["id"][:8], "--json").stdout)
    assert shown["id"] == item["id"]
    assert json.loads(cli("status", run_id[:6], "--json").stdout)["id"] == run_id
    assert json.loads(cli("review", "list", "--run", run_id[:6], "--json").stdout)["items"]
    approved = cli("review", "approve", item["id"][:10].upper(), "--json")
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["items"][0]["id"] == item["id"]
    assert_clean_error(cli("review", "show", "abc"), "too short")
    assert_clean_error(cli("review", "show", "zzzzzzzz"), "zzzzzzzz")


def test_ambiguous_prefix_lists_the_matches(tmp_path: Path, cli) -> None:
    _, items = paused(cli, tmp_path)
    first, second = items[0]["id"], items[1]["id"]
    # Give the second item an id that shares 8 digits with the first (SQLite stores 32 hex digits).
    twin = first.replace("-", "")[:8] + second.replace("-", "")[8:]
    env = {"DATARAUM_WORKSPACE": str(cli.workspace)}
    metadata_rows(env, "UPDATE review_queue SET review_id = :new WHERE review_id = :old",
                  {"new": twin, "old": second.replace("-", "")})
    result = cli("review", "show", first[:8])
    assert_clean_error(result, "ambiguous", first, str(uuid.UUID(twin)))
    # A longer prefix decides.
    assert json.loads(cli("review", "show", first[:13], "--json").stdout)["id"] == first


def test_lock_wait_prints_a_progress_line(tmp_path: Path, cli) -> None:
    from filelock import FileLock

    cli.workspace.mkdir()
    with FileLock(cli.workspace / ".lock", thread_local=False):
        result = cli("run", str(DEMO_DATA), env={"DATARAUM_LOCK_TIMEOUT_SECONDS": "2"})
    assert result.returncode == 2
    assert "waiting for workspace" in result.stderr and "busy" in result.stderr
