"""Files real users have: each case failed (or lost data) before issue 11's staging work.

Every test checks the TRUST invariant on what it stages: each source record is either in
`raw.<table>` or in `quarantine.rejected_rows`, never both, never neither - the records
are counted independently of the reader (by Python's csv/json modules or by hand).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def csv_records(text: str, skip_lines: int = 0, header: bool = True) -> list[list[str]]:
    """Data records of a CSV text, counted by Python's csv module (blank lines ignored)."""
    body = "".join(io.StringIO(text, newline="").readlines()[skip_lines:])
    records = [r for r in csv.reader(io.StringIO(body, newline="")) if r]
    return records[1:] if header else records


def accounted(con: duckdb.DuckDBPyConnection, table, expected: int) -> None:
    """raw rows + rejected rows = source records; no rejected line is also a raw row."""
    raw = con.execute(f"SELECT count(*) FROM {table.raw_table}").fetchall()[0][0]
    rejected = con.execute(
        "SELECT count(*) FROM quarantine.rejected_rows WHERE table_name = ?", [table.table_name]
    ).fetchall()[0][0]
    assert (raw, rejected) == (table.row_count, table.rejected_rows)
    assert raw + rejected == expected


# --------------------------------------------------------------------------- 1. line ends, preamble


def test_mixed_crlf_and_lf_lines_stage_every_row(tmp_path, stage, rows, con):
    text = 'id,note\r\n1,"two\r\nlines"\r\n2,b\r\n' + "3,c\n4,\"x\ny\"\n5,e\n"
    [table] = stage(write(tmp_path / "appended.csv", text))
    assert rows(table) == [
        (1, "1", "two\r\nlines"),  # inside quotes the value keeps its own line end
        (2, "2", "b"),
        (3, "3", "c"),
        (4, "4", "x\ny"),
        (5, "5", "e"),
    ]
    assert table.options["mixed_newlines"] is True
    accounted(con, table, len(csv_records(text)))


def test_mixed_line_ends_after_the_sample(tmp_path, stage, con, rejected):
    # 1.5 MB of CRLF lines, then lines appended by a tool writing LF, one of them ragged.
    head = "a,b\r\n" + "".join(f"{i},x{i}\r\n" for i in range(100_000))
    tail = "".join(f"{i},y{i}\n" for i in range(100_000, 100_010)) + "bad\n"
    path = write(tmp_path / "big.csv", head + tail)
    [table] = stage(path)
    assert table.row_count == 100_010 and table.rejected_rows == 1
    assert con.execute(f"SELECT max(b) FILTER (WHERE a = '100009') FROM {table.raw_table}").fetchall() == [("y100009",)]
    assert con.execute(f"SELECT count(*) FROM {table.raw_table} WHERE b LIKE '%' || chr(13)").fetchall()[0][0] == 0
    assert [(line, text) for line, text, _ in rejected("big")] == [(100_012, "bad")]
    accounted(con, table, 100_011)


def test_unify_newlines_keeps_quoted_text_across_chunks():
    from dataraum_context.staging.readers import unify_newlines

    chunks = ['a,"x\r', '\ny"\r', "\nb,c\r\n", 'd,"e', '""\r\n"\r\n']
    assert "".join(unify_newlines(iter(chunks), '"', '"')) == 'a,"x\r\ny"\nb,c\nd,"e""\r\n"\n'
    chunks = ['a,"x\\', '"\r\n"\r\n', "b\r\n"]
    assert "".join(unify_newlines(iter(chunks), '"', "\\")) == 'a,"x\\"\r\n"\nb\n'


def test_last_line_without_newline(tmp_path, stage, rows, con):
    text = "a,b\r\n1,2\r\n3,4"
    [table] = stage(write(tmp_path / "nolf.csv", text))
    assert rows(table) == [(1, "1", "2"), (2, "3", "4")]
    accounted(con, table, 2)


def test_trailing_delimiters_make_no_phantom_column(tmp_path, stage, rows, con):
    text = "id,name,\n1,Anna,\n2,Bo,\n"
    [table] = stage(write(tmp_path / "trail.csv", text))
    assert [c.original_name for c in table.columns] == ["id", "name"]
    assert con.execute(f"DESCRIBE {table.raw_table}").fetchall()[-1][0] == "name"
    assert rows(table) == [(1, "1", "Anna"), (2, "2", "Bo")]
    assert table.options["trailing_delimiter"] is True
    accounted(con, table, 2)
    # Header without the trailing delimiter, data with: still two columns, no rejects.
    [table] = stage(write(tmp_path / "trail2.csv", "id,name\n1,Anna,\n2,Bo,\n"))
    assert rows(table) == [(1, "1", "Anna"), (2, "2", "Bo")] and table.rejected_rows == 0
    accounted(con, table, 2)


