"""Types of the Python API tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataraum_context import RunResult, Workspace


@dataclass
class BlockedRun:
    ws: Workspace
    first: RunResult  # the paused run
    pending: list[dict[str, Any]]  # its open items, as `review.list(pending=True)` gave them
    shown: dict[str, Any]  # `review.show` of the first, by an 8-character prefix
    approved: list[dict[str, Any]]
    resumed: RunResult
