"""Benchmark: the fixed cost of a process (issue 14): `dataraum --version`, how long a
`dataraum run` takes from launch to its first stage, and from its last node to the end of the process.

"First stage" is the `started_at` of the run's first node execution in the metadata store
(`node_executions`), minus the wall clock taken just before the process was launched: it
covers interpreter start, imports, settings, the metadata store's migrations, the DuckDB
file and the Hamilton driver. "After the last node" is the end of the process (as the
launcher sees it) minus the end of the last node execution (`started_at` + `duration_ms`):
the last stage's writes, the run's end, closing the stores and the interpreter's exit.
Each measurement is a fresh process on a fresh workspace;
medians of `--repeat` (alternated). The input is one small CSV file written here.

    python bench/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

CSV = "id,name,amount,day\n" + "".join(f"{i},n{i % 7},{i * 1.5},2024-01-{1 + i % 28:02d}\n" for i in range(50))


def _version_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dataraum_context", "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def _stamp(text: str) -> float:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # stored as UTC without a zone
    return at.timestamp()


def _first_stage_seconds(folder: Path, index: int) -> tuple[float, float, float]:
    """(launch -> first node started, launch -> process ended, last node ended -> process
    ended) of one `dataraum run`."""
    workspace = folder / f"ws{index}"
    launched = time.time()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dataraum_context", "run", str(folder / "tiny.csv"), "--review", "defer",
         "--json", "--workspace", str(workspace)],
        check=True, capture_output=True,
    )
    total = time.perf_counter() - started
    with sqlite3.connect(workspace / "metadata.db") as con:
        rows = con.execute("SELECT started_at, duration_ms FROM node_executions").fetchall()
    first = min(_stamp(at) for at, _ in rows)
    last = max(_stamp(at) + (ms or 0.0) / 1000 for at, ms in rows)
    return first - launched, total, launched + total - last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    version: list[float] = []
    first: list[float] = []
    whole: list[float] = []
    tail: list[float] = []
    with tempfile.TemporaryDirectory(prefix="dataraum-startup-") as tmp:
        folder = Path(tmp)
        (folder / "tiny.csv").write_text(CSV, encoding="utf-8")
        for i in range(args.repeat):
            version.append(_version_seconds())
            to_first, total, after_last = _first_stage_seconds(folder, i)
            first.append(to_first)
            whole.append(total)
            tail.append(after_last)
    load_after = os.getloadavg()[0]
    print(
        f"N={args.repeat}, load {load_before:.2f} / {load_after:.2f}: "
        f"--version median {statistics.median(version):.3f} s (min {min(version):.3f}); "
        f"run: launch -> first stage median {statistics.median(first):.3f} s (min {min(first):.3f}), "
        f"last node -> process end median {statistics.median(tail):.3f} s (min {min(tail):.3f}), "
        f"whole run of a 50-row file median {statistics.median(whole):.2f} s"
    )


if __name__ == "__main__":
    main()
