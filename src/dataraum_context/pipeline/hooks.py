"""A Hamilton lifecycle adapter that records every node execution."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hamilton.lifecycle import NodeExecutionHook
from pydantic import BaseModel

from dataraum_context.storage.base import utcnow


@dataclass
class NodeRecord:
    node_name: str
    started_at: datetime
    duration_ms: float | None = None
    status: str = "running"
    error_message: str | None = None
    inputs_hash: str | None = None


def _fingerprint(value: Any) -> str:
    """A stable text form of a node input for hashing; opaque objects count by type."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return repr(value)
    if isinstance(value, Path):
        return f"Path({value})"
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_fingerprint(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_fingerprint(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


def inputs_hash(kwargs: dict[str, Any]) -> str:
    return hashlib.sha256(_fingerprint(kwargs).encode()).hexdigest()


class NodeRecorder(NodeExecutionHook):
    """Collects name, start, duration, status and inputs hash of each executed node."""

    def __init__(self) -> None:
        self.records: list[NodeRecord] = []
        self._open: dict[str, tuple[NodeRecord, float]] = {}
        self.listener: Any = None

    def drain(self) -> list[NodeRecord]:
        records, self.records = self.records, []
        self._open.clear()
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
        self.records.append(record)
        if self.listener is not None:
            self.listener.node_finished(node_name, success)
