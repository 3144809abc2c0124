"""CSV/TSV staging: encodings, dialects, hostile headers, null tokens, rejected rows."""

from __future__ import annotations

from pathlib import Path

import pytest


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def test_utf8_bom_csv(tmp_path, stage, rows):
    path = write(tmp_path / "orders.csv", b"\xef\xbb\xbfid,name\n1,Anna\n2,J\xc3\xb6rg\n")
    [table] = stage(path)
    assert [c.name for c in table.columns] == ["id", "name"]
    assert table.options["bom"] is True and table.options["encoding"] == "utf-8"
    assert rows(table) == [(1, "1", "Anna"), (2, "2", "Jörg")]
    assert table.raw_table == '"raw"."orders"' and table.row_count == 2


def test_semicolon_with_quoted_newlines_and_delimiters(tmp_path, stage, rows):
    text = 'id;note;amount\n1;"first line\nsecond; line";3,50\n2;"say ""hi""";4\n3;plain;5\n'
    [table] = stage(write(tmp_path / "notes.csv", text))
    assert table.options["delimiter"] == ";"
    assert rows(table) == [
        (1, "1", "first line\nsecond; line", "3,50"),
        (2, "2", 'say "hi"', "4"),
        (3, "3", "plain", "5"),
    ]
    assert table.rejected_rows == 0


def test_tsv(tmp_path, stage, rows):
    [table] = stage(write(tmp_path / "t.tsv", "a\tb c\n1\tx, y\n2\tz\n"))
    assert table.source_type == "tsv" and table.options["delimiter"] == "\t"
    assert rows(table) == [(1, "1", "x, y"), (2, "2", "z")]


def test_latin1(tmp_path, stage, rows):
    [table] = stage(write(tmp_path / "l.csv", "stadt;größe\nKöln;1\nMünchen;2\n", "latin-1"))
    assert table.options["encoding"] == "latin-1"
    assert [c.name for c in table.columns] == ["stadt", "größe"]
    assert rows(table) == [(1, "Köln", "1"), (2, "München", "2")]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16(tmp_path, stage, rows, codec):
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    [table] = stage(write(tmp_path / "u.csv", bom + "name,city\nÅsa,Malmö\nZoë,Köln\n".encode(codec)))
    assert table.options["bom"] is True
    assert rows(table) == [(1, "Åsa", "Malmö"), (2, "Zoë", "Köln")]


def test_hostile_header_names_kept_exactly(tmp_path, stage, con, rows):
    text = '"a""b","x;y",select,größe,,dup,dup,DUP, spaced \n1,2,3,4,5,6,7,8,9\n'
    [table] = stage(write(tmp_path / 'order items; "x".csv', text))
    assert table.table_name == 'order items; "x"'
    originals = [c.original_name for c in table.columns]
    assert originals == ['a"b', "x;y", "select", "größe", "", "dup", "dup", "DUP", " spaced "]
    names = [c.name for c in table.columns]
    assert names == ['a"b', "x;y", "select", "größe", "column_5", "dup", "dup_2", "DUP_3", " spaced "]
    assert [c.position for c in table.columns] == list(range(9))
    described = [r[0] for r in con.execute(f"DESCRIBE {table.raw_table}").fetchall()]
    assert described == ["_row_id", *names]
    assert rows(table) == [(1, *[str(i) for i in range(1, 10)])]


def test_null_tokens_kept_raw(tmp_path, stage, rows):
    text = "a,b,c\nNA,,x\nnull,N/A,-\nNA,None,nan\n1,NULL,y\n"
    [table] = stage(write(tmp_path / "n.csv", text))
    assert rows(table) == [
        (1, "NA", None, "x"),
        (2, "null", "N/A", "-"),
        (3, "NA", "None", "nan"),
        (4, "1", "NULL", "y"),
    ]
    # Counting them is profiling's job (tests/profiling).


