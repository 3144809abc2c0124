"""File readers: CSV/TSV, Parquet, JSON and NDJSON into `raw.<table>` (all VARCHAR + `_row_id`)."""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from dataraum_context.errors import DataraumError, SourceError
from dataraum_context.sqlutil import quote_ident, quote_literal
from dataraum_context.staging import common
from dataraum_context.staging.csv_reader import (
    CP1252,
    LATIN1,
    SAMPLE_BYTES,
    Dialect,
    EncodingError,
    TextEncoding,
    decode_sample,
    detect_encoding,
    has_c1_bytes,
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
    sample, complete = _read_sample(path)
    encoding = _file_encoding(path, sample, complete)
    text = decode_sample(sample, encoding, complete)
    if not text.strip():
        raise SourceError(f"{path}: file is empty")
    dialect = sniff_dialect(text, "\t" if spec.kind == "tsv" else ",")
    originals = dialect.header_names or [f"column_{i + 1}" for i in range(dialect.field_count)]
    names = unique_column_names(originals)
    columns = [StagedColumn(name=n, original_name=o, position=i, raw_type="VARCHAR")
               for i, (n, o) in enumerate(zip(names, originals))]
    scratch = Path(tempfile.mkdtemp(prefix="dataraum_stage_"))
    normalized = dialect.mixed_newlines
    try:
        while True:
            copied = encoding.needs_transcoding or normalized
            read_path = _utf8_copy(path, encoding, dialect if normalized else None, scratch) if copied else path
            duck_encoding = "utf-8" if copied else encoding.duckdb
            try:
                _load_csv(con, spec.name, read_path, dialect, duck_encoding, names, path)
            except _InvalidParserState as exc:
                if normalized:
                    raise SourceError(f"{path}: cannot read as CSV ({exc})") from exc
                normalized = True  # lines ending partly CRLF, partly LF: DuckDB needs one style
                continue
            break
        _quarantine_csv_rejects(con, spec.name, read_path, None if copied else encoding, dialect)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    options: dict[str, Any] = {
        "encoding": encoding.python,
        "bom": encoding.bom is not None,
        "delimiter": dialect.delimiter,
        "quote": dialect.quote,
        "escape": dialect.escape,
        "header": dialect.header,
        "newline": dialect.newline,
        "compression": "gzip" if path.name.lower().endswith(".gz") else None,
    }
    if normalized:
        options["mixed_newlines"] = True
    if dialect.short_rows:
        options["null_padding"] = True
    if dialect.skip_lines:
        options["skipped_lines"] = dialect.skip_lines
        options["preamble"] = dialect.preamble
    if _drop_trailing_empty_column(con, spec.name, columns, dialect):
        options["trailing_delimiter"] = True
    return _finish(con, spec, columns, options)


def _read_sample(path: Path) -> tuple[bytes, bool]:
    """The first SAMPLE_BYTES of the (decompressed) file and whether that is all of it."""
    try:
        with open_binary(path) as handle:
            sample = handle.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{path}: cannot read file ({_first_line(exc)})") from exc
    return sample[:SAMPLE_BYTES], len(sample) <= SAMPLE_BYTES


def _file_encoding(path: Path, sample: bytes, complete: bool) -> TextEncoding:
    """The file's encoding; a Latin-1 guess is checked against the rest of the file,
    since Windows-1252 punctuation (0x80-0x9F) may first appear after the sample."""
    try:
        encoding = detect_encoding(sample, complete)
        if encoding == LATIN1 and not complete:
            with open_binary(path) as handle:
                while chunk := handle.read(SAMPLE_BYTES):
                    if has_c1_bytes(chunk):
                        return CP1252
    except EncodingError as exc:
        raise SourceError(f"{path}: cannot tell the text encoding ({exc})") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{path}: cannot read file ({_first_line(exc)})") from exc
    return encoding


def _drop_trailing_empty_column(
    con: duckdb.DuckDBPyConnection, table_name: str, columns: list[StagedColumn], dialect: Dialect
) -> bool:
    """Every line ending in a delimiter makes an unnamed last column with no value:
    drop it (it holds nothing). Returns whether it was dropped."""
    if len(columns) < 2 or (dialect.header and columns[-1].original_name.strip()):
        return False
    table, last = common.raw_table(table_name), quote_ident(columns[-1].name)
    if con.execute(f"SELECT count({last}) FROM {table}").fetchall()[0][0]:
        return False
    con.execute(f"ALTER TABLE {table} DROP COLUMN {last}")
    columns.pop()
    return True


_COPY_CHUNK = 1024 * 1024


def _utf8_copy(path: Path, encoding: TextEncoding, newlines_of: Dialect | None, scratch: Path) -> Path:
    """Copy a file to UTF-8 in chunks (for encodings DuckDB cannot read), optionally
    turning record-ending CRLF into LF (for files whose lines end in both)."""
    target = scratch / "copy.csv"
    codec = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(encoding.bom or "", encoding.python)
    try:
        with open_binary(path) as raw, io.TextIOWrapper(raw, encoding=codec, newline="") as source:
            with target.open("w", encoding="utf-8", newline="") as sink:
                chunks = iter(lambda: source.read(_COPY_CHUNK), "")
                if newlines_of is not None:
                    chunks = unify_newlines(chunks, newlines_of.quote, newlines_of.escape)
                for chunk in chunks:
                    sink.write(chunk)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: cannot decode as {encoding.python} ({exc.reason} at byte {exc.start})") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{path}: cannot read file ({_first_line(exc)})") from exc
    return target


