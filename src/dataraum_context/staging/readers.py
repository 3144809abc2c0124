"""File readers: CSV/TSV, Parquet, JSON and NDJSON into `raw.<table>` (all VARCHAR + `_row_id`)."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from dataraum_context.errors import SourceError
from dataraum_context.sqlutil import quote_ident, quote_literal
from dataraum_context.staging import common
from dataraum_context.staging.csv_reader import (
    SAMPLE_BYTES,
    Dialect,
    TextEncoding,
    decode_sample,
    detect_encoding,
    sniff_dialect,
    unique_column_names,
)
from dataraum_context.staging.models import SourceSpec, StagedColumn, StagedTable
from dataraum_context.staging.sources import open_binary

ROW_ID = quote_ident("_row_id")


def _finish(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    columns: list[StagedColumn],
    options: dict[str, Any],
) -> StagedTable:
    """Count rows and rejected rows of a freshly written raw table (null tokens are
    counted by profiling, in its one pass over the table)."""
    table = common.raw_table(spec.name)
    if spec.renamed_from is not None:
        options["renamed_from"] = spec.renamed_from
    return StagedTable(
        table_name=spec.name,
        source_name=spec.name,
        source_type=spec.kind,
        location=spec.location,
        content_hash=spec.content_hash or common.file_sha256(Path(spec.location)),
        row_count=common.row_count(con, table),
        rejected_rows=common.rejected_count(con, spec.name),
        raw_table=table,
        columns=columns,
        options=options,
    )


# --------------------------------------------------------------------------- CSV / TSV


def stage_csv(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> StagedTable:
    """Stage a delimited text file with explicit, self-detected options; keep rejected rows."""
    path = Path(spec.location)
    with open_binary(path) as handle:
        sample = handle.read(SAMPLE_BYTES + 1)
    complete = len(sample) <= SAMPLE_BYTES
    sample = sample[:SAMPLE_BYTES]
    encoding = detect_encoding(sample, complete)
    text = decode_sample(sample, encoding, complete)
    if not text.strip():
        raise SourceError(f"{path}: file is empty")
    dialect = sniff_dialect(text, "\t" if spec.kind == "tsv" else ",")
    originals = dialect.header_names or [f"column_{i + 1}" for i in range(dialect.field_count)]
    names = unique_column_names(originals)
    columns = [StagedColumn(name=n, original_name=o, position=i, raw_type="VARCHAR")
               for i, (n, o) in enumerate(zip(names, originals))]
    scratch = Path(tempfile.mkdtemp(prefix="dataraum_stage_")) if encoding.needs_transcoding else None
    try:
        read_path = _transcode_to_utf8(path, encoding, scratch) if scratch else path
        duck_encoding = "utf-8" if scratch else encoding.duckdb
        _load_csv(con, spec.name, read_path, dialect, duck_encoding, names, path)
        stream_encoding = None if scratch else encoding
        _quarantine_csv_rejects(con, spec.name, read_path, stream_encoding)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    options = {
        "encoding": encoding.python,
        "bom": encoding.bom is not None,
        "delimiter": dialect.delimiter,
        "quote": dialect.quote,
        "escape": dialect.escape,
        "header": dialect.header,
        "newline": dialect.newline,
        "compression": "gzip" if path.name.lower().endswith(".gz") else None,
    }
    return _finish(con, spec, columns, options)


def _transcode_to_utf8(path: Path, encoding: TextEncoding, scratch: Path) -> Path:
    """Copy a file DuckDB cannot decode (UTF-16 BE) to UTF-8, in chunks."""
    target = scratch / "transcoded.csv"
    with open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-16", newline="") as source:
        with target.open("w", encoding="utf-8", newline="") as sink:
            while chunk := source.read(1024 * 1024):
                sink.write(chunk)
    return target


def _load_csv(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    read_path: Path,
    dialect: Dialect,
    encoding: str,
    names: list[str],
    shown_path: Path,
) -> None:
    """`CREATE OR REPLACE raw.<t>` from `read_csv` with explicit options; rejects kept aside."""
    common.ensure_schemas(con)
    rejects, scans = common.temp_name("rejects"), common.temp_name("scans")
    # Generated, safe placeholder names; the real (hostile) names only appear quoted below.
    placeholders = [f"c{i}" for i in range(len(names))]
    columns_literal = "{" + ", ".join(f"'{p}': 'VARCHAR'" for p in placeholders) + "}"
    selected = common.select_list([quote_ident(p) for p in placeholders], names)
    query = (
        f"CREATE OR REPLACE TABLE {common.raw_table(table_name)} AS "
        f"SELECT row_number() OVER () AS {ROW_ID}, {selected} FROM read_csv(?, "
        "auto_detect = false, header = ?, delim = ?, quote = ?, escape = ?, encoding = ?, "
        f"columns = {columns_literal}, strict_mode = true, store_rejects = true, "
        f"rejects_table = {quote_literal(rejects)}, rejects_scan = {quote_literal(scans)})"
    )
    params = [str(read_path), dialect.header, dialect.delimiter, dialect.quote, dialect.escape, encoding]
    try:
        con.execute(query, params)
        _copy_rejects(con, table_name, rejects)
    except duckdb.Error as exc:
        raise SourceError(f"{shown_path}: cannot read as CSV ({_first_line(exc)})") from exc
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(rejects)}")
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(scans)}")


def _copy_rejects(con: duckdb.DuckDBPyConnection, table_name: str, rejects: str) -> None:
    """One quarantine row per rejected record (DuckDB may report several errors per record).

    `line_number` is filled in afterwards from the byte position; here it holds the
    record's byte position so `_quarantine_csv_rejects` can translate it.
    """
    common.clear_rejected(con, table_name)
    con.execute(
        f"INSERT INTO {common.rejected_table()} "
        "SELECT ?, line_byte_position, "
        "  arg_min(trim(csv_line, chr(13) || chr(10)), byte_position), "
        "  string_agg(CAST(error_type AS VARCHAR) || ': ' || error_message, '; ' ORDER BY byte_position) "
        f"FROM {quote_ident(rejects)} GROUP BY line_byte_position",
        [table_name],
    )


def _quarantine_csv_rejects(
    con: duckdb.DuckDBPyConnection, table_name: str, read_path: Path, encoding: TextEncoding | None
) -> None:
    """Turn the byte positions DuckDB reported into 1-based physical line numbers.

    DuckDB reports positions in its UTF-8 view of the file; we stream that view once,
    counting newlines, and only when there are rejected rows. Records that DuckDB could
    not decode get their raw text from the file itself (invalid bytes backslash-escaped).
    """
    rows = con.execute(
        f"SELECT line_number, raw_text, error FROM {common.rejected_table()} "
        "WHERE table_name = ? ORDER BY line_number",
        [table_name],
    ).fetchall()
    if not rows:
        return
    positions = [int(r[0]) for r in rows]
    located = _locate_lines(read_path, encoding, positions)
    fixed = []
    for (position, raw_text, error), (line_number, line_text) in zip(rows, located):
        if "INVALID ENCODING" in (error or ""):
            raw_text = line_text
        fixed.append((table_name, line_number, raw_text, error))
    common.clear_rejected(con, table_name)
    con.executemany(f"INSERT INTO {common.rejected_table()} VALUES (?, ?, ?, ?)", fixed)


def _utf8_lines(path: Path, encoding: TextEncoding | None) -> Iterator[bytes]:
    """The file's lines as DuckDB sees them: UTF-8 bytes (a BOM counts as 3 bytes)."""
    with open_binary(path) as raw:
        if encoding is None or encoding.duckdb == "utf-8":
            yield from raw
            return
        codec = "utf-16-le" if encoding.bom == "utf-16-le" else encoding.python
        text = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="")
        for line in text:
            yield line.encode("utf-8")


