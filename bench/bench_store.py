"""Metadata growth per unchanged re-run, and the store's size after N runs.

Runs `dataraum run DATA --review auto` N times on one fresh workspace (SQLite metadata),
each in its own process, and after every run measures the metadata store: bytes in use
(SQLite pages minus free pages, after a WAL checkpoint) and the bytes of saved results
(checkpoint JSON and, since the result store, the stored node results). Once with the default retention (`DATARAUM_KEEP_RUNS`, 5) and once
keeping everything, so the effect of retention shows.

    python bench/bench_store.py                       # demo data, 20 runs, prints and appends to STORE.md
    python bench/bench_store.py --data DIR --runs 10 --no-record
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "examples" / "demo" / "data"


def measure(db: Path) -> tuple[int, int]:
    """(bytes in use, bytes of checkpoint JSON) of a SQLite metadata store."""
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        saved = con.execute("SELECT coalesce(sum(length(checkpoint_state)), 0) FROM checkpoints").fetchone()[0]
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "node_results" in tables:  # the result store (schema revision 0002): outputs stored once
            saved += con.execute("SELECT coalesce(sum(length(value)), 0) FROM node_results").fetchone()[0]
    return (pages - free) * page_size, int(saved)


def series(data: Path, runs: int, keep: int | None) -> list[tuple[int, int]]:
    sizes = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")}
        env["DATARAUM_WORKSPACE"] = str(Path(tmp) / "ws")
        if keep is not None:
            env["DATARAUM_KEEP_RUNS"] = str(keep)
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-m", "dataraum_context", "run", str(data), "--review", "auto"],
                env=env, capture_output=True, text=True, cwd=tmp,
            )
            if done.returncode != 0:
                raise SystemExit(f"run failed: {done.stderr.strip()}")
            sizes.append(measure(Path(tmp) / "ws" / "metadata.db"))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEMO)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    rows = []
    for label, keep in (("keep 5 (default)", None), ("keep all", 100_000)):
        sizes = series(args.data, args.runs, keep)
        growth = [b[0] - a[0] for a, b in zip(sizes, sizes[1:])]
        late = growth[5:] or growth  # once retention has started pruning
        rows.append(
            f"| {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | {args.data.name} | {label} | "
            f"{sizes[0][0] / 1e6:.2f} MB | {statistics.median(growth) / 1e3:.0f} KB | "
            f"{statistics.median(late) / 1e3:.0f} KB | {args.runs} | {sizes[-1][0] / 1e6:.2f} MB | "
            f"{sizes[-1][1] / 1e6:.2f} MB | {platform.machine()}, Python {platform.python_version()} |"
        )
        print(rows[-1], flush=True)
    if not args.no_record:
        with open(HERE / "STORE.md", "a", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
