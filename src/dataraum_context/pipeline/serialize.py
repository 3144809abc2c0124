"""Node outputs as JSON for checkpoints, and back.

Checkpoints hold references and small JSON values, never pickles: every node's
return annotation is a type pydantic can dump to JSON and validate back
(pydantic models, dataclasses, containers of plain values). Inputs such as the
DuckDB connection are not node outputs and are never stored.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Any

from hamilton import driver
from pydantic import BaseModel, TypeAdapter

from dataraum_context.errors import DataraumError


@lru_cache(maxsize=512)
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def node_types(dr: driver.Driver) -> dict[str, Any]:
    return {n.name: n.type for n in dr.list_available_variables() if not n.is_external_input}


def same_value(a: Any, b: Any) -> bool:
    """Deep equality of node values that also looks at fields a model does not dump
    and counts NaN equal to NaN.

    Containers and models are first compared with `==` (C speed: on a 2,000-column table the
    walk below took ~2 s per run); the walk runs only where `==` says no (a NaN, a real
    difference), and decides."""
    if type(a) is type(b) and isinstance(a, (BaseModel, dict, list, tuple)):
        try:
            if a == b:
                return True
        except Exception:  # noqa: BLE001 - a value whose == refuses (the walk decides)
            pass
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return bool(a == b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else False
    if isinstance(a, BaseModel):
        return same_value(dict(a.__dict__), dict(b.__dict__))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return all(same_value(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def dump_outputs(types: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    """Node outputs as JSON. A value that does not load back equal (a field the model
    does not dump, a float that JSON cannot hold, a type that validates differently) is
    refused here, when it is stored, not when a resume needs it."""
    dumped: dict[str, Any] = {}
    for name, value in outputs.items():
        adapter = _adapter(types[name])
        try:
            dumped[name] = adapter.dump_python(value, mode="json")
            back = adapter.validate_python(dumped[name])
        except Exception as exc:  # noqa: BLE001 - name the node, whatever went wrong
            raise DataraumError(f"node {name!r} returned a value that cannot be checkpointed as JSON: {exc}") from None
        if not same_value(back, value):
            raise DataraumError(
                f"node {name!r} returned a value that does not load back equal from its JSON "
                f"(a field excluded from dumps, or a value JSON changes); it cannot be checkpointed"
            )
    return dumped


def dump_of_part(value: Any, whole: Any, whole_json: Any) -> tuple[bool, Any]:
    """(True, the JSON of `value`) when `value` is `whole` or a slice of its items (the same
    objects: a sub-list, or a sub-dict with string keys), read from `whole_json` (the dump of
    `whole`: lists and dicts dump item by item); (False, None) otherwise."""
    if value is whole:
        return True, whole_json
    if isinstance(value, list) and isinstance(whole, list) and isinstance(whole_json, list):
        if len(whole_json) == len(whole):
            index = {id(item): i for i, item in enumerate(whole)}
            if all(id(item) in index for item in value):
                return True, [whole_json[index[id(item)]] for item in value]
    if isinstance(value, dict) and isinstance(whole, dict) and isinstance(whole_json, dict):
        if all(isinstance(k, str) and k in whole and whole[k] is v and k in whole_json for k, v in value.items()):
            return True, {k: whole_json[k] for k in value}
    return False, None


def load_outputs(types: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = {}
    for name, value in data.items():
        if name not in types:
            continue  # a node that no longer exists; drift checks report it
        loaded[name] = _adapter(types[name]).validate_python(value)
    return loaded
