"""Benchmark: the whole pipeline (no LLM, `--review defer`) vs DuckDB's own load + SUMMARIZE.

Inputs: TPC-H SF 1 (8 CSV files from `tpchgen-cli`, shared with `bench_topology.py` in
bench/data/tpch_sf1/) and the 1M-row mixed CSV (`make_mixed_csv.py`). Each measurement is
its own child process (`bench_types.measure`: wall seconds reported by the child, peak RSS
from `os.wait4`), repeated and alternated; the medians are printed and appended to
PIPELINE.md and RESULTS.md, with the per-stage breakdown of one dataraum run (sum of node
durations per stage from `dataraum status RUN --json`) and the slowest nodes.

    python bench/bench_pipeline.py [--inputs tpch-sf1,mixed-1m] [--repeat 3] [--tpch-repeat 1]
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
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench_topology import generate as generate_tpch
from bench_types import measure

HERE = Path(__file__).resolve().parent
SECTION = "## Whole pipeline: no LLM, review deferred (`bench_pipeline.py`)"
TABLE_HEADER = (
    "| when | input | machine (load avg before / after) | N | DuckDB load+SUMMARIZE time / peak RSS "
    "| dataraum run time / peak RSS | ratio | slowest stages (s) |\n"
    "|---|---|---|---|---|---|---|---|\n"
)

# Every CSV file of the input, each into its own table, then SUMMARIZE of each table.
DUCKDB_CHILD = """
import sys, time, duckdb
started = time.perf_counter()
con = duckdb.connect()
for i, path in enumerate(sys.argv[1:]):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?)", [path])
    con.execute(f"SUMMARIZE t{i}").fetchall()
print(time.perf_counter() - started)
"""

# The CLI in-process (so wait4 sees its RSS, DuckDB included); timed after the imports.
DATARAUM_CHILD = """
import sys, time
from dataraum_context.cli import main
started = time.perf_counter()
code = main(["run", sys.argv[1], "--review", "defer", "--json", "--workspace", sys.argv[2]])
elapsed = time.perf_counter() - started
sys.stdout.flush()
if code != 0:
    sys.exit(code)
print(elapsed)
"""


@dataclass(frozen=True)
class BenchInput:
    """One benchmark input: what `dataraum run` gets, and the CSV files DuckDB loads."""

    name: str
    target: Path
    files: list[Path]

    @property
    def label(self) -> str:
        rows = "8 tables, 8.7 M rows" if self.name.startswith("tpch") else "1 table, 1 M rows x 12 columns"
        size = sum(f.stat().st_size for f in self.files) / 1e6
        return f"{self.name} ({len(self.files)} CSV, {size:,.0f} MB; {rows})"


def prepare(name: str) -> BenchInput:
    """Generate the input if missing and return it."""
    if name == "tpch-sf1":
        folder = generate_tpch("1")
        return BenchInput(name, folder, sorted(folder.glob("*.csv")))
    if name == "mixed-1m":
        path = HERE / "data" / "mixed_1m.csv"
        if not path.exists():
            subprocess.run([sys.executable, str(HERE / "make_mixed_csv.py"), "1000000", str(path)], check=True)
        return BenchInput(name, path, [path])
    raise SystemExit(f"unknown input {name!r}: choose tpch-sf1 or mixed-1m")


def stage_breakdown(workspace: str) -> dict:
    """Per-stage sums of node durations (s) and the slowest nodes of the workspace's last run."""
    def cli(*args: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "dataraum_context", *args, "--workspace", workspace, "--json"],
            check=True, capture_output=True, text=True,
        ).stdout
        return json.loads(out)

    run_id = cli("status")["runs"][0]["id"]
    run = cli("status", run_id)
    stages: dict[str, float] = defaultdict(float)
    for node in run["nodes"]:
        stages[node["stage"]] += node["duration_ms"] / 1000
    slowest = sorted(run["nodes"], key=lambda n: -n["duration_ms"])[:10]
    return {
        "run_id": run_id,
        "run_duration_s": run["duration_s"],
        "stages_s": {stage: round(s, 2) for stage, s in stages.items()},
        # persist transactions, checkpoints and runner overhead: the run's time outside any node
        "outside_nodes_s": round(run["duration_s"] - sum(stages.values()), 2),
        "slowest_nodes_s": [(f"{n['stage']}.{n['node']}", round(n["duration_ms"] / 1000, 2)) for n in slowest],
    }