def unify_newlines(chunks: Iterator[str], quote: str, escape: str) -> Iterator[str]:
    """Text chunks with every record end outside quoted fields (CRLF, or a lone CR)
    turned into LF; text inside quotes (values) is kept exactly."""
    if escape == quote:
        tokens = re.compile(f"{re.escape(quote)}|\r\n?")
    else:
        tokens = re.compile(f"{re.escape(escape)}.|{re.escape(quote)}|\r\n?", re.S)
    inside, carry = False, ""
    for chunk in chunks:
        chunk, carry = carry + chunk, ""
        kept = len(chunk.rstrip("\r" + (escape if escape != quote else "")))
        chunk, carry = chunk[:kept], chunk[kept:]
        pieces, last = [], 0
        for match in tokens.finditer(chunk):
            token = match.group()
            if token == quote:
                inside = not inside
            elif token[0] == "\r" and not inside:
                pieces.append(chunk[last : match.start()])
                pieces.append("\n")
                last = match.end()
        pieces.append(chunk[last:])
        yield "".join(pieces)
    if carry:
        yield carry if inside else re.sub("\r\n?", "\n", carry)


class _InvalidParserState(Exception):
    """DuckDB's strict CSV state machine gave up (typically: mixed CRLF/LF line ends)."""


FIRST_LINE_SIZE = 8 * 1024 * 1024
"""`max_line_size` of the first read. DuckDB's CSV buffer is at least this big, so a bound of
the file's size (the only sure one without reading the file) allocated a buffer as big as the
file: 730 MB for TPC-H's lineitem. A longer line is rejected as `LINE SIZE OVER MAXIMUM`;
the file is then read again with `_max_line_size`."""


def _max_line_size(path: Path) -> int:
    """DuckDB's `max_line_size`: big enough for the longest possible line of the file
    (its size), at least DuckDB's default; compressed files get a large fixed bound."""
    if _compressed(path):
        return 1 << 30
    return max(2 * 1024 * 1024, min(path.stat().st_size + 1, (1 << 31) - 1))


def _line_too_long(con: duckdb.DuckDBPyConnection, rejects: str) -> bool:
    return bool(
        con.execute(
            f"SELECT count(*) FROM {quote_ident(rejects)} WHERE CAST(error_type AS VARCHAR) = 'LINE SIZE OVER MAXIMUM'"
        ).fetchone()[0]
    )


