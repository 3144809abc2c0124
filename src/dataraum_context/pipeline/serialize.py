"""Node outputs as JSON for checkpoints, and back.

Checkpoints hold references and small JSON values, never pickles: every node's
return annotation is a type pydantic can dump to JSON and validate back
(pydantic models, dataclasses, containers of plain values). Inputs such as the
DuckDB connection are not node outputs and are never stored.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hamilton import driver
from pydantic import TypeAdapter

from dataraum_context.errors import DataraumError


@lru_cache(maxsize=512)
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def node_types(dr: driver.Driver) -> dict[str, Any]:
    return {n.name: n.type for n in dr.list_available_variables() if not n.is_external_input}


def dump_outputs(types: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = {}
    for name, value in outputs.items():
        try:
            dumped[name] = _adapter(types[name]).dump_python(value, mode="json")
        except Exception as exc:  # noqa: BLE001 - name the node, whatever went wrong
            raise DataraumError(f"node {name!r} returned a value that cannot be checkpointed as JSON: {exc}") from None
    return dumped


def load_outputs(types: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = {}
    for name, value in data.items():
        if name not in types:
            continue  # a node that no longer exists; drift checks report it
        loaded[name] = _adapter(types[name]).validate_python(value)
    return loaded
