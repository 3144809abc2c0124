"""Benchmark: the whole pipeline (no LLM, `--review defer`) vs DuckDB's own load + SUMMARIZE.

Inputs: TPC-H SF 1 (8 CSV files from `tpchgen-cli`, shared with `bench_topology.py` in
bench/data/tpch_sf1/), the 1M-row mixed CSV (`make_mixed_csv.py`), wide tables
(`wide-100`, `wide-500`, `wide-2000`: 10,000 rows x that many mixed columns,
`make_wide_csv.py`; `wide-2000x10` for 10 rows) and `small-200` (200 small real CSV files of
the corpus cache, `corpus.py fetch`, copied into one folder and run as one folder). Each measurement is
its own child process (`bench_types.measure`: wall seconds reported by the child, peak RSS
from `os.wait4`), repeated and alternated; the medians are printed and appended to
PIPELINE.md and RESULTS.md, with the per-stage breakdown of one dataraum run (sum of node
durations per stage from `dataraum status RUN --json`) and the slowest nodes.

    python bench/bench_pipeline.py [--inputs tpch-sf1,mixed-1m,rows-100k,rows-10m,rows-20m,wide-100,wide-500,wide-2000,small-200]
                                   [--repeat 3] [--tpch-repeat 1]

Besides wall time and peak RSS, the child's CPU seconds (user + system, from `wait4`) are
recorded: on a shared machine they move less with the load than wall time.
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

from bench_startup import compile_bytecode
from bench_topology import generate as generate_tpch

HERE = Path(__file__).resolve().parent
SECTION = "## Whole pipeline: no LLM, review deferred (`bench_pipeline.py`)"
TABLE_HEADER = (
    "| when | input | machine (load avg before / after) | N | DuckDB load+SUMMARIZE time / peak RSS "
    "| dataraum run time / peak RSS / CPU | ratio | slowest stages (s) |\n"
    "|---|---|---|---|---|---|---|---|\n"
)

# Every CSV file of the input, each into its own table, then SUMMARIZE of each table.
DUCKDB_CHILD = """
import sys, time, duckdb
started = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # it would print on stdout, before the figure
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
if code not in (0, 4):  # 4: completed, some files of a folder could not be staged
    sys.exit(code)
