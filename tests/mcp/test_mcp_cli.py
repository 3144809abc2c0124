"""`dataraum mcp` bad input: one line and exit code 2, before any server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataraum_context.cli import main


def test_no_workspace_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mcp", "-w", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no dataraum workspace at") and len(err.splitlines()) == 1
    assert not (tmp_path / "none").exists()


def test_bad_port_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "metadata.db").touch()
    assert main(["mcp", "-w", str(tmp_path / "ws"), "--http", "--port", "70000"]) == 2
    assert "bad --port 70000" in capsys.readouterr().err
