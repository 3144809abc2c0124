"""Run lifecycle: dead runs become `interrupted`, a newer completed run supersedes them,
Ctrl-C interrupts cleanly (exit 130), and ordinary faults of the machine (full disk,
read-only folders, a bad URL) exit 2 with one line and block nothing afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import DEMO_DATA, metadata_rows, run_cli, write_review_file

FAULT = "DATARAUM_FAULT_EXIT_AT_COMMIT"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def run_rows(env: dict[str, str]) -> list[tuple[str, str, str | None]]:
    rows = metadata_rows(env, "SELECT run_id, status, error_message FROM runs ORDER BY started_at")
    return [(str(uuid.UUID(str(r[0]))), r[1], r[2]) for r in rows]


@contextlib.contextmanager
def _mount(target: Path, *args: str) -> Iterator[None]:
    """Mount (root only); skip with the reason when this machine cannot."""
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to simulate the fault")
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _read_only_bind(source: Path, target: Path) -> contextlib.AbstractContextManager[None]:
    @contextlib.contextmanager
    def go() -> Iterator[None]:
        with _mount(target, "--bind", str(source)):
            done = subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
            yield

    return go()


def test_killed_run_is_interrupted_then_superseded(tmp_path: Path, dr) -> None:
    killed = dr("run", str(DEMO_DATA), "--json", env={FAULT: "3"})
    assert killed.returncode == 86, killed.stderr
    [(old_id, status, _)] = run_rows(dr.env)
    assert status == "running"  # died without a word
    listed = json.loads(dr("status", "--json").stdout)["runs"]
    assert [r["status"] for r in listed] == ["interrupted"]
    assert "gone" in listed[0]["error"]

    newer = dr("run", str(DEMO_DATA), "--review", "auto", "--json")
    assert newer.returncode == 0, newer.stderr
    # A plain resume does not pick the old run; naming it is refused with one line.
    plain = dr("resume", "--json")
    assert plain.returncode == 0 and json.loads(plain.stdout)["status"] == "noop", plain.stdout
    named = dr("resume", old_id)
    assert named.returncode == 2
    line = one_line_error(named.stderr)
    assert "superseded" in line and json.loads(newer.stdout)["run_id"] in line
    assert dict((r[0], r[1]) for r in run_rows(dr.env))[old_id] == "interrupted"


def test_interrupted_run_resumes_before_it_is_superseded(tmp_path: Path, dr) -> None:
    killed = dr("run", str(DEMO_DATA), "--review", "auto", env={FAULT: "4"})
    assert killed.returncode == 86, killed.stderr
    resumed = dr("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    assert [r[1] for r in run_rows(dr.env)] == ["completed"]


def test_ctrl_c_marks_the_run_interrupted_and_exits_130(tmp_path: Path, dr) -> None:
    data = write_review_file(tmp_path / "rev.csv", 300_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")} | dr.env
    proc = subprocess.Popen(
        [sys.executable, "-m", "dataraum_context", "run", str(data), "--review", "defer"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 300
    sent = False
    store_file = Path(dr.env["DATARAUM_WORKSPACE"]) / "data.duckdb"  # exists once stage 1 runs
    while time.monotonic() < deadline and proc.poll() is None:
        if not store_file.exists():
            time.sleep(0.05)
            continue
        with contextlib.suppress(Exception):
            rows = metadata_rows(dr.env, "SELECT current_stage FROM runs")
            if rows and rows[0][0] == "profiling":
                proc.send_signal(signal.SIGINT)
                sent = True
                break
        time.sleep(0.05)
    assert sent, "the run finished before profiling could be interrupted; make the file bigger"
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    line = one_line_error(err)
    assert "interrupted" in line and "busy" not in err
    [(_, status, error)] = run_rows(dr.env)
    assert status == "interrupted" and "Ctrl-C" in (error or "")
    resumed = dr("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"


def test_non_numeric_port_is_one_line(tmp_path: Path, cli) -> None:
    for args, needle in (
        (["run", "postgresql://u:secret@localhost:abc/db"], "bad source URL"),
        (["run", str(DEMO_DATA), "--metadata-url", "postgresql://u:secret@localhost:abc/db"], "bad metadata URL"),
    ):
        result = cli(*args)
        assert result.returncode == 2, result.stderr
        line = one_line_error(result.stderr)
        assert needle in line and "port" in line and "secret" not in line


def test_workspace_under_a_read_only_folder(tmp_path: Path, cli) -> None:
    (tmp_path / "src").mkdir()
    with _read_only_bind(tmp_path / "src", tmp_path / "ro"):
        result = cli("run", str(DEMO_DATA), "-w", str(tmp_path / "ro" / "ws"))
        assert result.returncode == 2
        assert "Read-only file system" in one_line_error(result.stderr)


def test_read_only_stores(tmp_path: Path, cli) -> None:
    workspace = tmp_path / "ws"
    assert cli("run", str(DEMO_DATA), "--review", "auto", "-w", str(workspace)).returncode == 0
    with _read_only_bind(workspace, tmp_path / "ro"):
        result = cli("run", str(DEMO_DATA), "--review", "auto", "-w", str(tmp_path / "ro"))
        assert result.returncode == 2
        assert "Read-only file system" in one_line_error(result.stderr)
    # Nothing left behind blocks the next run.
    again = cli("run", str(DEMO_DATA), "--review", "auto", "-w", str(workspace))
    assert again.returncode == 0, again.stderr


def test_disk_full_fails_the_run_with_one_line(tmp_path: Path, cli) -> None:
    disk = tmp_path / "disk"
    with _mount(disk, "-t", "tmpfs", "-o", "size=3m", "tmpfs"):
        workspace = disk / "ws"
        # A process of its own: when the disk fills where not even the failure can be recorded, the
        # run stays `running` under this process's id, and only a process that is gone is reaped
        # (in this interpreter the lease would hold until it expires).
        result = run_cli("run", str(DEMO_DATA), "--review", "auto", "-w", str(workspace), cwd=tmp_path, process=True)
        assert result.returncode == 2, result.stderr
        line = one_line_error(result.stderr)
        assert "full" in line or "No space left" in line
        env = {"DATARAUM_WORKSPACE": str(workspace)}
        rows = run_rows(env)
        assert len(rows) == 1 and rows[0][1] in ("failed", "running"), rows
        if rows[0][1] == "failed":
            assert "full" in rows[0][2] or "No space left" in rows[0][2]
        # More room: the next run works and the failed one stays failed (or is reaped).
        grown = subprocess.run(["mount", "-o", "remount,size=256m", str(disk)], capture_output=True, text=True)
        assert grown.returncode == 0, grown.stderr
        again = cli("run", str(DEMO_DATA), "--review", "auto", "-w", str(workspace), "--json")
        assert again.returncode == 0, again.stderr
        statuses = [r[1] for r in run_rows(env)]
        assert statuses[-1] == "completed" and statuses[0] in ("failed", "interrupted"), statuses


def test_resuming_after_another_run_replaced_the_tables_is_refused(tmp_path: Path, dr) -> None:
    data = write_review_file(tmp_path / "rev.csv", 200)
    first = dr("run", str(data), "--json")
    assert first.returncode == 3, first.stderr
    old_id = json.loads(first.stdout)["run_id"]
    # A newer run on changed data replaces raw/typed tables, then waits at its own gate.
    data.write_text(data.read_text().replace("oops", "n/a"))
    second = dr("run", str(data), "--json")
    assert second.returncode == 3, second.stderr
    new_id = json.loads(second.stdout)["run_id"]
    assert dr("review", "approve", "--all").returncode == 0
    refused = dr("resume", old_id)
    assert refused.returncode == 2
    line = one_line_error(refused.stderr)
    assert "cannot be resumed" in line and new_id in line and "raw.rev" in line
    assert dict((r[0], r[1]) for r in run_rows(dr.env))[old_id] == "paused"
    # The newer run resumes (a plain resume picks it).
    resumed = dr("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["run_id"] == new_id
    stamps = metadata_rows(dr.env, "SELECT checkpoint_state FROM checkpoints WHERE dataflow_name = 'staging'")
    for (state,) in stamps:
        state = json.loads(state) if isinstance(state, str) else state
        assert state["tables"]["raw.rev"] in (old_id, new_id)
