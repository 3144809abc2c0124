"""A hand-made schema with deliberate defects: orphans, a self-reference, a hierarchy, a correlation.

Also: persisting keeps a person's decisions across runs (a rejection stays, a confirmation stays).
"""

from __future__ import annotations

import asyncio
import csv
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from topology_helpers import context_document, run_until_topology

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.storage.engine import create_engine, session_factory
from dataraum_context.topology.db_models import JoinPath, Relationship
from dataraum_context.topology.models import JoinPathResult, JoinStep, RelationshipResult
from dataraum_context.topology.persist import persist_topology

CITIES = {"Berlin": "DE", "Hamburg": "DE", "Munich": "DE", "Paris": "FR", "Lyon": "FR", "Nice": "FR",
          "Rome": "IT", "Milan": "IT", "Turin": "IT", "Madrid": "ES", "Seville": "ES", "Bilbao": "ES"}
ORPHANS = {"CU-9003": 4, "CU-9002": 3, "CU-9001": 2}  # missing customer id -> orders using it


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_schema(folder: Path) -> dict:
    cities = list(CITIES)
    customers = []
    for i in range(1, 121):
        limit = 1000 + i * 37.5
        customers.append([f"CU-{i:04d}", f"Person {i}", cities[i % 12], CITIES[cities[i % 12]],
                          f"{limit:.2f}", f"{limit / 10 + (i % 3):.2f}"])
    _write(folder / "customers.csv", ["customer_id", "name", "city", "country", "credit_limit", "monthly_budget"], customers)
    orders = []
    child_ids = [f"CU-{(i * 7) % 110 + 1:04d}" for i in range(600)]
    position = 0
    for missing, count in ORPHANS.items():
        for _ in range(count):
            child_ids[position * 50 + 3] = missing
            position += 1
    for i, customer in enumerate(child_ids, start=1):
        orders.append([i, customer, f"{(i * 13) % 500 + 0.99:.2f}"])
    _write(folder / "orders.csv", ["order_id", "customer_id", "amount"], orders)
    employees = [[f"E{i:03d}", f"Employee {i}", "" if i <= 3 else f"E{(i % 3) + 1:03d}" if i <= 15 else f"E{(i % 12) + 4:03d}"]
                 for i in range(1, 61)]
    _write(folder / "employees.csv", ["employee_id", "full_name", "manager_id"], employees)
    distinct_children = set(child_ids)
    return {"child_distinct": len(distinct_children)}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("orphans")
    data = root / "data"
    data.mkdir()
    facts = write_schema(data)
    settings = run_until_topology(data, root / "ws")
    doc = context_document(settings)
    by_key = {
        (r["relationship_type"], r["from_table"], tuple(r["from_columns"]), r["to_table"], tuple(r["to_columns"])): r
        for r in doc["relationships"]
    }
    return {"doc": doc, "by_key": by_key, "facts": facts, "settings": settings, "root": root}


def test_key_with_orphans_is_found_with_exact_orphan_rows(shop: dict) -> None:
    fk = shop["by_key"][("foreign_key", "orders", ("customer_id",), "customers", ("customer_id",))]
    assert fk["status"] == "accepted"
    assert fk["orphan_count"] == sum(ORPHANS.values())
    distinct = shop["facts"]["child_distinct"]
    assert fk["coverage"] == pytest.approx((distinct - len(ORPHANS)) / distinct, abs=1e-6)
    assert fk["cardinality"] == "many-to-one"


def test_orphan_samples_are_the_missing_values_most_used_first(shop: dict) -> None:
    async def samples() -> list[str]:
        engine = create_engine(shop["settings"].resolved_metadata_url)
        try:
            async with session_factory(engine)() as session:
                row = (
                    await session.execute(sa.select(Relationship).where(Relationship.relationship_type == "foreign_key",
                                                                        Relationship.from_columns == ["customer_id"]))
                ).scalars().all()
                return [r.evidence["orphan_samples"] for r in row if r.to_columns == ["customer_id"]][0]
        finally:
            await engine.dispose()

    assert asyncio.run(samples()) == list(ORPHANS)


def test_self_reference_hierarchy_and_correlation(shop: dict) -> None:
    keys = set(shop["by_key"])
    assert ("foreign_key", "employees", ("manager_id",), "employees", ("employee_id",)) in keys
    assert ("hierarchy", "customers", ("city",), "customers", ("country",)) in keys
    assert ("correlation", "customers", ("credit_limit",), "customers", ("monthly_budget",)) in keys
    assert not any(k[0] == "hierarchy" and k[2] == ("country",) for k in keys)


def test_candidate_keys_and_no_false_foreign_keys(shop: dict) -> None:
    tables = {t["name"]: t["candidate_keys"] for t in shop["doc"]["tables"]}
    assert tables["customers"][0] == ["customer_id"]
    assert tables["orders"][0] == ["order_id"]
    assert tables["employees"][0] == ["employee_id"]
    fks = {k for k in shop["by_key"] if k[0] == "foreign_key"}
    assert fks == {
        ("foreign_key", "orders", ("customer_id",), "customers", ("customer_id",)),
        ("foreign_key", "employees", ("manager_id",), "employees", ("employee_id",)),
    }


def _fk(status: str, decided_by: str | None = None) -> RelationshipResult:
    return RelationshipResult(
        from_table="orders", from_columns=["customer_id"], to_table="customers", to_columns=["customer_id"],
        relationship_type="foreign_key", cardinality="many-to-one", confidence=0.8, coverage=0.97, orphan_count=9,
        detection_method="value_overlap", status=status, decided_by=decided_by,
    )


PATH = JoinPathResult(
    from_table="customers", to_table="orders", length=1, total_confidence=0.8,
    steps=[JoinStep(from_table="customers", from_columns=["customer_id"], to_table="orders", to_columns=["customer_id"])],
)


def test_decisions_survive_later_runs(shop: dict, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(shop["settings"].workspace, workspace)
    url = f"sqlite+aiosqlite:///{workspace / 'metadata.db'}"
    ctx = RunContext(run_id=uuid.uuid4(), workspace=workspace, duckdb_path=workspace / "data.duckdb", review_policy="defer")

    async def store(fk: RelationshipResult) -> tuple[Relationship, int]:
        engine = create_engine(url)
        try:
            async with session_factory(engine).begin() as session:
                await persist_topology(session, {"relationships": [fk], "join_paths": [PATH]}, ctx)
            async with session_factory(engine)() as session:
                rows = (await session.execute(sa.select(Relationship))).scalars().all()
                paths = (await session.execute(sa.select(sa.func.count()).select_from(JoinPath))).scalar_one()
                return next(r for r in rows if r.from_columns == ["customer_id"]), paths
        finally:
            await engine.dispose()

    row, paths = asyncio.run(store(_fk("rejected", "alice")))
    assert (row.status, row.is_confirmed, paths) == ("rejected", False, 0)
    row, paths = asyncio.run(store(_fk("accepted")))
    assert (row.status, row.is_confirmed, paths) == ("rejected", False, 0)
    row, paths = asyncio.run(store(_fk("confirmed", "bob")))
    assert (row.status, row.is_confirmed, row.confirmed_by, paths) == ("confirmed", True, "bob", 1)
    confirmed_at = row.confirmed_at
    row, paths = asyncio.run(store(_fk("candidate")))
    assert (row.status, row.is_confirmed, row.confirmed_by, row.confirmed_at) == ("confirmed", True, "bob", confirmed_at)
    assert row.coverage == 0.97 and row.orphan_count == 9
