"""Every bad input: exit 2, one line on stderr, no traceback, no half-written metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import CliResult


def assert_clean_error(result: CliResult, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]


def assert_run_failed(cli, message_part: str) -> None:
    status = cli("status", "--json")
    assert status.returncode == 0, status.stderr
    runs = json.loads(status.stdout)["runs"]
    assert runs and runs[0]["status"] == "failed"
    assert message_part in (runs[0]["error"] or "")
    context = json.loads(cli("context", "--format", "json").stdout)
    assert context["tables"] == []  # nothing half-written


def test_missing_path(tmp_path: Path, cli) -> None:
    result = cli("run", str(tmp_path / "nope.csv"))
    assert_clean_error(result, "nope.csv")
    # Found by the preflight: nothing is written, not even a failed run.
    assert not cli.workspace.exists()


def test_empty_file(tmp_path: Path, cli) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = cli("run", str(tmp_path / "empty.csv"))
    assert_clean_error(result, "empty.csv")
    assert_run_failed(cli, "empty")


def test_binary_file(tmp_path: Path, cli) -> None:
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    result = cli("run", str(tmp_path / "image.csv"))
    assert_clean_error(result, "image.csv")
    assert_run_failed(cli, "image.csv")


def test_unsupported_format(tmp_path: Path, cli) -> None:
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = cli("run", str(tmp_path / "sheet.xlsx"))
    assert_clean_error(result, "sheet.xlsx")
    assert_run_failed(cli, "sheet.xlsx")


def test_unreachable_database(tmp_path: Path, cli) -> None:
    result = cli("run", "postgresql://someone:s3cret@127.0.0.1:1/nothing")
    assert_clean_error(result, "127.0.0.1")
    assert "s3cret" not in result.stderr
    assert_run_failed(cli, "127.0.0.1")
    status = cli("status", "--json")
    assert "s3cret" not in status.stdout


@pytest.mark.parametrize(
    "url",
    [
        "not a url at all",
        "mysql://root@127.0.0.1/test",
        "postgresql+asyncpg://postgres@127.0.0.1:1/unreachable",
    ],
)
def test_bad_metadata_url(tmp_path: Path, cli, url: str) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    result = cli("run", str(tmp_path / "a.csv"), "--metadata-url", url)
    assert_clean_error(result, "metadata")


def test_usage_errors_are_one_line(cli) -> None:
    assert_clean_error(cli("run", "--bogus"), "--bogus")
    assert_clean_error(cli("run", "x.csv", "--review", "sometimes"), "review")
    assert_clean_error(cli("context", "--format", "xml"), "xml")


def test_reading_commands_without_workspace(cli) -> None:
    assert_clean_error(cli("status"), "no dataraum workspace")
    assert_clean_error(cli("review", "show", "12345678-1234-1234-1234-123456789abc"), "no dataraum workspace")


def test_review_bad_ids(tmp_path: Path, cli) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert cli("run", str(tmp_path / "a.csv")).returncode == 0
    assert_clean_error(cli("review", "show", "not-an-id"), "not-an-id")
    assert_clean_error(cli("review", "approve", "12345678-1234-1234-1234-123456789abc"), "no review item")
    assert_clean_error(cli("review", "modify", "12345678-1234-1234-1234-123456789abc", "--set", "novalue"), "no review item")
    assert_clean_error(cli("status", "12345678-1234-1234-1234-123456789abc"), "no run")
