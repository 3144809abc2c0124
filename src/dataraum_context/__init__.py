"""dataraum-context: reviewed, queryable metadata context for raw tables."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["RunResult", "Workspace", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: `import dataraum_context` (and `dataraum --version`) stays cheap; the API
    # (SQLAlchemy, DuckDB, pyarrow) loads on first use of `Workspace`.
    if name in ("Workspace", "RunResult"):
        from dataraum_context import api

        return getattr(api, name)
    raise AttributeError(f"module 'dataraum_context' has no attribute {name!r}")
