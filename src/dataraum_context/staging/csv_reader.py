"""Encoding and dialect detection for delimited text, done in Python on a sample.

DuckDB's own sniffer gives up on files with defects, so we detect the encoding,
delimiter, quote, escape, header and newline ourselves and hand DuckDB explicit options.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

SAMPLE_BYTES = 1024 * 1024
SNIFF_RECORDS = 500
DELIMITERS = (",", ";", "\t", "|")
_NUMBER = re.compile(r"^[+-]?(\d[\d_,']*)?\.?\d+([eE][+-]?\d+)?%?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?.*)?$")

csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class TextEncoding:
    """How a text file is encoded, for Python and for DuckDB."""

    python: str
    """Python codec that decodes the bytes *after* the BOM."""
    duckdb: str
    """DuckDB `read_csv` encoding ('utf-8', 'utf-16', 'latin-1')."""
    bom: str | None
    """'utf-8', 'utf-16-le', 'utf-16-be' or None."""

    @property
    def bom_length(self) -> int:
        return {"utf-8": 3, "utf-16-le": 2, "utf-16-be": 2}.get(self.bom or "", 0)

    @property
    def needs_transcoding(self) -> bool:
        """DuckDB reads UTF-8, little-endian UTF-16 and Latin-1 only: big-endian UTF-16
        and Windows code pages are transcoded to UTF-8 first."""
        return self.bom == "utf-16-be" or self.python not in ("utf-8", "utf-16-le", "latin-1")


UTF8 = TextEncoding("utf-8", "utf-8", None)
LATIN1 = TextEncoding("latin-1", "latin-1", None)
CP1252 = TextEncoding("cp1252", "utf-8", None)
CP1251 = TextEncoding("cp1251", "utf-8", None)
_C1_BYTES = re.compile(rb"[\x80-\x9f]")


class EncodingError(ValueError):
    """No encoding we read decodes the bytes."""


def detect_encoding(sample: bytes, complete: bool) -> TextEncoding:
    """Guess the encoding from the first bytes: BOM, else UTF-8 if it decodes, else a
    single-byte code page.

    Latin-1 and Windows-1252 agree on every byte except 0x80-0x9F, which are control
    characters in Latin-1 (never seen in real text) and `€ ‚ „ … “ ” – —`... in 1252: a
    sample with such bytes is Windows-1252; one without is Latin-1 (DuckDB reads it
    natively). Bytes that 1252 leaves undefined raise `EncodingError`.

    `complete` says the sample is the whole file; otherwise a multi-byte character cut
    at the end of the sample is not held against UTF-8.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return TextEncoding("utf-8", "utf-8", "utf-8")
    if sample.startswith(b"\xff\xfe"):
        return TextEncoding("utf-16-le", "utf-16", "utf-16-le")
    if sample.startswith(b"\xfe\xff"):
        return TextEncoding("utf-16-be", "utf-8", "utf-16-be")
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut_at_end = not complete and exc.start >= len(sample) - 3 and "unexpected end" in exc.reason
        if not cut_at_end:
            return single_byte_encoding(sample)
    return UTF8


_WORDS = re.compile(rb"[A-Za-z\xc0-\xff]+")


def looks_cyrillic(data: bytes) -> bool:
    """Whether single-byte text reads as Windows-1251 (Cyrillic) rather than a Western
    code page: Western accented letters (0xC0-0xFF) sit inside ASCII words (`Köln`,
    `été`), Cyrillic words are made of such bytes only (`Москва` is `\\xcc\\xee...`)."""
    high_only = mixed = 0
    for word in _WORDS.findall(data):
        highs = sum(1 for byte in word if byte >= 0xC0)
        if highs == len(word) and highs >= 3:
            high_only += 1
        elif highs:
            mixed += 1
    return high_only >= 5 and high_only >= 3 * mixed


def single_byte_encoding(data: bytes) -> TextEncoding:
    """Windows-1251 when the text reads as Cyrillic, else Latin-1 when no byte is in
    0x80-0x9F, else Windows-1252 when it decodes the bytes."""
    if looks_cyrillic(data):
        try:
            data.decode("cp1251")
            return CP1251
        except UnicodeDecodeError:
            pass
    if _C1_BYTES.search(data) is None:
        return LATIN1
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8, UTF-16, Latin-1, Windows-1252 or Windows-1251 text"
        ) from exc
    return CP1252


def has_c1_bytes(chunk: bytes) -> bool:
    """Whether a chunk holds a byte in 0x80-0x9F (Windows-1252 punctuation, not Latin-1)."""
    return _C1_BYTES.search(chunk) is not None