def _locate_lines(path: Path, encoding: TextEncoding | None, positions: list[int]) -> list[tuple[int, str]]:
    """(1-based line number, line text) for sorted byte positions in the UTF-8 view."""
    found: list[tuple[int, str]] = []
    offset, index, number = 0, 0, 0
    for number, line in enumerate(_utf8_lines(path, encoding), start=1):
        offset += len(line)
        # A reported position lies on this line when it is before the line's end.
        while index < len(positions) and positions[index] < offset:
            found.append((number, line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")))
            index += 1
        if index == len(positions):
            break
    while len(found) < len(positions):
        found.append((number, ""))
    return found


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --------------------------------------------------------------------------- Parquet


def stage_parquet(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> StagedTable:
    """Stage a Parquet file; raw_type is the Parquet column type, values are cast to text."""
    path = Path(spec.location)
    common.ensure_schemas(con)
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{path}: cannot read as Parquet ({_first_line(exc)})") from exc
    originals = [str(row[0]) for row in described]
    types = [str(row[1]) for row in described]
    names = unique_column_names(originals)
    expressions = [common.as_text(quote_ident(o), t) for o, t in zip(originals, types)]
    con.execute(
        f"CREATE OR REPLACE TABLE {common.raw_table(spec.name)} AS SELECT row_number() OVER () "
        f"AS {ROW_ID}, {common.select_list(expressions, names)} FROM read_parquet(?)",
        [str(path)],
    )
    common.clear_rejected(con, spec.name)
    columns = [StagedColumn(name=n, original_name=o, position=i, raw_type=t)
               for i, (n, o, t) in enumerate(zip(names, originals, types))]
    return _finish(con, spec, columns, {"format": "parquet"})


# --------------------------------------------------------------------------- JSON / NDJSON

# json_type() -> raw_type; objects and arrays stay JSON text.
_JSON_TYPES = {"BIGINT": "BIGINT", "UBIGINT": "BIGINT", "DOUBLE": "DOUBLE",
               "VARCHAR": "VARCHAR", "BOOLEAN": "BOOLEAN"}


def stage_json(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> StagedTable:
    """Stage a JSON array or NDJSON file: one row per object, one column per key.

    Records land in a scratch table `(n, j, ok)` first: `n` is the physical line (NDJSON)
    or the element index (array). Malformed lines and non-objects go to quarantine.
    """
    path = Path(spec.location)
    common.ensure_schemas(con)
    scratch = quote_ident(common.temp_name("json"))
    try:
        _load_json_records(con, scratch, path, spec.kind)
        keys = _json_keys(con, scratch)
        if not keys:
            raise SourceError(f"{path}: no JSON objects found")
        types = _json_key_types(con, scratch, keys)
        names = unique_column_names(keys)
        expressions = ["json_extract_string(j, ?)" for _ in keys]
        con.execute(
            f"CREATE OR REPLACE TABLE {common.raw_table(spec.name)} AS SELECT row_number() OVER "
            f"(ORDER BY n) AS {ROW_ID}, {common.select_list(expressions, names)} "
            f"FROM {scratch} WHERE ok ORDER BY n",
            keys,
        )
        common.clear_rejected(con, spec.name)
        con.execute(
            f"INSERT INTO {common.rejected_table()} SELECT ?, "
            + ("n" if spec.kind == "ndjson" else "NULL")
            + ", j, CASE WHEN json_valid(j) THEN 'not a JSON object' ELSE 'malformed JSON' END "
            f"FROM {scratch} WHERE NOT ok ORDER BY n",
            [spec.name],
        )
    except duckdb.Error as exc:
        raise SourceError(f"{path}: cannot read as JSON ({_first_line(exc)})") from exc
    finally:
        con.execute(f"DROP TABLE IF EXISTS {scratch}")
    columns = [StagedColumn(name=n, original_name=k, position=i, raw_type=t)
               for i, (n, k, t) in enumerate(zip(names, keys, types))]
    return _finish(con, spec, columns, {"format": spec.kind, "encoding": "utf-8"})


def _load_json_records(con: duckdb.DuckDBPyConnection, scratch: str, path: Path, kind: str) -> None:
    content = "ltrim(t.content, chr(65279))"
    if kind == "ndjson":
        source = (
            f"SELECT CAST(l.n AS BIGINT) AS n, rtrim(l.j, chr(13)) AS j FROM read_text(?) AS t, "
            f"unnest(string_split({content}, chr(10))) WITH ORDINALITY AS l(j, n)"
        )
        where = "WHERE trim(j) <> ''"
    else:
        source = (
            f"SELECT CAST(e.n AS BIGINT) AS n, CAST(e.j AS VARCHAR) AS j FROM read_text(?) AS t, "
            f"unnest(json_extract({content}, '$[*]')) WITH ORDINALITY AS e(j, n)"
        )
        where = ""
    con.execute(
        f"CREATE TEMP TABLE {scratch} AS SELECT n, j, "
        "coalesce(CASE WHEN json_valid(j) THEN json_type(j) = 'OBJECT' ELSE false END, false) AS ok "
        f"FROM ({source}) {where}",
        [str(path)],
    )


def _json_keys(con: duckdb.DuckDBPyConnection, scratch: str) -> list[str]:
    """Object keys in order of first appearance."""
    rows = con.execute(
        f"SELECT k.key FROM {scratch} AS s, unnest(CASE WHEN s.ok THEN json_keys(s.j) ELSE [] END) WITH ORDINALITY AS k(key, i) "
        "WHERE s.ok GROUP BY k.key ORDER BY min(s.n), arg_min(k.i, s.n)"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _json_key_types(con: duckdb.DuckDBPyConnection, scratch: str, keys: list[str]) -> list[str]:
    """raw_type per key from the JSON types seen (mixed or nested -> JSON)."""
    aggregates = ", ".join(
        "list(DISTINCT json_type(json_extract(j, ?))) FILTER (WHERE json_type(json_extract(j, ?)) <> 'NULL')"
        for _ in keys
    )
    params = [key for key in keys for _ in (0, 1)]
    seen = con.execute(f"SELECT {aggregates} FROM {scratch} WHERE ok", params).fetchall()[0]
    types: list[str] = []
    for kinds in seen:
        kinds = set(kinds or [])
        if len(kinds) > 1 and kinds <= {"BIGINT", "UBIGINT", "DOUBLE"}:
            kinds = {"DOUBLE"} if "DOUBLE" in kinds else {"BIGINT"}
        types.append(_JSON_TYPES.get(next(iter(kinds)), "JSON") if len(kinds) == 1 else "JSON")
    return types