def bench(item: BenchInput, repeat: int) -> dict:
    """Medians of `repeat` alternated measurements, plus the stage breakdown of the first dataraum run."""
    ours, base, breakdown = [], [], None
    load_before = os.getloadavg()
    for _ in range(repeat):
        base.append(measure(DUCKDB_CHILD, *map(str, item.files)))
        workspace = tempfile.mkdtemp(prefix="dataraum-bench-pipeline-")
        try:
            ours.append(measure(DATARAUM_CHILD, str(item.target), workspace))
            breakdown = breakdown or stage_breakdown(workspace)
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
        print(f"{item.name}: duckdb {base[-1][0]:.1f}s/{base[-1][1]:.0f}MB, "
              f"dataraum {ours[-1][0]:.1f}s/{ours[-1][1]:.0f}MB", file=sys.stderr)
    result = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "input": item.label,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "repeat": repeat,
        "duckdb_s": statistics.median(t for t, _ in base),
        "duckdb_rss_mb": statistics.median(m for _, m in base),
        "dataraum_s": statistics.median(t for t, _ in ours),
        "dataraum_rss_mb": statistics.median(m for _, m in ours),
        "all_s": {"duckdb": [round(t, 2) for t, _ in base], "dataraum": [round(t, 2) for t, _ in ours]},
        "breakdown": breakdown,
    }
    result["ratio"] = result["dataraum_s"] / result["duckdb_s"]
    return result


def row(r: dict) -> str:
    """One Markdown table row of a result."""
    stages = sorted(r["breakdown"]["stages_s"].items(), key=lambda kv: -kv[1])[:3]
    return (
        f"| {r['when']} | {r['input']} | {r['machine']} ({r['load_avg'][0]:.2f} / {r['load_avg'][1]:.2f}) "
        f"| {r['repeat']} | {r['duckdb_s']:.2f} s / {r['duckdb_rss_mb']:.0f} MB "
        f"| {r['dataraum_s']:.2f} s / {r['dataraum_rss_mb']:.0f} MB | {r['ratio']:.1f}x "
        f"| {', '.join(f'{s} {v:.1f}' for s, v in stages)} |\n"
    )


def append_rows(path: Path, rows: list[str], section: str | None) -> None:
    """Append rows to the file's last table; add the section and table header if it has none yet."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    with path.open("a", encoding="utf-8") as fh:
        if section is not None and section not in text:
            fh.write(("\n" if text and not text.endswith("\n\n") else "") + section + "\n\n" + TABLE_HEADER)
        fh.write("".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", default="tpch-sf1,mixed-1m")
    parser.add_argument("--repeat", type=int, default=3, help="repeats for the 1M-row file")
    parser.add_argument("--tpch-repeat", type=int, default=1, help="repeats for TPC-H SF 1 (about 5 min each)")
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to the Markdown files")
    args = parser.parse_args()
    results = []
    for name in args.inputs.split(","):
        item = prepare(name.strip())
        results.append(bench(item, args.tpch_repeat if item.name.startswith("tpch") else args.repeat))
        print(json.dumps(results[-1], indent=1))
    if not args.no_record:
        rows = [row(r) for r in results]
        append_rows(HERE / "PIPELINE.md", rows, None)
        append_rows(HERE / "RESULTS.md", rows, SECTION)


if __name__ == "__main__":
    main()
