"""Benchmark: the MCP `get_context` tool within a token budget on TPC-H (default SF 0.1).

Generates the TPC-H CSVs with `tpchgen-cli` into bench/data/tpch_sf<SF>/ (once; never
committed), runs the whole flow with the Python API (`review="defer"`, no LLM) into a
fresh workspace, then calls `get_context` through the MCP SDK's client, connected
in-process to the server `dataraum mcp` runs, for each budget. Checks each answer is
within its budget (tokens counted as `dataraum context --max-tokens` counts them:
characters / 4, rounded up) and equal to `context --format md --max-tokens N`.
Appends a row per budget to MCP.md.

    python bench/bench_mcp_context.py [--scale 0.1] [--budgets 4000,2000,8000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _tpch(scale: str) -> Path:
    out = HERE / "data" / f"tpch_sf{scale}"
    if not any(out.glob("*.csv")):
        binary = shutil.which("tpchgen-cli") or str(Path(sys.executable).with_name("tpchgen-cli"))
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run([binary, "csv", "-s", scale, f"--output-dir={out}"], check=True, capture_output=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="0.1")
    parser.add_argument("--budgets", default="4000,2000,8000")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]

    from mcp import Client

    from dataraum_context import Workspace
    from dataraum_context.context.budget import estimate_tokens
    from dataraum_context.mcp.server import build_server

    data = _tpch(args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        started = time.perf_counter()
        result = ws.run([data], review="defer")
        run_s = time.perf_counter() - started
        if result.status != "completed":
            print(f"run {result.status}: {result.error}", file=sys.stderr)
            return 1
        full = estimate_tokens(ws.context_markdown())

        async def ask() -> list[tuple[int, int, float, bool]]:
            rows = []
            async with Client(build_server(ws)) as client:
                for budget in budgets:
                    t0 = time.perf_counter()
                    answer = await client.call_tool("get_context", {"max_tokens": budget})
                    seconds = time.perf_counter() - t0
                    text = answer.content[0].text
                    same = text == ws.context_markdown(max_tokens=budget)
                    rows.append((budget, estimate_tokens(text), seconds, same and not answer.is_error))
            return rows

        rows = asyncio.run(ask())
    load = "/".join(f"{x:.2f}" for x in os.getloadavg()[:2])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} (load {load})"
    lines = []
    ok = True
    for budget, tokens, seconds, same in rows:
        within = tokens <= budget
        ok = ok and within and same
        lines.append(
            f"| {stamp} | tpch-sf{args.scale} | {machine} | {run_s:.1f} s | {full} | {budget} | {tokens} | "
            f"{'yes' if within else 'NO'} | {'yes' if same else 'NO'} | {seconds:.2f} s |"
        )
    print("\n".join(lines))
    report = HERE / "MCP.md"
    with report.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
