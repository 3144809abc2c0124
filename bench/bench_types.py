"""Benchmark: staging + profiling + type resolution vs DuckDB read_csv + SUMMARIZE.

Each measurement runs in its own child process (so peak RSS is that work's own),
REPEAT times, alternating; the medians are printed and appended to RESULTS.md.

    python bench/bench_types.py [CSV] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

DUCKDB_CHILD = """
import sys, time, duckdb
started = time.perf_counter()
con = duckdb.connect()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[1]])
con.execute("SUMMARIZE t").fetchall()
print(time.perf_counter() - started)
"""

DATARAUM_CHILD = """
import asyncio, sys, time
from dataraum_context.config import load_settings
from dataraum_context.pipeline.runner import execute_run
settings = load_settings(workspace=sys.argv[2], review="defer")
settings.workspace.mkdir(parents=True, exist_ok=True)
started = time.perf_counter()
outcome = asyncio.run(execute_run(settings, [sys.argv[1]], stop_after="type_resolution"))
assert outcome.status == "completed", outcome.error
print(time.perf_counter() - started)
"""


def measure(code: str, *args: str) -> tuple[float, float]:
    """(seconds reported by the child, peak RSS of the child in MB)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed with exit code {proc.returncode}")
    return float(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv", nargs="?", default=str(HERE / "data" / "mixed_1m.csv"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    csv_path = Path(args.csv)
    if not csv_path.exists():
        subprocess.run([sys.executable, str(HERE / "make_mixed_csv.py"), "1000000", str(csv_path)], check=True)

    ours, base = [], []
    for _ in range(args.repeat):
        base.append(measure(DUCKDB_CHILD, str(csv_path)))
        workspace = tempfile.mkdtemp(prefix="dataraum-bench-")
        try:
            ours.append(measure(DATARAUM_CHILD, str(csv_path), workspace))
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
    result = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "file": f"{csv_path.name} ({csv_path.stat().st_size / 1e6:.0f} MB)",
        "repeat": args.repeat,
        "duckdb_s": statistics.median(t for t, _ in base),
        "duckdb_rss_mb": statistics.median(m for _, m in base),
        "dataraum_s": statistics.median(t for t, _ in ours),
        "dataraum_rss_mb": statistics.median(m for _, m in ours),
    }
    result["ratio"] = result["dataraum_s"] / result["duckdb_s"]
    print(json.dumps(result, indent=2))
    with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:
        fh.write(
            f"| {result['when']} | types (staging+profiling+type resolution) | {result['file']} | {result['machine']} "
            f"| {result['duckdb_s']:.2f} s / {result['duckdb_rss_mb']:.0f} MB "
            f"| {result['dataraum_s']:.2f} s / {result['dataraum_rss_mb']:.0f} MB | {result['ratio']:.2f}x |\n"
        )


if __name__ == "__main__":
    main()