def test_unnamed_last_column_with_values_is_kept(tmp_path, stage, rows):
    [table] = stage(write(tmp_path / "kept.csv", "id,name,\n1,Anna,\n2,Bo,x\n"))
    assert [c.original_name for c in table.columns] == ["id", "name", ""]
    assert rows(table) == [(1, "1", "Anna", None), (2, "2", "Bo", "x")]
    assert "trailing_delimiter" not in table.options


def test_comment_preamble_before_header(tmp_path, stage, rows, con):
    text = "# exported 2024-01-01\n# by tool, v2\n\nid,name,amount\n1,Anna,3.5\n2,Bo,4\n"
    [table] = stage(write(tmp_path / "pre.csv", text))
    assert [c.name for c in table.columns] == ["id", "name", "amount"]
    assert rows(table) == [(1, "1", "Anna", "3.5"), (2, "2", "Bo", "4")]
    assert table.options["skipped_lines"] == 3
    assert table.options["preamble"] == ["# exported 2024-01-01", "# by tool, v2", ""]
    accounted(con, table, len(csv_records(text, skip_lines=3)))


def test_title_line_before_header(tmp_path, stage, rows, con, rejected):
    text = "Sales report 2024\nregion;month;amount\nNorth;1;10\nSouth;1;12\nbroken\n"
    [table] = stage(write(tmp_path / "title.csv", text))
    assert table.options["delimiter"] == ";"
    assert [c.name for c in table.columns] == ["region", "month", "amount"]
    assert rows(table) == [(1, "North", "1", "10"), (2, "South", "1", "12")]
    assert [(line, text) for line, text, _ in rejected("title")] == [(5, "broken")]
    accounted(con, table, 3)


def test_hash_header_column_is_not_a_comment(tmp_path, stage, rows):
    [table] = stage(write(tmp_path / "hash.csv", "#,name\n1,a\n2,b\n"))
    assert [c.name for c in table.columns] == ["#", "name"]
    assert table.row_count == 2 and "preamble" not in table.options


def test_no_header_row(tmp_path, stage, rows, con):
    text = "1,Anna,2024-01-01\n2,Bo,2024-01-02\n3,Cy,2024-01-03"
    [table] = stage(write(tmp_path / "nohead.csv", text))
    assert table.options["header"] is False
    assert [c.original_name for c in table.columns] == ["column_1", "column_2", "column_3"]
    assert rows(table)[0] == (1, "1", "Anna", "2024-01-01")
    accounted(con, table, 3)


# --------------------------------------------------------------------------- 2. code pages


def test_windows_1252_punctuation(tmp_path, stage, rows, con):
    text = "item;price;note\nTee;3 €;“hot” – fresh\nCafé;2 €;‘ok’ … ™\n"
    [table] = stage(write(tmp_path / "w.csv", text.encode("cp1252")))
    assert table.options["encoding"] == "cp1252"
    assert rows(table) == [(1, "Tee", "3 €", "“hot” – fresh"), (2, "Café", "2 €", "‘ok’ … ™")]
    accounted(con, table, 2)


def test_windows_1252_only_after_the_sample(tmp_path, stage, con):
    body = "".join(f"{i};Köln\n" for i in range(120_000)) + "x;5 € – ok\n"
    [table] = stage(write(tmp_path / "late.csv", ("id;city\n" + body).encode("cp1252")))
    assert table.options["encoding"] == "cp1252"
    found = con.execute(f"SELECT city FROM {table.raw_table} WHERE id = 'x'").fetchall()
    assert found == [("5 € – ok",)]
    accounted(con, table, 120_001)


def test_no_encoding_fits_names_the_file(tmp_path, stage):
    from dataraum_context.errors import SourceError

    path = write(tmp_path / "odd.csv", b"a,b\n1,\x81\x8d\n")
    with pytest.raises(SourceError) as info:
        stage(path)
    message = str(info.value)
    assert str(path) in message and "encoding" in message and "\n" not in message


# --------------------------------------------------------------------------- 3. long lines, whole rejects


def test_five_megabyte_field_is_accepted(tmp_path, stage, con):
    big = "x" * (5 * 1024 * 1024)
    [table] = stage(write(tmp_path / "wide.csv", f"id,blob\n1,{big}\n2,small\n"))
    assert table.rejected_rows == 0 and table.row_count == 2
    assert con.execute(f"SELECT length(blob) FROM {table.raw_table} ORDER BY _row_id").fetchall() == [
        (len(big),), (5,)
    ]


