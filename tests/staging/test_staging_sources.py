"""Discovery of sources and the one-line errors for bad input."""

from __future__ import annotations

import pytest

from dataraum_context.errors import SourceError, UserError
from dataraum_context.staging import discover_sources, stage_source


def one_line_error(excinfo: pytest.ExceptionInfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and isinstance(excinfo.value, UserError)
    return message


def test_folder_sorted_hidden_and_unsupported_skipped(tmp_path):
    (tmp_path / "b.csv").write_text("x\n1\n")
    (tmp_path / "a.parquet").write_bytes(b"PAR1" + b"\x00" * 8)
    (tmp_path / ".hidden.csv").write_text("x\n1\n")
    (tmp_path / "notes.md").write_text("hi")
    (tmp_path / "c.ndjson").write_text('[{"a": 1}]')
    skipped: list[str] = []
    specs = discover_sources([str(tmp_path)], skipped)
    assert [(s.name, s.kind) for s in specs] == [("a", "parquet"), ("b", "csv"), ("c", "json")]
    assert [p.rsplit("/", 1)[1] for p in skipped] == ["notes.md"]
    assert all(s.location.startswith("/") for s in specs)


def test_colliding_stems_get_suffix(tmp_path):
    (tmp_path / "orders.csv").write_text("x\n1\n")
    (tmp_path / "Orders.tsv").write_text("x\n1\n")
    specs = discover_sources([str(tmp_path)])
    assert [(s.name, s.renamed_from) for s in specs] == [("Orders", None), ("orders_2", "orders")]


def test_missing_path():
    with pytest.raises(SourceError) as excinfo:
        discover_sources(["/nonexistent/x.csv"])
    assert "/nonexistent/x.csv" in one_line_error(excinfo)


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError) as excinfo:
        discover_sources([str(path)])
    assert "is empty" in one_line_error(excinfo) and str(path) in str(excinfo.value)


def test_binary_file(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(SourceError) as excinfo:
        discover_sources([str(path)])
    assert "binary" in one_line_error(excinfo) and "image.csv" in str(excinfo.value)


def test_unsupported_format_given_explicitly(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(SourceError) as excinfo:
        discover_sources([str(path)])
    assert "unsupported" in one_line_error(excinfo) and "report.xlsx" in str(excinfo.value)


def test_folder_without_supported_files(tmp_path):
    (tmp_path / "a.md").write_text("x")
    with pytest.raises(SourceError) as excinfo:
        discover_sources([str(tmp_path)])
    assert "no supported files" in one_line_error(excinfo)


def test_unreachable_database_message_has_no_password(con):
    [spec] = discover_sources(["postgresql://alice:s3cr3t@127.0.0.1:1/db"])
    assert spec.location == "postgresql://alice:***@127.0.0.1:1/db"
    assert "s3cr3t" not in repr(spec) and "s3cr3t" not in spec.model_dump_json()
    with pytest.raises(SourceError) as excinfo:
        stage_source(con, spec)
    message = one_line_error(excinfo)
    assert "s3cr3t" not in message and "127.0.0.1:1" in message


def test_missing_sqlite_file(con, tmp_path):
    [spec] = discover_sources([f"sqlite:///{tmp_path}/nope.db"])
    with pytest.raises(SourceError) as excinfo:
        stage_source(con, spec)
    assert "not found" in one_line_error(excinfo)
