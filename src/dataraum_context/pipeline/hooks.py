"""A Hamilton lifecycle adapter that records every node execution."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hamilton.lifecycle import NodeExecutionHook
import pydantic_core

from dataraum_context.storage.base import utcnow


@dataclass
class NodeRecord:
    node_name: str
    started_at: datetime
    duration_ms: float | None = None
    status: str = "running"
    error_message: str | None = None
    inputs_hash: str | None = None


def fingerprint_value(value: Any) -> str:
    """A stable text form of node inputs for hashing: JSON of pydantic models, dataclasses
    and containers; opaque objects (the DuckDB connection) count by their type only."""
    return pydantic_core.to_json(
        value, fallback=lambda obj: f"<{type(obj).__module__}.{type(obj).__qualname__}>", serialize_unknown=True
    ).decode()


def fingerprint_kwargs(kwargs: dict[str, Any], known: dict[str, str] | None = None) -> str:
    """`fingerprint_value(kwargs)` (the same text: JSON objects have no spaces), built from
    each value's own text, taken from `known` (by name) where given: a node called once per
    table fingerprints its unsliced inputs once, not once per table."""
    parts = []
    for name, value in kwargs.items():
        text = known.get(name) if known is not None else None
        parts.append(f"{fingerprint_value(name)}:{text if text is not None else fingerprint_value(value)}")
    return "{" + ",".join(parts) + "}"


class _LastInputs(threading.local):
    """The text of the inputs the recorder fingerprinted last, for the memo to take (once)."""

    kwargs: dict[str, Any] | None = None
    ids: tuple[int, ...] = ()
    text: str = ""


_LAST = _LastInputs()


def take_fingerprint(kwargs: dict[str, Any]) -> str:
    """`fingerprint_value(kwargs)`; when the recorder just fingerprinted this very dict (Hamilton
    hands the hook and the execution method the same one), its text, which is then forgotten."""
    if _LAST.kwargs is kwargs and _LAST.ids == tuple(id(v) for v in kwargs.values()):
        text = _LAST.text
        _LAST.kwargs, _LAST.ids, _LAST.text = None, (), ""
        return text
    return fingerprint_value(kwargs)


def inputs_hash(kwargs: dict[str, Any]) -> str:
    text = fingerprint_value(kwargs)
    _LAST.kwargs, _LAST.ids, _LAST.text = kwargs, tuple(id(v) for v in kwargs.values()), text
    return hashlib.sha256(text.encode()).hexdigest()


class NodeRecorder(NodeExecutionHook):
    """Collects name, start, duration, status and inputs hash of each executed node."""

    def __init__(self) -> None:
        self.records: list[NodeRecord] = []
        self._open: dict[str, tuple[NodeRecord, float]] = {}
        self._notes: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        self.listener: Any = None

    def note(self, node_name: str, status: str, parts: list[tuple[str, str]]) -> None:
        """Told by the memo: the node's result was reused ('cached'), or per table how it went."""
        self._notes[node_name] = (status, parts)

    def drain(self) -> list[NodeRecord]:
        records, self.records = self.records, []
        self._open.clear()
        self._notes.clear()
        return records

    def run_before_node_execution(self, *, node_name: str, node_kwargs: dict[str, Any], **future_kwargs: Any) -> None:
        record = NodeRecord(node_name=node_name, started_at=utcnow(), inputs_hash=inputs_hash(node_kwargs))
        self._open[node_name] = (record, time.perf_counter())
        if self.listener is not None:
            self.listener.node_started(node_name)

    def run_after_node_execution(
        self, *, node_name: str, error: Exception | None, success: bool, **future_kwargs: Any
    ) -> None:
        record, started = self._open.pop(node_name, (None, time.perf_counter()))
        if record is None:
            record = NodeRecord(node_name=node_name, started_at=utcnow())
        record.duration_ms = (time.perf_counter() - started) * 1000.0
        record.status = "success" if success else "failed"
        if error is not None:
            record.error_message = str(error).splitlines()[0] if str(error) else type(error).__name__
        status, parts = self._notes.pop(node_name, (None, []))
        if success and status is not None:
            record.status = status
        self.records.append(record)
        for table, part_status in parts:  # per-table work of a per-table node
            self.records.append(
                NodeRecord(
                    node_name=f"{node_name}[{table}]", started_at=record.started_at,
                    status=part_status, inputs_hash=None,
                )
            )
        if self.listener is not None:
            self.listener.node_finished(node_name, success)
