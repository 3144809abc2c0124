"""A folder with bad files: the others are staged, the bad ones reported, exit code 4."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from dataraum_context.errors import SourceError
from dataraum_context.staging import discover_sources


def bad_folder(folder: Path) -> dict[str, str]:
    """Two good files and four that cannot be staged; returns bad file -> a word of its error."""
    folder.mkdir()
    (folder / "customers.csv").write_text("id,name\n1,Ann\n2,Bob\n", encoding="utf-8")
    (folder / "events.jsonl").write_text('{"id": 1, "kind": "open"}\n', encoding="utf-8")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    packed = gzip.compress(("a,b\n" + "".join(f"{i},{i * 7919 % 10007}\n" for i in range(50_000))).encode())
    (folder / "broken.csv.gz").write_bytes(packed[: len(packed) // 2])
    (folder / "nothing.json").write_text("[1, 2, 3]", encoding="utf-8")
    return {"empty.csv": "empty", "image.csv": "binary", "broken.csv.gz": "ended", "nothing.json": "no JSON objects"}


def test_discovery_keeps_bad_folder_files_as_failed_specs(tmp_path):
    bad_folder(tmp_path / "data")
    specs = {s.name: s for s in discover_sources([str(tmp_path / "data")])}
    assert all(s.in_folder for s in specs.values())
    assert specs["empty"].error and "empty" in specs["empty"].error
    assert specs["image"].error and "binary" in specs["image"].error
    assert specs["customers"].error is None and specs["broken"].error is None  # fails when read
    # Named directly, a bad file is still refused at once.
    with pytest.raises(SourceError, match="empty"):
        discover_sources([str(tmp_path / "data" / "empty.csv")])


def test_run_folder_with_bad_files(tmp_path: Path, cli) -> None:
    bad = bad_folder(tmp_path / "data")
    result = cli("run", str(tmp_path / "data"), "--json")
    assert result.returncode == 4, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed"
    assert sorted(summary["tables"]) == ["customers", "events"]
    failed = {Path(f["location"]).name: f["error"] for f in summary["failed_sources"]}
    assert sorted(failed) == sorted(bad)
    for name, word in bad.items():
        assert word in failed[name] and name in failed[name] and "\n" not in failed[name]

    # Without --json: one `not staged:` line per bad file on stderr, same exit code.
    again = cli("run", str(tmp_path / "data"))
    assert again.returncode == 4
    assert sum(line.startswith("not staged: ") for line in again.stderr.splitlines()) == len(bad)

    status = cli("status", "--json")
    assert status.returncode == 0, status.stderr
    latest = json.loads(status.stdout)["runs"][0]
    assert len(latest["failed_sources"]) == len(bad)
    one = cli("status", latest["id"])
    assert one.returncode == 0 and one.stdout.count("not staged:") == len(bad)

    doc = json.loads(cli("context", "--format", "json").stdout)
    assert sorted(Path(f["location"]).name for f in doc["failed_sources"]) == sorted(bad)
    markdown = cli("context", "--format", "md").stdout
    assert "## Sources not staged" in markdown and "empty.csv" in markdown


def test_single_bad_file_is_still_exit_2(tmp_path: Path, cli) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = cli("run", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "empty.csv" in result.stderr


def test_folder_where_nothing_can_be_staged_is_exit_2(tmp_path: Path, cli) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.csv").write_bytes(b"")
    (folder / "b.json").write_text("[]", encoding="utf-8")
    result = cli("run", str(folder))
    assert result.returncode == 2, result.stderr
    assert "no source could be staged" in result.stderr