def _compressed(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _buffer_size(line_size: int) -> int:
    """DuckDB's `buffer_size` for a compressed file: just above `max_line_size` (it must be
    larger). DuckDB's default, 16 x `max_line_size`, is reserved whole for a compressed file
    (its size is not known): 16 GiB against the memory limit per `.gz` read, so two tables
    staged at once failed with "could not allocate block of size 16.0 GiB"."""
    return line_size + 1


def create_numbered(
    con: duckdb.DuckDBPyConnection, table_name: str, names: list[str], source: str, params: list[object]
) -> None:
    """`raw.<table>`: `_row_id` (1, 2, ... in the order of `source`) then the text columns `names`,
    the rows of `source` (a SELECT of one text expression per name).

    The rows are inserted in one transaction (a failed read leaves the previous table as it was),
    then numbered by their position (`rowid + 1`, an UPDATE of one column): DuckDB inserts rows in
    the order its source gives them (`preserve_insertion_order`), so no `row_number() OVER ()`,
    which numbers on one thread (the CSV reader then parses on one too: TPC-H's lineitem, 6 M
    rows, 11.7 s -> 6.3 s). The numbering is a transaction of its own: an UPDATE of rows inserted
    in the same transaction is logged value by value (1 GB of WAL for lineitem, 3.5 s at the next
    checkpoint), of committed rows it is cheap. If numbering fails, the table is dropped: no raw
    table without row numbers is left behind."""
    target = common.raw_table(table_name)
    columns = "".join(f", {quote_ident(name)} VARCHAR" for name in names)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TABLE {target} ({ROW_ID} BIGINT{columns})")
        con.execute(f"INSERT INTO {target} SELECT NULL, * FROM ({source})", params)
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:  # the failure already ended the transaction
            pass
        raise
    try:
        con.execute(f"UPDATE {target} SET {ROW_ID} = rowid + 1")
        rows, low, high = con.execute(f"SELECT count(*), min({ROW_ID}), max({ROW_ID}) FROM {target}").fetchone()
        if rows and (low, high) != (1, rows):  # never seen: positions with holes
            raise DataraumError(f"staging {table_name}: row numbers {low}..{high} for {rows} rows")
    except BaseException:
        try:
            con.execute(f"DROP TABLE IF EXISTS {target}")
        except duckdb.Error:  # interrupted meanwhile: the run fails either way
            pass
        raise


def _load_csv(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    read_path: Path,
    dialect: Dialect,
    encoding: str,
    names: list[str],
    shown_path: Path,
) -> None:
    """`CREATE OR REPLACE raw.<t>` from `read_csv` with explicit options; rejects kept aside.

    `allow_quoted_nulls = false` keeps a quoted empty string `""` as '' while an empty
    unquoted field stays NULL.
    """
    common.ensure_schemas(con)
    rejects, scans = common.temp_name("rejects"), common.temp_name("scans")
    # Generated, safe placeholder names; the real (hostile) names only appear quoted below.
    placeholders = [f"c{i}" for i in range(len(names))]
    columns_literal = "{" + ", ".join(f"'{p}': 'VARCHAR'" for p in placeholders) + "}"
    selected = common.select_list([quote_ident(p) for p in placeholders], names)
    query = (
        f"SELECT {selected} FROM read_csv(?, "
        "auto_detect = false, header = ?, delim = ?, quote = ?, escape = ?, encoding = ?, "
        "skip = ?, max_line_size = ?, allow_quoted_nulls = false, "
        + ("null_padding = true, parallel = false, " if dialect.short_rows else "")
        + ("buffer_size = ?, " if _compressed(read_path) else "")
        + f"columns = {columns_literal}, strict_mode = true, store_rejects = true, "
        f"rejects_table = {quote_literal(rejects)}, rejects_scan = {quote_literal(scans)})"
    )
    params = [str(read_path), dialect.header, dialect.delimiter, dialect.quote, dialect.escape, encoding,
              dialect.skip_lines]
    longest = _max_line_size(read_path)

    def sized(line_size: int) -> list[object]:  # max_line_size, and the buffer of a compressed file
        return [*params, line_size, *([_buffer_size(line_size)] if _compressed(read_path) else [])]

    try:
        create_numbered(con, table_name, names, query, sized(min(FIRST_LINE_SIZE, longest)))
        if longest > FIRST_LINE_SIZE and _line_too_long(con, rejects):  # read again, allowing any line
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(rejects)}")
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(scans)}")
            create_numbered(con, table_name, names, query, sized(longest))
        _copy_rejects(con, table_name, rejects)
    except duckdb.Error as exc:
        if "invalid state" in str(exc):
            raise _InvalidParserState(_first_line(exc)) from exc
        raise SourceError(f"{shown_path}: cannot read as CSV ({_first_line(exc)})") from exc
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(rejects)}")
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(scans)}")


