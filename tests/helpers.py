"""Helpers shared by tests (importable as `helpers`: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "examples" / "demo" / "data"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300) -> CliResult:
    """Run `dataraum` as a user would: a subprocess of this interpreter, from `cwd`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "dataraum_context", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