print(elapsed)
"""


@dataclass(frozen=True)
class BenchInput:
    """One benchmark input: what `dataraum run` gets, and the CSV files DuckDB loads."""

    name: str
    target: Path
    files: list[Path]

    shape: str = ""

    @property
    def label(self) -> str:
        size = sum(f.stat().st_size for f in self.files) / 1e6
        return f"{self.name} ({len(self.files)} CSV, {size:,.1f} MB; {self.shape})"


def measure(code: str, *args: str) -> tuple[float, float, float]:
    """(seconds reported by the child, peak RSS of the child in MB, the child's CPU seconds)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark child failed with exit code {os.waitstatus_to_exitcode(status)}")
    return float(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


WIDE = {"wide-100": (100, 10_000), "wide-500": (500, 10_000), "wide-2000": (2000, 10_000), "wide-2000x10": (2000, 10)}
ROWS = {"rows-100k": 100_000, "rows-10m": 10_000_000, "rows-20m": 20_000_000}
SMALL_FILES = 200
SMALL_MAX_BYTES = 2_000_000


def small_files(count: int) -> Path:
    """`count` real CSV files under 2 MB from the corpus cache (round-robin over its packages,
    sorted ids: the same files every time), copied into one folder as `<package>__<name>.csv`."""
    from corpus import default_cache, stratified

    folder = HERE / "data" / f"small_{count}"
    if folder.exists() and len(list(folder.glob("*.csv"))) == count:
        return folder
    manifest = default_cache() / "manifest.json"
    if not manifest.exists():
        subprocess.run([sys.executable, str(HERE / "corpus.py"), "fetch"], check=True)
    tables = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
    csvs = [t for t in tables if t["path"].endswith(".csv") and 0 < t["bytes"] <= SMALL_MAX_BYTES]
    chosen = stratified(sorted(csvs, key=lambda t: t["id"]), count)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for t in chosen:
        stem = "".join(ch if ch.isalnum() else "_" for ch in Path(t["id"]).with_suffix("").as_posix())
        shutil.copyfile(t["path"], folder / f"{stem}.csv")
    return folder


def prepare(name: str) -> BenchInput:
    """Generate the input if missing and return it."""
    if name == "tpch-sf1":
        folder = generate_tpch("1")
        return BenchInput(name, folder, sorted(folder.glob("*.csv")), "8 tables, 8.7 M rows")
    if name == "mixed-1m":
        path = HERE / "data" / "mixed_1m.csv"
        if not path.exists():
            subprocess.run([sys.executable, str(HERE / "make_mixed_csv.py"), "1000000", str(path)], check=True)
        return BenchInput(name, path, [path], "1 table, 1 M rows x 12 columns")
    if name in ROWS:  # the row curve: the 1M-row file's generator at other lengths
        rows = ROWS[name]
        path = HERE / "data" / f"mixed_{name.removeprefix('rows-')}.csv"
        if not path.exists():
            subprocess.run([sys.executable, str(HERE / "make_mixed_csv.py"), str(rows), str(path)], check=True)
        return BenchInput(name, path, [path], f"1 table, {rows:,} rows x 12 columns")
    if name in WIDE:
        cols, rows = WIDE[name]
        path = HERE / "data" / f"wide_{cols}x{rows}" / "wide.csv"
        if not path.exists():
            subprocess.run([sys.executable, str(HERE / "make_wide_csv.py"), str(cols), str(rows), str(path)], check=True)
        return BenchInput(name, path, [path], f"1 table, {rows:,} rows x {cols:,} columns")
    if name == "small-200":
        folder = small_files(SMALL_FILES)
        return BenchInput(name, folder, sorted(folder.glob("*.csv")), f"{SMALL_FILES} tables, real files < 2 MB")
    raise SystemExit(f"unknown input {name!r}: choose tpch-sf1, mixed-1m, {', '.join(ROWS)}, {', '.join(WIDE)} or small-200")


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
              f"dataraum {ours[-1][0]:.1f}s/{ours[-1][1]:.0f}MB/{ours[-1][2]:.0f} CPU s, load {os.getloadavg()[0]:.1f}",
              file=sys.stderr)
    result = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "input": item.label,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "repeat": repeat,
        "duckdb_s": statistics.median(t for t, _, _ in base),
        "duckdb_rss_mb": statistics.median(m for _, m, _ in base),
        "duckdb_cpu_s": statistics.median(c for _, _, c in base),
        "dataraum_s": statistics.median(t for t, _, _ in ours),
        "dataraum_rss_mb": statistics.median(m for _, m, _ in ours),
        "dataraum_cpu_s": statistics.median(c for _, _, c in ours),
        "all_s": {"duckdb": [round(t, 2) for t, _, _ in base], "dataraum": [round(t, 2) for t, _, _ in ours]},
        "tables": len(item.files),
        "breakdown": breakdown,
    }
    result["ratio"] = result["dataraum_s"] / result["duckdb_s"]
    result["per_table_s"] = result["dataraum_s"] / len(item.files)
    return result


def row(r: dict) -> str:
    """One Markdown table row of a result."""
    stages = sorted(r["breakdown"]["stages_s"].items(), key=lambda kv: -kv[1])[:3]
    return (
        f"| {r['when']} | {r['input']} | {r['machine']} ({r['load_avg'][0]:.2f} / {r['load_avg'][1]:.2f}) "
        f"| {r['repeat']} | {r['duckdb_s']:.2f} s / {r['duckdb_rss_mb']:.0f} MB "
        f"| {r['dataraum_s']:.2f} s / {r['dataraum_rss_mb']:.0f} MB / {r['dataraum_cpu_s']:.0f} CPU s"
        + (f" ({r['per_table_s']:.2f} s per table)" if r.get("tables", 1) > 1 else "")
        + f" | {r['ratio']:.1f}x "
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
    compile_bytecode()  # as a regular install has it (see bench_startup.py)
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
