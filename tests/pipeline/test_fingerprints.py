"""Node input fingerprints built in parts are the text of the whole (memo keys stay the same),
and the recorder's fingerprint is reused by the memo only for the very same inputs."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dataraum_context.pipeline import hooks
from dataraum_context.pipeline.hooks import fingerprint_kwargs, fingerprint_value, inputs_hash, take_fingerprint

_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
)
_value = st.recursive(
    _leaf, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12,
)
_names = st.text(min_size=1, max_size=10)


class _Opaque:  # like the DuckDB connection: fingerprinted by its type only
    pass


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_names, st.one_of(_value, st.just(_Opaque())), max_size=5), st.data())
def test_fingerprint_in_parts_is_the_whole(kwargs: dict[str, Any], data: st.DataObject) -> None:
    known_names = data.draw(st.sets(st.sampled_from(sorted(kwargs)) if kwargs else st.nothing()))
    known = {name: fingerprint_value(kwargs[name]) for name in known_names}
    assert fingerprint_kwargs(kwargs, known) == fingerprint_value(kwargs)
    assert fingerprint_kwargs(kwargs) == fingerprint_value(kwargs)


def test_the_memo_takes_the_recorders_text_once_and_only_for_the_same_inputs() -> None:
    items = [1, 2]
    kwargs: dict[str, Any] = {"items": items, "n": 3}
    inputs_hash(kwargs)
    assert hooks._LAST.kwargs is kwargs
    assert take_fingerprint(kwargs) == fingerprint_value(kwargs)
    assert hooks._LAST.kwargs is None  # taken: not reused a second time

    inputs_hash(kwargs)
    kwargs["items"] = [9]  # another value under the same name: computed afresh
    assert take_fingerprint(kwargs) == fingerprint_value({"items": [9], "n": 3})

    inputs_hash(kwargs)
    other = dict(kwargs)  # equal, but not the dict the recorder saw
    assert take_fingerprint(other) == fingerprint_value(other)
    assert hooks._LAST.kwargs is kwargs