def test_field_longer_than_the_first_reads_bound_is_read_again(tmp_path, stage, con):
    """The first read allows lines of `FIRST_LINE_SIZE` (so DuckDB's buffer is not as big as the
    file); a longer line makes the file be read again with room for any line: nothing rejected."""
    from dataraum_context.staging.readers import FIRST_LINE_SIZE

    big = "x" * (FIRST_LINE_SIZE + 1024)
    [table] = stage(write(tmp_path / "longer.csv", f"id,blob\n1,{big}\n2,small\n3,{big}\n"))
    assert table.rejected_rows == 0 and table.row_count == 3
    assert con.execute(f"SELECT length(blob) FROM {table.raw_table} ORDER BY _row_id").fetchall() == [
        (len(big),), (5,), (len(big),)
    ]
    accounted(con, table, 3)


def test_rejected_rows_keep_their_whole_text(tmp_path, stage, rejected, con):
    long_line = "2," + "y" * 25_000 + ",extra"
    quoted = '3,"' + "z" * 12_000 + '\nsecond line",more,fields'
    text = f"a,b\n1,ok\n{long_line}\n{quoted}\n4,fine\n"
    [table] = stage(write(tmp_path / "longrej.csv", text))
    found = rejected("longrej")
    assert [(line, raw) for line, raw, _ in found] == [(3, long_line), (4, quoted)]
    assert table.row_count == 2
    accounted(con, table, 4)


# --------------------------------------------------------------------------- 4. "" versus empty


def test_quoted_empty_string_is_not_null(tmp_path, stage, rows, con):
    text = 'a,b,c\n"",,x\n,"",""\n'
    [table] = stage(write(tmp_path / "empty.csv", text))
    assert rows(table) == [(1, "", None, "x"), (2, None, "", "")]
    accounted(con, table, 2)


# --------------------------------------------------------------------------- 8. not a regular file


def test_fifo_is_refused_at_once(tmp_path, con):
    import os
    import threading

    from dataraum_context.errors import SourceError
    from dataraum_context.staging import discover_sources

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            discover_sources([str(fifo)])
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("staging a FIFO blocked")
    assert isinstance(outcome[0], SourceError)
    assert str(outcome[0]) == f"{fifo}: not a regular file (a FIFO)"
    # In a folder it is skipped like any other non-file entry.
    write(tmp_path / "ok.csv", "a\n1\n")
    skipped: list[str] = []
    specs = discover_sources([str(tmp_path)], skipped)
    assert [s.name for s in specs] == ["ok"] and skipped == [str(fifo)]


# --------------------------------------------------------------------------- 10. corrupt gzip


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not_gzip"])
def test_corrupt_gzip_is_one_line_naming_the_file(tmp_path, stage, damage):
    import gzip

    from dataraum_context.errors import SourceError

    data = gzip.compress(("a,b\n" + "".join(f"{i},{i * 7}\n" for i in range(200_000))).encode())
    broken = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:200] + bytes([data[200] ^ 0xFF]) + data[201:],
        "not_gzip": b"a,b\n1,2\n",
    }[damage]
    path = write(tmp_path / "z.csv.gz", broken)
    with pytest.raises(SourceError) as info:
        stage(path)
    assert "z.csv.gz" in str(info.value) and "\n" not in str(info.value)


# --------------------------------------------------------------------------- 5. JSON


def test_json_keys_are_names_not_paths(tmp_path, stage, rows, con):
    record = '{"id": 1, "/id": 2, "": 3, "$x": 4, "a.b": 5, "a": {"b": 99}, "x[0]": 6, "q\\"k": 7, "*": 8}'
    path = write(tmp_path / "keys.jsonl", record + "\n")
    [table] = stage(path)
    assert [c.original_name for c in table.columns] == ["id", "/id", "", "$x", "a.b", "a", "x[0]", 'q"k', "*"]
    assert rows(table) == [(1, "1", "2", "3", "4", "5", '{"b":99}', "6", "7", "8")]
    accounted(con, table, 1)