@dataclass
class Dialect:
    """What a delimited file looks like."""

    delimiter: str
    quote: str
    escape: str
    header: bool
    newline: str
    header_names: list[str] = field(default_factory=list)
    field_count: int = 0
    skip_lines: int = 0
    """Physical lines before the header (or first record) that are a preamble."""
    preamble: list[str] = field(default_factory=list)
    """The text of those lines, kept in the table's options."""
    mixed_newlines: bool = False
    short_rows: bool = False
    """Many records stop early (their writer leaves out trailing empty fields): such
    records are read with the missing fields NULL instead of being rejected."""



def decode_sample(sample: bytes, encoding: TextEncoding, complete: bool) -> str:
    """Decode a sample (BOM removed); drop a trailing partial line unless it is the whole file."""
    text = sample[encoding.bom_length :].decode(encoding.python, errors="replace")
    if not complete:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[: cut + 1]
    return text


def detect_newline(text: str) -> str:
    """'\\r\\n', '\\n' or '\\r', whichever ends most lines of the sample."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    best = max((crlf, "\r\n"), (lf, "\n"), (cr, "\r"))
    return best[1] if best[0] else "\n"


def quote_counts(text: str, delimiter: str) -> tuple[int, int]:
    """(fields opening with `"`, fields wholly in single quotes) of the text."""
    d = re.escape(delimiter)
    # `"` after the delimiter or at a line's start, as `(^|d)"` with re.M counts them, without
    # that regex's attempt at every position (35 ms per MB and delimiter)
    double = text.count(delimiter + '"') + text.count('\n"') + text.startswith('"')
    single = len(re.findall(rf"(^|{d})'[^{d}\n]*'(?={d}|$)", text, re.M)) if "'" in text else 0
    return double, single


def detect_quote(text: str, delimiter: str) -> str:
    """The quote character: '"' unless single quotes clearly delimit fields."""
    double, single = quote_counts(text, delimiter)
    return "'" if single > double and single > 0 else '"'


def escape_counts(text: str, quote: str, delimiter: str) -> tuple[int, int]:
    """(quotes escaped by a backslash, doubled quotes inside a field); no regex scan for a
    character the text does not hold."""
    q, d = re.escape(quote), re.escape(delimiter)
    backslashed = len(re.findall(rf"\\{q}(?!{d}|\r?$)", text, re.M)) if "\\" in text else 0
    doubled = len(re.findall(rf"(?<![{d}\n]){q}{q}(?![{d}\r\n])", text)) if quote * 2 in text else 0
    return backslashed, doubled


def detect_escape(text: str, quote: str, delimiter: str) -> str:
    """The escape character inside quoted fields: the quote itself (RFC 4180) or a backslash."""
    backslashed, doubled = escape_counts(text, quote, delimiter)
    return "\\" if backslashed > doubled else quote


def parse_records(text: str, delimiter: str, quote: str, escape: str, limit: int) -> list[list[str]]:
    """Parse up to `limit` non-blank records, honouring quotes and quoted newlines."""
    return [record for record, _ in parse_numbered(text, delimiter, quote, escape, limit)]


def parse_numbered(
    text: str, delimiter: str, quote: str, escape: str, limit: int
) -> list[tuple[list[str], int]]:
    """Like `parse_records`, with the 1-based physical line each record starts on."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quote,
        doublequote=escape == quote,
        escapechar=None if escape == quote else escape,
        strict=False,
    )
    records: list[tuple[list[str], int]] = []
    try:
        while len(records) < limit:
            start = reader.line_num + 1
            record = next(reader)
            if record and record != [""]:
                records.append((record, start))
    except (csv.Error, StopIteration):
        pass
    return records


def _consistency(records: list[list[str]]) -> tuple[float, int]:
    """(share of records with the most common field count, that count)."""
    if not records:
        return 0.0, 0
    count, hits = Counter(len(r) for r in records).most_common(1)[0]
    return hits / len(records), count


def detect_delimiter(text: str, preferred: str) -> str:
    """The candidate delimiter whose records most consistently have the same (>1) field count."""
    best: tuple[float, int, int, str] = (0.0, 0, 0, preferred)
    for rank, delimiter in enumerate(sorted(DELIMITERS, key=lambda d: d != preferred)):
        quote = detect_quote(text, delimiter)
        records = parse_records(text, delimiter, quote, detect_escape(text, quote, delimiter), SNIFF_RECORDS)
        share, count = _consistency(records)
        if count < 2:
            continue
        score = (share, min(count, 64), -rank, delimiter)
        if score > best:
            best = score
    if best[1] == 0:
        # No usual delimiter splits the lines: R's `write.table` default is a space.
        quote = detect_quote(text, " ")
        records = parse_records(text, " ", quote, detect_escape(text, quote, " "), SNIFF_RECORDS)
        share, count = _consistency(records)
        if count >= 2 and share >= 0.9:
            return " "
    return best[3]