def _copy_rejects(con: duckdb.DuckDBPyConnection, table_name: str, rejects: str) -> None:
    """One quarantine row per rejected record (DuckDB may report several errors per record).

    `line_number` is filled in afterwards from the byte position; here it holds the
    record's byte position so `_quarantine_csv_rejects` can translate it. `raw_text`
    holds DuckDB's (possibly truncated) copy of the record, also replaced afterwards.
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


# DuckDB keeps at most this many characters of a rejected record.
_DUCKDB_CSV_LINE_LIMIT = 10_000


def _quarantine_csv_rejects(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    read_path: Path,
    encoding: TextEncoding | None,
    dialect: Dialect,
) -> None:
    """Turn the byte positions DuckDB reported into 1-based physical line numbers, and
    take each rejected record's whole text from the file itself.

    DuckDB reports positions in its UTF-8 view of the file; we stream that view once,
    counting newlines, and only when there are rejected rows. DuckDB's own copy of a
    record is cut at 10,000 characters and loses undecodable bytes, so the text comes
    from the file (invalid bytes backslash-escaped): as many lines as DuckDB's copy
    spans, and more while a quoted field is open when DuckDB's copy was cut.
    """
    rows = con.execute(
        f"SELECT line_number, raw_text, error FROM {common.rejected_table()} "
        "WHERE table_name = ? ORDER BY line_number",
        [table_name],
    ).fetchall()
    if not rows:
        return
    wanted = [
        (int(position), (raw_text or "").count("\n") + 1, len(raw_text or "") >= _DUCKDB_CSV_LINE_LIMIT)
        for position, raw_text, _ in rows
    ]
    located = _locate_records(read_path, encoding, wanted, dialect.quote, dialect.escape)
    fixed = [(table_name, line_number, line_text, error)
             for (_, _, error), (line_number, line_text) in zip(rows, located)]
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


def _open_quotes(line: bytes, quote: bytes, escape: bytes) -> int:
    """Parity of the unescaped quote characters on a line."""
    if escape != quote:
        line = re.sub(re.escape(escape) + b".", b"", line, flags=re.S)
    return line.count(quote) % 2


def _strip_terminator(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith((b"\n", b"\r")) else line


def _locate_records(
    path: Path, encoding: TextEncoding | None, wanted: list[tuple[int, int, bool]], quote: str, escape: str
) -> list[tuple[int, str]]:
    """(1-based line number, whole record text) for sorted (byte position in the UTF-8
    view, physical lines the record spans at least, whether to follow open quotes)."""
    found: list[tuple[int, str]] = []
    quote_bytes, escape_bytes = quote.encode(), escape.encode()
    lines = iter(_utf8_lines(path, encoding))
    offset, number, index = 0, 0, 0
    while index < len(wanted):
        line = next(lines, None)
        if line is None:
            break
        number += 1
        offset += len(line)
        position, spans, follow_quotes = wanted[index]
        if position >= offset:
            continue
        start, parts = number, [line]
        parity = _open_quotes(line, quote_bytes, escape_bytes) if follow_quotes else 0
        while len(parts) < spans or parity:
            more = next(lines, None)
            if more is None:
                break
            number += 1
            offset += len(more)
            parts.append(more)
            if follow_quotes:
                parity ^= _open_quotes(more, quote_bytes, escape_bytes)
        text = _strip_terminator(b"".join(parts)).decode("utf-8", errors="backslashreplace")
        # A reported position lies in this record when it is before the record's end.
        while index < len(wanted) and wanted[index][0] < offset:
            found.append((start, text))
            index += 1
    while len(found) < len(wanted):
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
    duck_names = [str(row[0]) for row in described]
    types = [str(row[1]) for row in described]
    originals = _parquet_names(path, duck_names)
    names = unique_column_names(originals)
    expressions = [common.as_text(quote_ident(d), t) for d, t in zip(duck_names, types)]
    create_numbered(con, spec.name, names, f"SELECT {common.select_list(expressions, names)} FROM read_parquet(?)", [str(path)])
    common.clear_rejected(con, spec.name)
    columns = [StagedColumn(name=n, original_name=o, position=i, raw_type=t)
               for i, (n, o, t) in enumerate(zip(names, originals, types))]
    return _finish(con, spec, columns, {"format": "parquet"})


def _parquet_names(path: Path, duck_names: list[str]) -> list[str]:
    """The column names as the file has them: DuckDB renames duplicates (`a`, `a_1`)."""
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(path).names)
    except (OSError, ValueError, pa.ArrowException):
        return duck_names
    return names if len(names) == len(duck_names) else duck_names


# --------------------------------------------------------------------------- JSON / NDJSON

JSON_BATCH_ROWS = 50_000


class _RawInt(str):
    """An integer literal exactly as written in the JSON text."""


class _RawFloat(str):
    """A number literal with a fraction or exponent (or NaN/Infinity) exactly as written."""


_DECODER = json.JSONDecoder(parse_int=_RawInt, parse_float=_RawFloat, parse_constant=_RawFloat)
_INT64 = (-(2**63), 2**63 - 1)


_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # '"..."', not ASCII-escaped


def _json_text(value: Any) -> str:
    """Compact JSON text of a value, its numbers exactly as written."""
    if isinstance(value, (_RawInt, _RawFloat)):
        return str.__str__(value)
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_encode_string(k)}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    if value is None:
        return "null"
    return "true" if value else "false"


def _as_text(value: Any) -> Any:
    """Raw text of one value: strings and number literals as they are (number literals
    are `str` subclasses), booleans `true`/`false`, objects and arrays compact JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _json_text(value)


