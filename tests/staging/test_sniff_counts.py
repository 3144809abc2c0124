"""The dialect sniffer's quote and escape counts take shortcuts (plain substring counts, and
no regex scan when the character it looks for is absent): they must decide exactly what the
regular expressions they replace decide, for any text and delimiter."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from dataraum_context.staging.csv_reader import DELIMITERS, detect_escape, detect_quote, escape_counts, quote_counts


def reference_quote_counts(text: str, delimiter: str) -> tuple[int, int]:
    d = re.escape(delimiter)
    double = len(re.findall(rf'(^|{d})"', text, re.M))
    single = len(re.findall(rf"(^|{d})'[^{d}\n]*'(?={d}|$)", text, re.M))
    return double, single


def reference_escape_counts(text: str, quote: str, delimiter: str) -> tuple[int, int]:
    q, d = re.escape(quote), re.escape(delimiter)
    backslashed = len(re.findall(rf"\\{q}(?!{d}|\r?$)", text, re.M))
    doubled = len(re.findall(rf"(?<![{d}\n]){q}{q}(?![{d}\r\n])", text))
    return backslashed, doubled


# Texts made of the characters these counts look at, so that every case comes up often.
texts = st.text(alphabet=list(",;\t| \"'\\\r\nab"), max_size=80)
delimiters = st.sampled_from([*DELIMITERS, " "])


@settings(max_examples=800, deadline=None)
@given(texts, delimiters)
def test_quote_counts_as_the_regexes_count(text: str, delimiter: str) -> None:
    assert quote_counts(text, delimiter) == reference_quote_counts(text, delimiter)


@settings(max_examples=800, deadline=None)
@given(texts, delimiters, st.sampled_from(['"', "'"]))
def test_escape_counts_as_the_regexes_count(text: str, delimiter: str, quote: str) -> None:
    assert escape_counts(text, quote, delimiter) == reference_escape_counts(text, quote, delimiter)


def test_a_single_quoted_file_is_still_seen() -> None:
    text = "'a','b'\n'x y','z'\n'1','2'\n"
    assert detect_quote(text, ",") == "'"
    assert detect_escape('"say \\"hi\\"",1\n"a \\"b\\" c",2\n', '"', ",") == "\\"