def _typed(value: str) -> bool:
    value = value.strip()
    return bool(value) and (_NUMBER.match(value) is not None or _DATE.match(value) is not None)


def detect_header(records: list[list[str]]) -> bool:
    """Whether the first record is a header.

    It is data (no header) only when it holds at least one number/date and every column
    whose first value is plain text is plain text in the body too.
    """
    if len(records) < 2:
        return True
    first, body = records[0], records[1:]
    if not any(_typed(v) for v in first):
        return True
    for j, value in enumerate(first):
        if _typed(value):
            continue
        column = [r[j] for r in body if j < len(r) and r[j].strip()]
        if column and sum(_typed(v) for v in column) > len(column) / 2:
            return True
    return False


def preamble_length(records: list[list[str]]) -> int:
    """How many leading records are a preamble (title, `# exported ...` comments), not
    the header or data: records with fewer fields than the file's usual count and at most
    half of them filled, or starting with `#`, before the first full-width record."""
    share, count = _consistency(records)
    if count < 2 or share < 0.5:
        return 0
    for index, record in enumerate(records[:20]):
        if len(record) >= count:
            return index
        filled = sum(1 for value in record if value.strip())
        if filled > max(1, count // 2) and not record[0].lstrip().startswith("#"):
            return index
    return 0


def fit_header(names: list[str], body: list[list[str]]) -> list[str]:
    """Header names matched to the body's usual field count.

    A header longer than the records only by empty names (`a,b,c,` over `1,2,3`) loses
    them. A header shorter than the records gets empty names: at the end when the
    records' extra fields are empty (every line ends with a delimiter), else at the
    front (R's `write.csv` leaves the row-names column unnamed).
    """
    share, count = _consistency(body)
    if not body or share < 0.5 or count == len(names):
        return names
    if count < len(names):
        return names[:count] if not any(n.strip() for n in names[count:]) else names
    extra = count - len(names)
    full = [r for r in body if len(r) == count]
    if all(not any(v.strip() for v in r[len(names):]) for r in full):
        return names + [""] * extra
    return [""] * extra + names


def sniff_dialect(text: str, preferred_delimiter: str = ",") -> Dialect:
    """Detect delimiter, quote, escape, newline, preamble and header of a decoded sample."""
    delimiter = detect_delimiter(text, preferred_delimiter)
    quote = detect_quote(text, delimiter)
    escape = detect_escape(text, quote, delimiter)
    numbered = parse_numbered(text, delimiter, quote, escape, SNIFF_RECORDS)
    skip = preamble_length([record for record, _ in numbered])
    skip_lines = numbered[skip][1] - 1 if skip else 0
    lines = io.StringIO(text, newline="")
    preamble = [lines.readline().rstrip("\r\n") for _ in range(skip_lines)]
    records = [record for record, _ in numbered[skip:]]
    header = detect_header(records)
    share, count = _consistency(records)
    first = records[0] if records else []
    if header:
        first = fit_header(first, records[1:])
    width = len(first) if header else max(len(first), count)
    body = records[1:] if header else records
    short = sum(1 for record in body if len(record) < width)
    short_rows = short >= 3 and short >= 0.05 * len(body)
    return Dialect(
        delimiter=delimiter,
        quote=quote,
        escape=escape,
        header=header,
        newline=detect_newline(text),
        header_names=list(first) if header else [],
        field_count=width,
        short_rows=short_rows,
        skip_lines=skip_lines,
        preamble=preamble,
        mixed_newlines=mixed_newlines(text),
    )


def mixed_newlines(text: str) -> bool:
    """Whether lines end in more than one style (CRLF, LF, CR)."""
    crlf = text.count("\r\n")
    styles = (crlf, text.count("\n") - crlf, text.count("\r") - crlf)
    return sum(1 for count in styles if count) > 1


def unique_column_names(originals: list[str], reserved: tuple[str, ...] = ("_row_id",)) -> list[str]:
    """DuckDB-safe unique names: empty -> `column_<n>`, duplicates (case-insensitive) -> `_2`..."""
    used = {r.lower() for r in reserved}
    names: list[str] = []
    for position, original in enumerate(originals):
        base = original if original.strip() else f"column_{position + 1}"
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name.lower())
        names.append(name)
    return names