_KIND_OF_TYPE = {str: "VARCHAR", _RawInt: "BIGINT", _RawFloat: "DOUBLE", bool: "BOOLEAN", dict: "JSON", list: "JSON"}


def _kinds(values: list[Any]) -> set[str]:
    """The JSON kinds of a column's values; integers beyond BIGINT count as DOUBLE."""
    types = set(map(type, values))
    types.discard(type(None))
    kinds = {_KIND_OF_TYPE[t] for t in types}
    if _RawInt in types and any(
        len(v) > 18 and not _INT64[0] <= int(v) <= _INT64[1] for v in values if type(v) is _RawInt
    ):
        kinds.add("DOUBLE")
    return kinds


class _JsonWriter:
    """Appends JSON objects to `raw.<table>` in Arrow batches, one VARCHAR column per key
    (added when a key first appears), and rejected records to the quarantine."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table_name: str) -> None:
        self.con, self.table_name = con, table_name
        self.target = common.raw_table(table_name)
        self.keys: list[str] = []
        self.index: dict[str, int] = {}
        self.names: list[str] = []
        self.kinds: list[set[str]] = []
        self.rows: list[dict[str, Any]] = []
        self.rejects: list[tuple[str, int | None, str, str]] = []
        self.count = 0
        common.ensure_schemas(con)
        con.execute(f"CREATE OR REPLACE TABLE {self.target} ({ROW_ID} BIGINT)")
        common.clear_rejected(con, table_name)

    def add(self, value: Any, line: int | None, text: str) -> None:
        if isinstance(value, dict):
            self.rows.append(value)
            if len(self.rows) >= JSON_BATCH_ROWS:
                self.flush()
        else:
            self.reject(line, text, "not a JSON object")

    def reject(self, line: int | None, text: str, error: str) -> None:
        self.rejects.append((self.table_name, line, text, error))
        if len(self.rejects) >= JSON_BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rejects:
            self.con.executemany(f"INSERT INTO {common.rejected_table()} VALUES (?, ?, ?, ?)", self.rejects)
            self.rejects = []
        if not self.rows:
            return
        for row in self.rows:
            for key in row:
                if key not in self.index:
                    self._add_column(key)
        columns: list[list[Any]] = []
        for position, key in enumerate(self.keys):
            values = [row.get(key) for row in self.rows]
            kinds = _kinds(values)
            self.kinds[position] |= kinds
            if kinds - {"VARCHAR", "BIGINT", "DOUBLE"}:
                values = [_as_text(v) for v in values]
            columns.append(values)
        placeholders = [f"c{i}" for i in range(len(self.keys))]
        batch = pa.Table.from_arrays(
            [pa.array([self.count + i + 1 for i in range(len(self.rows))], pa.int64())]
            + [pa.array(values, pa.string()) for values in columns],
            names=["n", *placeholders],
        )
        view = common.temp_name("json_batch")
        self.con.register(view, batch)
        try:
            targets = ", ".join([ROW_ID, *(quote_ident(n) for n in self.names)])
            selected = ", ".join(["n", *(quote_ident(p) for p in placeholders)])
            self.con.execute(f"INSERT INTO {self.target} ({targets}) SELECT {selected} FROM {quote_ident(view)}")
        finally:
            self.con.unregister(view)
        self.count += len(self.rows)
        self.rows = []

    def _add_column(self, key: str) -> None:
        self.index[key] = len(self.keys)
        self.keys.append(key)
        name = unique_column_names(self.keys)[-1]
        self.names.append(name)
        self.kinds.append(set())
        self.con.execute(f"ALTER TABLE {self.target} ADD COLUMN {quote_ident(name)} VARCHAR")

    def columns(self) -> list[StagedColumn]:
        return [StagedColumn(name=n, original_name=k, position=i, raw_type=_json_raw_type(kinds))
                for i, (n, k, kinds) in enumerate(zip(self.names, self.keys, self.kinds))]


def _json_raw_type(kinds: set[str]) -> str:
    """raw_type of a key from the JSON kinds of its values (mixed or nested -> JSON)."""
    if len(kinds) > 1 and kinds <= {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    return next(iter(kinds)) if len(kinds) == 1 else "JSON"


def stage_json(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> StagedTable:
    """Stage a JSON document or NDJSON file: one row per object, one column per key.

    Keys are taken by name (never as JSON paths) and every value keeps its text exactly
    as written: numbers are not re-formatted (`1e3` stays `1e3`, `1.50` stays `1.50`).
    NDJSON is streamed line by line; malformed lines and non-objects go to quarantine
    with their physical line. A file that is one JSON document (an array of objects, a
    pretty-printed object, or several concatenated objects) is read whole.
    """
    path = Path(spec.location)
    writer = _JsonWriter(con, spec.name)
    try:
        document = spec.kind == "json" or not _first_line_parses(path)
        if document:
            document = _read_json_document(path, writer, fallback=spec.kind != "json")
        if not document:
            _read_ndjson(path, writer)
        writer.flush()
        if not writer.keys:
            raise SourceError(f"{path}: no JSON objects found")
    except (OSError, duckdb.Error, SourceError) as exc:
        con.execute(f"DROP TABLE IF EXISTS {writer.target}")
        common.clear_rejected(con, spec.name)
        if isinstance(exc, SourceError):
            raise
        what = "cannot read file" if isinstance(exc, OSError) else "cannot read as JSON"
        raise SourceError(f"{path}: {what} ({_first_line(exc)})") from exc
    options = {"format": "json" if document else "ndjson", "encoding": "utf-8"}
    return _finish(con, spec, writer.columns(), options)


def _first_line_parses(path: Path) -> bool:
    """Whether the first non-blank line is a JSON value on its own (NDJSON) - a
    pretty-printed document's first line (`{`) is not."""
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
            if line:
                try:
                    _DECODER.decode(line)
                except (ValueError, RecursionError):
                    return False
                return True
    return True


