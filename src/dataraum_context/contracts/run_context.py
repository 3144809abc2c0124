"""What a stage's persist function gets to know about the run."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunContext:
    """The run being executed: its id, workspace and settings."""

    run_id: uuid.UUID
    workspace: Path
    duckdb_path: Path
    review_policy: str
    options: dict[str, Any] = field(default_factory=dict)
    # Filled by persist functions for the run summary (tables changed, counts ...).
    summary: dict[str, Any] = field(default_factory=dict)
