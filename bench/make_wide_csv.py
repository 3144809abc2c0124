"""Generate a wide CSV: ROWS rows x COLS columns of mixed kinds (seeded, via DuckDB).

Column k cycles through: integer ids/counts, decimals, dates, booleans, low-cardinality
codes, free text, and a column with a few nulls, so every stage has work to do on every
column (typed casts, patterns, temporal, quality).

    python bench/make_wide_csv.py COLS ROWS OUT
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

KINDS = [
    "(hash(i, {k}) % 100000)::BIGINT",
    "printf('%.2f', (hash(i, {k}) % 10000000) / 100.0)",
    "strftime(DATE '2020-01-01' + ((hash(i, {k}) % 1500)::INTEGER), '%Y-%m-%d')",
    "CASE WHEN hash(i, {k}) % 2 = 0 THEN 'true' ELSE 'false' END",
    "['A', 'B', 'C', 'D'][(hash(i, {k}) % 4 + 1)::INTEGER]",
    "'item ' || (hash(i, {k}) % 5000)::VARCHAR",
    "CASE WHEN i % 7 = {m} THEN NULL ELSE (hash(i, {k}) % 1000)::VARCHAR END",
]


def make(cols: int, rows: int, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    exprs = []
    for k in range(cols):
        kind = KINDS[k % len(KINDS)].format(k=k, m=k % 7)
        exprs.append(f"{kind} AS c{k:04d}")
    sql = f"COPY (SELECT {', '.join(exprs)} FROM range(1, {rows} + 1) t(i)) TO '{out}' (HEADER, DELIMITER ',')"
    duckdb.connect().execute(sql)
    return out


def main() -> None:
    cols, rows, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    make(cols, rows, out)
    print(out)


if __name__ == "__main__":
    main()