def _read_ndjson(path: Path, writer: _JsonWriter) -> None:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                writer.reject(number, raw.decode("utf-8", errors="backslashreplace"), "invalid UTF-8")
                continue
            if not line.strip():
                continue
            try:
                value = _DECODER.decode(line)
            except (ValueError, RecursionError):
                writer.reject(number, line, "malformed JSON")
                continue
            writer.add(value, number, line)


def _read_json_document(path: Path, writer: _JsonWriter, fallback: bool) -> bool:
    """One array of records, or one or more top-level values one after the other.

    With `fallback`, returns False (reading nothing) when the first value is malformed,
    so the file can be read line by line as NDJSON instead."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback:
            return False
        raise SourceError(f"{path}: not UTF-8 JSON text (byte {exc.start})") from exc
    values: list[tuple[Any, int, str]] = []
    position, end, line, counted = 0, len(text), 1, 0
    while True:
        while position < end and text[position] in " \t\r\n":
            position += 1
        if position >= end:
            break
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, stop = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):
            if fallback and not values:
                return False
            writer.reject(line, text[position:], "malformed JSON")
            break
        values.append((value, line, text[position:stop]))
        position = stop
    if len(values) == 1 and isinstance(values[0][0], list):
        for element in values[0][0]:
            writer.add(element, None, _json_text(element))
        return True
    for value, line, source in values:
        writer.add(value, line, source)
    return True
