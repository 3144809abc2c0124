"""A slice of the real-world corpus (bench/corpus.py): real public files, the whole pipeline.

Each file runs alone in a fresh workspace (the Python entry `dataraum run` uses, review
`defer`). Asserted: the run completes, every source record is either a raw row or a rejected
row, and the typed table keeps every raw row. Sources and licences: tests/corpus_slice/README.md.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import duckdb
import pytest

from dataraum_context.config import load_settings
from dataraum_context.pipeline.runner import execute_run
from dataraum_context.sqlutil import quote_ident

SLICE = Path(__file__).parent / "corpus_slice"
FILES = sorted(p.name for p in SLICE.iterdir() if p.suffix in (".csv", ".tsv", ".json"))


def source_records(path: Path) -> int:
    """Records in the file as an independent reader sees them (header line not counted)."""
    if path.suffix == ".json":
        return len(json.loads(path.read_text(encoding="utf-8")))
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix == ".tsv" else ","))
    return len([r for r in rows if r]) - 1


def run_file(path: Path, workspace: Path) -> tuple[object, duckdb.DuckDBPyConnection]:
    settings = load_settings(workspace=workspace, review="defer")
    settings.workspace.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(execute_run(settings, [str(path)], None, workspace / "logs" / "last-error.log"))
    return outcome, duckdb.connect(str(workspace / "data.duckdb"), read_only=True)


def test_slice_is_small_and_documented() -> None:
    readme = (SLICE / "README.md").read_text()
    assert len(FILES) >= 10
    for name in FILES:
        assert (SLICE / name).stat().st_size < 50_000, name
        assert name in readme, f"{name} has no source/licence line in the README"


@pytest.mark.slow  # about 1-3 s a file, ~40 s in all on a loaded 2-core machine
@pytest.mark.parametrize("name", FILES)
def test_whole_pipeline_keeps_every_record(name: str, tmp_path: Path) -> None:
    path = SLICE / name
    outcome, con = run_file(path, tmp_path / "ws")
    try:
        assert outcome.status == "completed", (outcome.status, outcome.error)
        assert not (tmp_path / "ws" / "logs" / "last-error.log").exists()
        table = path.name.split(".")[0]
        raw_rows = con.execute(f"SELECT count(*) FROM raw.{quote_ident(table)}").fetchone()[0]
        typed_rows = con.execute(f"SELECT count(*) FROM typed.{quote_ident(table)}").fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM quarantine.rejected_rows WHERE table_name = ?", [table]).fetchone()[0]
        assert raw_rows == typed_rows
        assert raw_rows + rejected == source_records(path)
        # every quarantined cell names a column of the table and keeps its raw text
        bad = con.execute(
            "SELECT count(*) FROM quarantine.cast_failures q WHERE q.table_name = ? AND (q.raw_value IS NULL OR "
            "q.column_name NOT IN (SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'typed' AND table_name = ?))", [table, table]).fetchone()[0]
        assert bad == 0
    finally:
        con.close()


@pytest.mark.slow
def test_preamble_line_does_not_reject_every_row(tmp_path: Path) -> None:
    """scikit-learn's CSVs start with `n_samples,n_features,class names` (fewer fields than the data)."""
    outcome, con = run_file(SLICE / "wine_data.csv", tmp_path / "ws")
    try:
        assert con.execute("SELECT count(*) FROM raw.wine_data").fetchone()[0] == 178
    finally:
        con.close()