def test_json_numbers_kept_as_written(tmp_path, stage, rows, con):
    lines = [
        '{"n": 1e3, "d": 1.50, "big": 123456789012345678901234567890, "neg": -0.0, "nest": {"k": [1.50, 2E5]}}',
        '{"n": 7, "d": 2, "big": 1, "neg": 3, "nest": null}',
    ]
    [table] = stage(write(tmp_path / "num.jsonl", "\n".join(lines) + "\n"))
    assert rows(table) == [
        (1, "1e3", "1.50", "123456789012345678901234567890", "-0.0", '{"k":[1.50,2E5]}'),
        (2, "7", "2", "1", "3", None),
    ]
    assert [c.raw_type for c in table.columns] == ["DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "JSON"]
    accounted(con, table, 2)


def test_pretty_printed_single_object_is_one_row(tmp_path, stage, rows, con):
    text = '{\n  "id": 7,\n  "name": "Zoë",\n  "tags": ["a", "b"],\n  "price": 1.50\n}\n'
    [table] = stage(write(tmp_path / "one.json", text))
    assert rows(table) == [(1, "7", "Zoë", '["a","b"]', "1.50")]
    accounted(con, table, 1)


def test_concatenated_pretty_objects_and_trailing_garbage(tmp_path, stage, rows, rejected, con):
    text = '{\n "a": 1\n}\n{\n "a": 2,\n "b": "x"\n}\n{ "a": oops\n'
    [table] = stage(write(tmp_path / "stream.json", text))
    assert rows(table) == [(1, "1", None), (2, "2", "x")]
    assert rejected("stream") == [(8, '{ "a": oops\n', "malformed JSON")]
    accounted(con, table, 3)


def test_ndjson_whose_first_line_is_malformed(tmp_path, stage, rows, rejected, con):
    text = '{"a": 1\n{"a": 2}\n[1, 2]\n{"a": 3}\n'
    [table] = stage(write(tmp_path / "first_bad.jsonl", text))
    assert rows(table) == [(1, "2"), (2, "3")]
    assert rejected("first_bad") == [(1, '{"a": 1', "malformed JSON"), (3, "[1, 2]", "not a JSON object")]
    accounted(con, table, 4)


def test_json_array_with_non_objects(tmp_path, stage, rows, rejected, con):
    [table] = stage(write(tmp_path / "arr.json", '[{"a": 1.0}, 5, "s", {"a": 2}]'))
    assert rows(table) == [(1, "1.0"), (2, "2")]
    assert [(text, error) for _, text, error in rejected("arr")] == [
        ("5", "not a JSON object"), ('"s"', "not a JSON object")
    ]
    accounted(con, table, 4)


# --------------------------------------------------------------------------- 6. SQLite binary values


def test_sqlite_binary_and_undecodable_values_kept_as_hex(tmp_path, con, rows):
    import sqlite3

    from dataraum_context.staging import discover_sources, stage_source

    path = tmp_path / "bin.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER, payload BLOB, note TEXT)")
        db.execute("INSERT INTO t VALUES (1, ?, 'ok')", [b"\x89PNG\r\n\x1a\n\x00\xff"])
        db.execute("INSERT INTO t VALUES (2, ?, CAST(? AS TEXT))", [b"plain", b"caf\xe9"])
        db.execute("INSERT INTO t VALUES (3, NULL, 'Zoë')")
        db.execute("CREATE TABLE other (x TEXT)")
        db.execute("INSERT INTO other VALUES ('fine')")
    [spec] = discover_sources([f"sqlite:///{path}"])
    other, t = stage_source(con, spec)
    assert rows(t) == [
        (1, "1", "\\x89504e470d0a1a0a00ff", "ok"),
        (2, "2", "plain", "\\x636166e9"),
        (3, "3", None, "Zoë"),
    ]
    assert t.options["binary_values"] == 2 and "binary_values" not in other.options
    assert t.row_count == 3 and rows(other) == [(1, "fine")]


# --------------------------------------------------------------------------- 7. Parquet duplicate names


def test_parquet_duplicate_column_names_recorded_as_in_file(tmp_path, stage, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array(["x", "y"]), pa.array([3.5, None])], names=["a", "a", "A"])
    pq.write_table(table, path)
    [staged] = stage(path)
    assert [c.original_name for c in staged.columns] == ["a", "a", "A"]
    assert [c.name for c in staged.columns] == ["a", "a_2", "A_3"]
    assert [c.raw_type for c in staged.columns] == ["BIGINT", "VARCHAR", "DOUBLE"]
    assert rows(staged) == [(1, "1", "x", "3.5"), (2, "2", "y", None)]


# --------------------------------------------------------------------------- seen in real files


