"""Benchmark: the fixed cost of a process (issue 14): `dataraum --version`, how long a
`dataraum run` takes from launch to its first stage, and from its last node to the end of the process.

"First stage" is the `started_at` of the run's first node execution in the metadata store
(`node_executions`), minus the wall clock taken just before the process was launched: it
covers interpreter start, imports, settings, the metadata store's creation, the DuckDB
file and the Hamilton driver. "After the last node" is the end of the process (as the
launcher sees it) minus the end of the last node execution (`started_at` + `duration_ms`):
the last stage's writes, the run's end, closing the stores and the interpreter's exit.

Wall times move with the machine's load; CPU seconds much less. On Linux the child's CPU
time (user + system, all its threads) is sampled from `/proc/<pid>/stat` every few
milliseconds while it runs: "CPU to first stage" is the sample taken at the first node's
start (10 ms clock ticks; interpolated between samples), "CPU whole run" the child's total.

Each measurement is a fresh process on a fresh workspace; medians of `--repeat`
(alternated). The input is one small CSV file written here.

The package's modules are compiled to bytecode first (`compile_bytecode`), as `pip install`
does for a regular install and as Python does on a first import. Where `PYTHONDONTWRITEBYTECODE`
is set (these benchmark machines set it) an editable install is otherwise compiled from source at
every launch: 127 modules, about 0.3 s of `compile()` in a 50-row run, which is not what a user
waits for. `--no-compile` measures that state.

    python bench/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import bisect
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CSV = "id,name,amount,day\n" + "".join(f"{i},n{i % 7},{i * 1.5},2024-01-{1 + i % 28:02d}\n" for i in range(50))
TICK = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01
POLL_SECONDS = 0.003


def compile_bytecode() -> None:
    """Write the `__pycache__` of the installed package and of its dataflows (a folder of their own
    in an editable install), as a regular `pip install` does."""
    code = (
        "import pathlib, dataraum_context, dataraum_context.dataflows as d; "
        "print(pathlib.Path(dataraum_context.__file__).parent); print(pathlib.Path(d.__file__).parent)"
    )
    folders = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True, env=env, stdout=subprocess.DEVNULL)


def _version_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dataraum_context", "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def _stamp(text: str) -> float:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # stored as UTC without a zone
    return at.timestamp()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process (all its threads), Linux only."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * TICK  # utime, stime (fields 14 and 15)


@dataclass
class RunTimes:
    to_first: float  # launch -> first node started (wall)
    total: float  # launch -> process ended (wall)
    after_last: float  # last node ended -> process ended (wall)
    cpu_to_first: float | None  # CPU seconds of the child until its first node started
    cpu_total: float  # CPU seconds of the whole child process


def _run(folder: Path, index: int) -> RunTimes:
    workspace = folder / f"ws{index}"
    usage = os.times()
    launched = time.time()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "dataraum_context", "run", str(folder / "tiny.csv"), "--review", "defer",
         "--json", "--workspace", str(workspace)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    samples: list[tuple[float, float]] = []  # (wall clock, CPU seconds of the child)
    while child.poll() is None:
        cpu = _cpu_seconds(child.pid)
        if cpu is not None:
            samples.append((time.time(), cpu))
        time.sleep(POLL_SECONDS)
    total = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"dataraum run failed ({child.returncode}): {stderr.strip()}")
    after = os.times()
    cpu_total = (after.children_user - usage.children_user) + (after.children_system - usage.children_system)
    with sqlite3.connect(workspace / "metadata.db") as con:
        rows = con.execute("SELECT started_at, duration_ms FROM node_executions").fetchall()
    first = min(_stamp(at) for at, _ in rows)
    last = max(_stamp(at) + (ms or 0.0) / 1000 for at, ms in rows)
    cpu_to_first = None
    if samples and samples[0][0] <= first <= samples[-1][0]:
        k = bisect.bisect_left([wall for wall, _ in samples], first)
        (w0, c0), (w1, c1) = samples[max(k - 1, 0)], samples[k]
        cpu_to_first = c0 + (c1 - c0) * ((first - w0) / (w1 - w0) if w1 > w0 else 0.0)
    return RunTimes(first - launched, total, launched + total - last, cpu_to_first, cpu_total)


def _median(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):.3f} s (min {min(known):.3f})" if known else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true", help="leave the package's bytecode as it is")
    args = parser.parse_args()
    if not args.no_compile:
        compile_bytecode()
    load_before = os.getloadavg()[0]
    version: list[float] = []
    runs: list[RunTimes] = []
    with tempfile.TemporaryDirectory(prefix="dataraum-startup-") as tmp:
        folder = Path(tmp)
        (folder / "tiny.csv").write_text(CSV, encoding="utf-8")
        for i in range(args.repeat):
            version.append(_version_seconds())
            runs.append(_run(folder, i))
    load_after = os.getloadavg()[0]
    print(
        f"N={args.repeat}, load {load_before:.2f} / {load_after:.2f}: "
        f"--version median {_median(list(version))}; "
        f"run: launch -> first stage median {_median([r.to_first for r in runs])}, "
        f"CPU to first stage median {_median([r.cpu_to_first for r in runs])}, "
        f"last node -> process end median {_median([r.after_last for r in runs])}, "
        f"whole run of a 50-row file median {_median([r.total for r in runs])} "
        f"(CPU {_median([r.cpu_total for r in runs])})"
    )


if __name__ == "__main__":
    main()
