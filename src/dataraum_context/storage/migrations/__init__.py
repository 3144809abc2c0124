"""Alembic migrations of the metadata store (see `storage/schema.py`, which runs them).

`versions/0001_baseline.py` is the schema that landed as SCHEMA_VERSION 1: a store
written before migrations existed (it has `schema_version` = 1 and no
`alembic_version` table) is stamped with it and upgraded from there. A new schema
change is one more revision here (write it by hand or with `alembic revision
--autogenerate` against a store at head), and `HEAD` below names the newest.
"""

from __future__ import annotations

from pathlib import Path

# The newest revision; `init_schema` takes its fast path when a store is already here.
HEAD = "0002_result_store"
BASELINE = "0001_baseline"
SCRIPT_LOCATION = str(Path(__file__).resolve().parent)
