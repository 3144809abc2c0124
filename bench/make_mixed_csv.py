"""Generate the 1,000,000-row x 12-column mixed CSV of the type benchmark (seeded, via DuckDB).

Columns: ints, floats, decimals (money), dates, timestamps with offsets, booleans,
low- and high-cardinality strings, a zero-padded code, a column with 2% garbage,
and nulls in several columns.

    python bench/make_mixed_csv.py [ROWS] [OUT]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

SQL = """
COPY (
  SELECT
    i AS id,
    CASE WHEN i % 50 = 0 THEN NULL ELSE (hash(i) % 100000)::BIGINT END AS quantity,
    round((hash(i, 1) % 1000000) / 997.0, 6) AS ratio,
    printf('%.2f', (hash(i, 2) % 10000000) / 100.0) AS price,
    strftime(DATE '2020-01-01' + ((hash(i, 3) % 1500)::INTEGER), '%d/%m/%Y') AS order_date,
    strftime(TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((hash(i, 4) % 31536000)::BIGINT), '%Y-%m-%dT%H:%M:%S+00:00') AS created_at,
    CASE WHEN hash(i, 5) % 2 = 0 THEN 'yes' ELSE 'no' END AS active,
    ['red', 'green', 'blue', 'black', 'white'][(hash(i, 6) % 5 + 1)::INTEGER] AS colour,
    'user_' || (hash(i, 7) % 900000)::VARCHAR AS username,
    lpad(((hash(i, 8) % 99999))::VARCHAR, 5, '0') AS postal_code,
    CASE WHEN i % 50 = 7 THEN 'n.a.' ELSE ((hash(i, 9) % 1000))::VARCHAR END AS score,
    CASE WHEN i % 10 = 0 THEN 'NA' ELSE 'comment ' || (hash(i, 10) % 1000)::VARCHAR END AS comment
  FROM range(1, {rows} + 1) t(i)
) TO '{out}' (HEADER, DELIMITER ',')
"""


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "data" / "mixed_1m.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    duckdb.connect().execute(SQL.format(rows=rows, out=str(out).replace("'", "''")))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {rows} rows) in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