def test_header_with_trailing_delimiter_over_plain_rows(tmp_path, stage, rows, con):
    # statsmodels' macrodata/src/unemp.csv: a BLS export, title lines, `Series id,Year,Period,Value,`
    text = "Series Id:  LNS14000000Q\n\nSeries id,Year,Period,Value,\nLNS1,1959,Q01,5.8\nLNS1,1959,Q02,5.1\n"
    [table] = stage(write(tmp_path / "unemp.csv", text))
    assert [c.name for c in table.columns] == ["Series id", "Year", "Period", "Value"]
    assert table.row_count == 2 and table.rejected_rows == 0
    accounted(con, table, 2)


def test_r_write_csv_row_names_column(tmp_path, stage, rows, con):
    # R's write.csv: the header has no name for the row-names column.
    text = '"Weight","Feed"\n"1",26.5,NA\n"2",27.6,5.2\n'
    [table] = stage(write(tmp_path / "dietox.csv", text))
    assert [c.original_name for c in table.columns] == ["", "Weight", "Feed"]
    assert rows(table) == [(1, "1", "26.5", "NA"), (2, "2", "27.6", "5.2")]
    accounted(con, table, 2)


def test_space_delimited_r_write_table(tmp_path, stage, rows, con):
    text = '"name" "votes" "share"\n"Aberdeen_City" 1142 60.3\n"Angus" 533 53.4\n'
    [table] = stage(write(tmp_path / "scotvote.csv", text))
    assert table.options["delimiter"] == " "
    assert rows(table) == [(1, "Aberdeen_City", "1142", "60.3"), (2, "Angus", "533", "53.4")]
    accounted(con, table, 2)


def test_lines_ending_in_cr_crlf_and_lf(tmp_path, stage, rows, con):
    text = 'a,b\r\n1,2\r\n3,"x\ry"\r5,6\n7,8'
    [table] = stage(write(tmp_path / "three.csv", text))
    assert rows(table) == [(1, "1", "2"), (2, "3", "x\ry"), (3, "5", "6"), (4, "7", "8")]
    accounted(con, table, 4)


def test_windows_1251_cyrillic(tmp_path, stage, rows, con):
    text = "город;население;примечание\nМосква;13010112;столица\nСанкт-Петербург;5601911;«северная»\nКазань;1308660;ok\n"
    [table] = stage(write(tmp_path / "cities.csv", text.encode("cp1251")))
    assert table.options["encoding"] == "cp1251"
    assert [c.name for c in table.columns] == ["город", "население", "примечание"]
    assert rows(table)[1] == (2, "Санкт-Петербург", "5601911", "«северная»")
    accounted(con, table, 3)


@pytest.mark.parametrize(
    "text",
    [
        "stadt;größe;straße\nKöln;1;Hauptstraße\nMünchen;2;Bahnhofstraße\nDüsseldorf;3;Königsallee\n",
        "ville,été,remarque\nSète,Noël,déjà vu\nÉvian,Orléans,à côté\nArlès,Nîmes,très\n",
    ],
)
def test_western_latin1_stays_latin1(tmp_path, stage, rows, text):
    [table] = stage(write(tmp_path / "west.csv", text.encode("latin-1")))
    assert table.options["encoding"] == "latin-1"
    assert rows(table)[0][1] in ("Köln", "Sète")


def test_rows_that_leave_out_trailing_empty_fields(tmp_path, stage, rows, con, rejected):
    # statsmodels' arima212_forecast.csv: most lines stop after the last filled field.
    lines = ["dates,cpi,predict,stderr", "1950:1,28.98,,", "1950:2,29.15,29.8", "1950:3,29.35,29.7",
             "1950:4,29.37", '1951:1,"29,5",30.0,0.5', "1951:2,1,2,3,4"]
    [table] = stage(write(tmp_path / "forecast.csv", "\n".join(lines) + "\n"))
    assert table.options["null_padding"] is True
    assert rows(table) == [
        (1, "1950:1", "28.98", None, None),
        (2, "1950:2", "29.15", "29.8", None),
        (3, "1950:3", "29.35", "29.7", None),
        (4, "1950:4", "29.37", None, None),
        (5, "1951:1", "29,5", "30.0", "0.5"),
    ]
    assert [(line, text) for line, text, _ in rejected("forecast")] == [(7, "1951:2,1,2,3,4")]
    accounted(con, table, 6)


def test_json_nested_too_deep_is_a_rejected_line(tmp_path, stage, rows, rejected, con):
    deep = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    [table] = stage(write(tmp_path / "deep.jsonl", '{"a": 1}\n' + deep + "\n"))
    assert rows(table) == [(1, "1")]
    assert [(line, error) for line, _, error in rejected("deep")] == [(2, "malformed JSON")]
    accounted(con, table, 2)
