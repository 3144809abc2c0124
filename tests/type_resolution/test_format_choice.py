"""The date-format choice searches only the formats that read some value (a column's few of the
~350): it must choose exactly what the search over every format chose, for any values."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from dataraum_context.type_resolution.candidates import (
    DATE_FORMATS, MAX_FORMATS, Candidate, ValueFormat, _choose_formats, date_order, has_date, has_time,
    temporal_label, twin_format,
)


# The search as it was, over every format (the reference).
def reference_choose_formats(column: str, values: list[tuple[str, int, list[bool]]]) -> list[Candidate]:
    covered = [sum(n for _, n, ok in values if ok[k]) for k in range(len(DATE_FORMATS))]
    best = max(range(len(DATE_FORMATS)), key=lambda k: (covered[k], -k))
    if covered[best] == 0:
        return []
    readings = [best]
    twin = twin_format(DATE_FORMATS[best])
    if twin is not None and twin in DATE_FORMATS and covered[DATE_FORMATS.index(twin)] == covered[best]:
        readings.append(DATE_FORMATS.index(twin))
    out = []
    for first in readings:
        order = date_order(DATE_FORMATS[first])
        chosen = [first]
        read = {v for v, _, ok in values if ok[first]}
        for _ in range(MAX_FORMATS - 1):
            def gain(k: int) -> int:
                return sum(n for v, n, ok in values if ok[k] and v not in read)

            options = [
                k for k in range(len(DATE_FORMATS))
                if k not in chosen and date_order(DATE_FORMATS[k]) in (None, order)
                and has_date(DATE_FORMATS[k]) == has_date(DATE_FORMATS[first])
                and DATE_FORMATS[k].endswith(" %z") == DATE_FORMATS[first].endswith(" %z")
            ]
            if not options:
                break
            k = max(options, key=lambda k: (gain(k), -k))
            if gain(k) == 0:
                break
            chosen.append(k)
            read |= {v for v, _, ok in values if ok[k]}
        formats = tuple(DATE_FORMATS[k] for k in chosen)
        if any(f.endswith(" %z") for f in formats):
            kind, data_type = "timestamptz", "TIMESTAMP WITH TIME ZONE"
        elif not has_date(formats[0]):
            kind, data_type = "time", "TIME"
        elif any(has_time(f) for f in formats):
            kind, data_type = "timestamp", "TIMESTAMP"
        else:
            kind, data_type = "date", "DATE"
        out.append(Candidate(column, temporal_label(formats), ValueFormat(kind=kind, formats=formats), data_type=data_type))
    return out


# Formats with a twin of the other day/month order, and a few others: overlaps are likely.
TWINNED = sorted({k for k, f in enumerate(DATE_FORMATS) if twin_format(f) in DATE_FORMATS})
POOL = sorted(set(TWINNED[:6]) | {DATE_FORMATS.index(twin_format(DATE_FORMATS[k])) for k in TWINNED[:6]} | set(range(0, 40, 7)))


@st.composite
def searched_values(draw: st.DrawFn) -> list[tuple[str, int, list[bool]]]:
    formats = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=8, unique=True))
    values = []
    for text in draw(st.lists(st.sampled_from("abcdefgh"), max_size=12)):  # repeated texts too
        ok = [False] * len(DATE_FORMATS)
        for k in draw(st.lists(st.sampled_from(formats), max_size=4)):
            ok[k] = True
        values.append((text, draw(st.integers(0, 6)), ok))
    return values


@settings(max_examples=150, deadline=None)
@given(searched_values())
def test_same_choice_as_the_search_over_every_format(values: list[tuple[str, int, list[bool]]]) -> None:
    assert _choose_formats("c", values) == reference_choose_formats("c", values)