def test_rejected_rows_quarantined_with_physical_lines(tmp_path, stage, rejected):
    lines = [
        "id,note,amount",                 # 1 header
        '1,"multi',                       # 2
        'line",10',                       # 3
        "2,short",                        # 4 ragged: too few
        "3,ok,30",                        # 5
        '4,"bad"quote,40',                # 6 bad quoting
        "5,too,many,fields",              # 7 ragged: too many
        "6,fine,60",                      # 8
    ]
    [table] = stage(write(tmp_path / "bad.csv", "\n".join(lines) + "\n"))
    found = rejected("bad")
    assert [(line, text) for line, text, _ in found] == [
        (4, "2,short"),
        (6, '4,"bad"quote,40'),
        (7, "5,too,many,fields"),
    ]
    assert all(error for _, _, error in found)
    assert table.rejected_rows == 3 and table.row_count == 3
    records = 6  # data records in the file (the quoted newline joins lines 2-3)
    assert table.row_count + table.rejected_rows == records


def test_rejected_rows_crlf_and_invalid_utf8(tmp_path, stage, rejected):
    data = b"a,b\r\n1,2\r\n3\r\n5,6\r\n"
    [table] = stage(write(tmp_path / "crlf.csv", data))
    assert rejected("crlf") == [(3, "3", rejected("crlf")[0][2])]
    assert table.row_count == 2
    # The undecodable bytes sit beyond the 1 MiB sample, so the file is read as UTF-8.
    bad = b"a,b\n" + b"1,ok\n" * 250_000 + b"2,\xff\xfe\n" + b"3,fine\n" * 20
    [table] = stage(write(tmp_path / "enc.csv", bad))
    assert table.options["encoding"] == "utf-8"
    assert [(line, text) for line, text, _ in rejected("enc")] == [(250_002, "2,\\xff\\xfe")]
    assert table.row_count + table.rejected_rows == 250_021


def test_row_id_in_file_order_and_restaging_is_idempotent(tmp_path, stage, con, rejected):
    body = "".join(f'{i},"v{i}\nmore"\n' if i % 7 == 0 else f"{i},v{i}\n" for i in range(1, 3001))
    path = write(tmp_path / "order.csv", "n,v\n" + body + "x\n")
    for _ in range(2):
        [table] = stage(path)
        assert table.row_count == 3000 and table.rejected_rows == 1
        mismatches = con.execute(
            f"SELECT count(*) FROM {table.raw_table} WHERE CAST(n AS BIGINT) <> _row_id"
        ).fetchall()[0][0]
        assert mismatches == 0
        assert len(rejected("order")) == 1
    assert con.execute("SELECT count(*) FROM raw.order").fetchall()[0][0] == 3000


def test_content_hash_changes_with_one_byte(tmp_path, stage):
    path = write(tmp_path / "h.csv", "a,b\n1,2\n")
    first = stage(path)[0].content_hash
    assert first == stage(path)[0].content_hash and len(first) == 64
    write(path, "a,b\n1,3\n")
    assert stage(path)[0].content_hash != first


def test_headerless_file_gets_generated_names(tmp_path, stage, rows):
    [table] = stage(write(tmp_path / "nohdr.csv", "1,2.5,2024-01-01\n2,3.5,2024-01-02\n"))
    assert table.options["header"] is False
    assert [c.name for c in table.columns] == ["column_1", "column_2", "column_3"]
    assert rows(table)[0] == (1, "1", "2.5", "2024-01-01")


def test_header_only_file_has_no_rows(tmp_path, stage):
    [table] = stage(write(tmp_path / "empty_body.csv", "a,b\n"))
    assert table.row_count == 0 and [c.name for c in table.columns] == ["a", "b"]


def test_gzipped_csv(tmp_path, stage, rows):
    import gzip

    path = tmp_path / "z.csv.gz"
    path.write_bytes(gzip.compress(b"a;b\n1;2\n"))
    [table] = stage(path)
    assert table.table_name == "z" and rows(table) == [(1, "1", "2")]
