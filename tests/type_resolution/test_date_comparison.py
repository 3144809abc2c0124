"""A date/time parse compares its round trip without `lower()` when the format writes no cased
character (`formats.uncased_output`). Property: for any text, the parse gives the same value (or
the same NULL) as with `lower()` on both sides, for every such format. (It must: the comparison
is the fast case of the canonical one after it, which folds case itself. The test fails when the
fast case lets through what the canonical one would not, e.g. any parsed value.)"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dataraum_context.type_resolution.candidates import DATE_FORMATS
from dataraum_context.type_resolution.formats import ValueFormat, install_macros, parse_sql, uncased_output
from dataraum_context.sqlutil import quote_literal

UNCASED = [f for f in DATE_FORMATS if uncased_output(f) and not f.endswith(" %z")]
TARGETS = {True: "TIMESTAMP", False: "DATE"}


def _with_lower(f: str, v: str, target: str) -> str:
    """The parse as it was: `lower()` on both sides of the plain comparison."""
    lit = quote_literal(f)
    parsed = f"TRY_STRPTIME({v}, {lit})"
    result = parsed
    if "%y" in f:
        result = f"(CASE WHEN {parsed} > current_date + INTERVAL 1 DAY THEN {parsed} - INTERVAL 100 YEAR ELSE {parsed} END)"
    value = (
        f"(CASE WHEN lower(strftime({parsed}, {lit})) = lower({v}) THEN {result} "
        f"WHEN _dr_canon_dt(strftime({parsed}, {lit})) = _dr_canon_dt({v}) THEN {result} END)"
    )
    return f"CAST({value} AS {target})"


MOMENTS = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))
NOISE = st.text(alphabet="0123456789/-.: TtZzAaPpMm\u212a\u24b6\uff12\u0130 ", max_size=25)


@st.composite
def texts(draw: st.DrawFn, f: str) -> str:
    """Texts near what `f` writes: a moment written in `f` (Python's strftime; close to DuckDB's),
    then perhaps mangled (a character replaced by a cased or odd one, padding dropped, text
    around it), or any noise."""
    if draw(st.booleans()):
        return draw(NOISE)
    text = draw(MOMENTS).strftime(f.replace("%-", "%"))
    how = draw(st.sampled_from(["as is", "replace", "unpad", "around"]))
    if how == "replace" and text:
        k = draw(st.integers(0, len(text) - 1))
        text = text[:k] + draw(st.sampled_from(list("tTaAzZ\u212a\u24b6\uff12\u0130 "))) + text[k + 1:]
    elif how == "unpad":
        text = text.replace("/0", "/").replace("-0", "-").replace(":0", ":").lstrip("0")
    elif how == "around":
        text = draw(st.sampled_from(["", " ", "x", "BC ", "T"])) + text + draw(st.sampled_from(["", " (BC)", "z", "Z"]))
    return text


def test_formats_with_cased_output_keep_lower() -> None:
    for f in ["%d %b %Y", "%Y-%m-%dT%H:%M:%S", "%I:%M %p", "%a, %d %b %Y", "%Y-%m-%d %Z", "%d/%m/%Y %z"]:
        assert not uncased_output(f), f
    assert uncased_output("%Y-%m-%d") and uncased_output("%d.%m.%y %H:%M:%S.%f") and uncased_output("%-d/%-m/%Y")
    assert len(UNCASED) >= 40


@pytest.mark.parametrize("f", UNCASED[::7] + ["%Y-%m-%d", "%d/%m/%Y", "%-d/%-m/%Y", "%H:%M:%S"])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
@example(data=None)
def test_plain_comparison_reads_what_the_folded_one_reads(f: str, data: st.DataObject | None) -> None:
    values = ["2024-01-05", "2024-1-5", "05/01/2024", "5/1/2024", "infinity", "-infinity", "\uff12\uff10\uff12\uff14-01-05",
              "2024-01-05 (BC)", "0001-01-01", "9999-12-31", "2024-01-05T10:00", "2024-01-05t10:00", ""]
    if data is not None:
        values = data.draw(st.lists(texts(f), min_size=1, max_size=30))
    target = TARGETS["%H" in f]
    fmt = ValueFormat(kind="timestamp" if "%H" in f else "date", formats=(f,))
    con = duckdb.connect()
    try:
        install_macros(con)
        con.execute("CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS v", [values])
        new = parse_sql(fmt, target, "v")
        assert "lower(strftime" not in new
        rows = con.execute(
            f"SELECT v, {new}, {_with_lower(f, 'v', target)} FROM t WHERE ({new}) IS DISTINCT FROM ({_with_lower(f, 'v', target)})"
        ).fetchall()
        assert rows == []
    finally:
        con.close()
