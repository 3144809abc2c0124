"""`matching._matches_any` (one regex for all of a concept's globs) says yes exactly when some
glob matches some name under `fnmatchcase`, which it only pre-filters."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings, strategies as st

from dataraum_context.ontology.matching import _matches_any

GLOB = st.text(alphabet="ab_*?[]!-.", max_size=6)
NAME = st.text(alphabet="abAB_-.[]!", max_size=7)


@settings(max_examples=400, deadline=None)
@given(globs=st.lists(GLOB, max_size=5), names=st.lists(NAME, max_size=4))
def test_prefilter_agrees_with_fnmatchcase(globs: list[str], names: list[str]) -> None:
    expected = any(name and fnmatchcase(name, glob) for glob in globs for name in names)
    assert _matches_any(globs, tuple(names)) == expected


def test_examples() -> None:
    assert _matches_any(["*price*", "*amount*"], ("unit_price", "unit price"))
    assert not _matches_any(["*price*"], ("Price",))  # case-sensitive, like fnmatchcase
    assert not _matches_any([], ("anything",))
    assert not _matches_any(["*"], ("",))  # empty names never match
