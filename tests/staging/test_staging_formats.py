"""Parquet, JSON array and NDJSON staging."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq


def test_parquet_types_recorded_values_text(tmp_path, stage, rows):
    path = tmp_path / "p.parquet"
    pq.write_table(
        pa.table({"id": pa.array([1, 2], pa.int64()), "price": [1.5, None], "tags": [["a"], []]}), path
    )
    [table] = stage(path)
    assert [(c.name, c.raw_type) for c in table.columns] == [
        ("id", "BIGINT"), ("price", "DOUBLE"), ("tags", "VARCHAR[]")
    ]
    assert rows(table) == [(1, "1", "1.5", '["a"]'), (2, "2", None, "[]")]
    assert table.source_type == "parquet" and table.rejected_rows == 0


def test_json_array(tmp_path, stage, rows):
    path = tmp_path / "a.json"
    path.write_text('  [{"id": 1, "meta": {"k": [1, 2]}, "s": "x"}, {"id": 2, "s": null, "extra": true}]')
    [table] = stage(path)
    assert table.source_type == "json"
    assert [(c.name, c.raw_type) for c in table.columns] == [
        ("id", "BIGINT"), ("meta", "JSON"), ("s", "VARCHAR"), ("extra", "BOOLEAN")
    ]
    assert rows(table) == [(1, "1", '{"k":[1,2]}', "x", None), (2, "2", None, None, "true")]


def test_ndjson_with_malformed_line(tmp_path, stage, rows, rejected):
    path = tmp_path / "events.jsonl"
    path.write_text('{"a": 1, "b": "NA"}\n\n{"a": 2, oops\n{"a": 3.5, "b": "x"}\n')
    [table] = stage(path)
    assert table.source_type == "ndjson"
    assert rows(table) == [(1, "1", "NA"), (2, "3.5", "x")]
    assert rejected("events") == [(3, '{"a": 2, oops', "malformed JSON")]
    assert table.row_count + table.rejected_rows == 3
    assert table.columns[0].raw_type == "DOUBLE"
