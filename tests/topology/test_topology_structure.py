"""Issue 13's cases, each on a small schema written here (tables share the prefix `app_`):
self-references, role names on a dense small range, composite keys with a timestamp,
denormalised copies, a table name read as an abbreviation, dense surrogate ids, one-to-one,
and what structure does to entity kind, roles, entity names and the grain."""

from __future__ import annotations

import asyncio
import csv
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dataraum_context.config import load_settings
from dataraum_context.context.document import load_context
from dataraum_context.context.markdown import CARDINALITY_NOTE, render_markdown
from dataraum_context.pipeline.runner import execute_run
from dataraum_context.pipeline.stages import stage_names


def _write(folder: Path, name: str, header: list[str], rows: list[list[Any]]) -> None:
    with open(folder / f"{name}.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def make_schema(folder: Path) -> None:
    rnd = random.Random(13)
    folder.mkdir(parents=True, exist_ok=True)
    # staff: 20 people, a self-reference `manager` (the head has none).
    staff = [[i, f"Person {i}", "" if i == 1 else rnd.randint(1, max(1, i - 1)), rnd.choice(["sales", "ops"])]
             for i in range(1, 21)]
    _write(folder, "app_staff", ["id", "name", "manager", "team"], staff)
    # account: owner_rep_id points at staff.id (a dense 1..20 range); rating 1..5 points at nothing.
    accounts = [[i, f"Account {i}", rnd.randint(1, 20), rnd.randint(1, 5)] for i in range(1, 301)]
    _write(folder, "app_account", ["id", "title", "owner_rep_id", "rating"], accounts)
    # readings keyed by (site, hour_ts); events reference that composite key, many per hour.
    start = datetime(2024, 3, 1)
    sites = [f"S{i}" for i in range(1, 6)]
    hours = [start + timedelta(hours=h) for h in range(48)]
    readings = [[s, h.isoformat(sep=" "), round(rnd.uniform(0, 40), 2)] for s in sites for h in hours]
    _write(folder, "app_readings", ["site", "hour_ts", "temperature"], readings)
    events = []
    for i in range(1, 401):
        h = rnd.choice(hours[:40])
        events.append([i, rnd.choice(sites), (h).isoformat(sep=" "), rnd.choice(["alarm", "check", "reset"])])
    _write(folder, "app_events", ["event_id", "site", "hour_ts", "kind"], events)
    # client / bill: bill copies the client's street and zip (a denormalised copy, not a reference).
    clients = [[i, f"Client {i}", f"{i} Main Street", f"{10000 + i * 7}"] for i in range(1, 201)]
    _write(folder, "app_client", ["id", "name", "street", "zip"], clients)
    bills = []
    for i in range(1, 601):
        c = clients[rnd.randrange(len(clients))]
        bills.append([i, c[0], c[2], c[3], f"R{rnd.randint(1, 50)}", round(rnd.uniform(5, 500), 2),
                      (start + timedelta(days=rnd.randint(0, 90))).date().isoformat()])
    _write(folder, "app_bill", ["id", "client_id", "ship_street", "ship_zip", "ref", "amount", "bill_date"], bills)
    # bill_item: bill_id -> bill.id (not bill_item.id); qty 1..10 is no reference to anything.
    items = [[i, rnd.randint(1, 600), rnd.randint(1, 10), round(rnd.uniform(1, 99), 2)] for i in range(1, 2001)]
    _write(folder, "app_bill_item", ["id", "bill_id", "qty", "price"], items)
    # product / bill_product: a bridge (its key is two foreign keys, nothing else).
    _write(folder, "app_product", ["id", "label"], [[i, f"Product {i}"] for i in range(1, 41)])
    pairs = sorted({(rnd.randint(1, 600), rnd.randint(1, 40)) for _ in range(900)})
    _write(folder, "app_bill_product", ["bill_id", "product_id"], [list(p) for p in pairs])
    # orders / shipments: shipments.order_id is unique -> one-to-one.
    orders = [[i, rnd.randint(1, 200), round(rnd.uniform(10, 900), 2),
               (start + timedelta(days=rnd.randint(0, 60))).date().isoformat()] for i in range(5001, 5101)]
    _write(folder, "app_orders", ["order_id", "client_id", "total", "order_date"], orders)
    shipped = rnd.sample([o[0] for o in orders], 80)
    _write(folder, "app_shipments", ["shipment_id", "order_id", "carrier"],
           [[9000 + i, o, rnd.choice(["ups", "dhl"])] for i, o in enumerate(shipped)])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("structure")
    make_schema(root / "data")
    settings = load_settings(workspace=root / "ws", review="defer")
    settings.workspace.mkdir(parents=True, exist_ok=True)
    names = stage_names()
    outcome = asyncio.run(execute_run(settings, [str(root / "data")], stop_after=names[names.index("semantic")]))
    assert outcome.status == "completed", outcome.error
    doc = load_context(settings)
    fks = {
        (r["from_table"], tuple(r["from_columns"]), r["to_table"], tuple(r["to_columns"])): r
        for r in doc["relationships"]
        if r["relationship_type"] == "foreign_key" and r["status"] != "rejected"
    }
    return {"doc": doc, "fks": fks, "md": render_markdown(doc)}


def _tables(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in run["doc"]["tables"]}


def _role(run: dict[str, Any], table: str, column: str) -> str | None:
    col = next(c for c in _tables(run)[table]["columns"] if c["name"] == column)
    return (col.get("semantic") or {}).get("role")


def test_self_reference_staff_manager(run) -> None:
    fk = run["fks"][("app_staff", ("manager",), "app_staff", ("id",))]
    assert fk["cardinality"] == "many-to-one" and fk["optional"] is True  # the head has no manager
    assert any("role name" in r for r in fk["reasons"])


def test_role_name_on_a_dense_small_range(run) -> None:
    assert ("app_account", ("owner_rep_id",), "app_staff", ("id",)) in run["fks"]
    assert not any(k[0] == "app_account" and k[1] == ("rating",) for k in run["fks"])


def test_composite_foreign_key_with_a_timestamp(run) -> None:
    fk = run["fks"][("app_events", ("site", "hour_ts"), "app_readings", ("site", "hour_ts"))]
    assert fk["cardinality"] == "many-to-one"


def test_denormalised_copies_are_not_references(run) -> None:
    assert ("app_bill", ("client_id",), "app_client", ("id",)) in run["fks"]
    copies = [k for k in run["fks"] if k[0] == "app_bill" and k[1] in (("ship_street",), ("ship_zip",))]
    assert copies == []


def test_table_name_is_not_read_as_an_abbreviation(run) -> None:
    assert ("app_bill_item", ("bill_id",), "app_bill", ("id",)) in run["fks"]
    assert ("app_bill_item", ("bill_id",), "app_bill_item", ("id",)) not in run["fks"]


def test_dense_surrogate_id_contains_no_small_range(run) -> None:
    # bill.id 1..600 and bill_item.qty 1..10 lie inside bill_item.id 1..2000; staff ids inside everything.
    to_dense = [k for k in run["fks"] if k[3] == ("id",) and k[1] in (("id",), ("qty",), ("rating",))]
    assert to_dense == []


def test_unique_child_is_one_to_one(run) -> None:
    fk = run["fks"][("app_shipments", ("order_id",), "app_orders", ("order_id",))]
    assert fk["cardinality"] == "one-to-one" and fk["optional"] is False


def test_every_reported_fk_has_reasons_and_precision(run) -> None:
    expected = {
        ("app_staff", ("manager",), "app_staff", ("id",)),
        ("app_account", ("owner_rep_id",), "app_staff", ("id",)),
        ("app_events", ("site", "hour_ts"), "app_readings", ("site", "hour_ts")),
        ("app_bill", ("client_id",), "app_client", ("id",)),
        ("app_bill_item", ("bill_id",), "app_bill", ("id",)),
        ("app_bill_product", ("bill_id",), "app_bill", ("id",)),
        ("app_bill_product", ("product_id",), "app_product", ("id",)),
        ("app_orders", ("client_id",), "app_client", ("id",)),
        ("app_shipments", ("order_id",), "app_orders", ("order_id",)),
    }
    assert set(run["fks"]) == expected
    assert all(r["reasons"] and r["reasons"][-1].startswith("verdict: reported: ") for r in run["fks"].values())


def test_referenced_tables_are_dimensions_and_bridges_recognised(run) -> None:
    entity = {name: t["entity"] for name, t in _tables(run).items()}
    for table in ("app_staff", "app_client", "app_product"):
        assert entity[table]["is_fact"] is False and entity[table]["kind"] == "dimension", table
    assert entity["app_bill_product"]["kind"] == "bridge"
    assert entity["app_bill_item"]["kind"] == "fact"


def test_headers_are_dimensions_with_measures_at_their_own_grain(run) -> None:
    entity = {name: t["entity"] for name, t in _tables(run).items()}
    # app_bill (amount, bill_date) is referenced by app_bill_item and the bridge; app_orders
    # (total, order_date) by app_shipments: headers, so dimensions of their lines (issue 13).
    for table, lines, measure in (("app_bill", ["app_bill_item", "app_bill_product"], "amount"),
                                  ("app_orders", ["app_shipments"], "total")):
        e = entity[table]
        assert e["kind"] == "dimension" and e["is_fact"] is False, table
        assert e["header_of"] == lines, table
        assert [m["column"] for m in e["measures_at_own_grain"]] == [measure], table
        assert "do not sum it after the join" in e["measures_at_own_grain"][0]["note"]
    assert f"`total`: app_orders.total is per order; joined to app_shipments it repeats" in run["md"]
    # referenced by nothing, with measures (qty, price): stays a fact, no header note
    assert entity["app_bill_item"]["kind"] == "fact"
    assert entity["app_bill_item"]["measures_at_own_grain"] is None and entity["app_bill_item"]["header_of"] is None


def test_key_roles_follow_keys_and_relationships(run) -> None:
    for table in ("app_staff", "app_client", "app_product", "app_bill", "app_account"):
        assert _role(run, table, "id") == "key", table
    assert _role(run, "app_staff", "manager") == "foreign_key"
    assert _role(run, "app_account", "owner_rep_id") == "foreign_key"
    assert _role(run, "app_bill", "ref") != "key"  # repeats: no key
    assert _role(run, "app_bill", "ship_zip") != "foreign_key"
    assert _role(run, "app_events", "site") == "foreign_key"
    assert _role(run, "app_events", "hour_ts") == "timestamp"  # part of a composite key, still a time


def test_shared_prefix_dropped_from_entity_names(run) -> None:
    entity = {name: t["entity"]["type"] for name, t in _tables(run).items()}
    assert entity["app_staff"] == "staff" and entity["app_bill_item"] == "bill_item"
    assert not any(v.startswith("app") for v in entity.values())
    manager = next(c for c in _tables(run)["app_staff"]["columns"] if c["name"] == "manager")
    assert manager["semantic"]["entity_type"] == "staff"


def test_grain_is_one_of_the_candidate_keys(run) -> None:
    for name, table in _tables(run).items():
        keys = [list(k) for k in table.get("candidate_keys") or []]
        grain = table["entity"]["grain"]
        assert (grain in keys) if keys else grain is None, name
    assert _tables(run)["app_readings"]["entity"]["grain"] == ["site", "hour_ts"]


def test_markdown_explains_the_notation_once(run) -> None:
    md = run["md"]
    assert md.count(CARDINALITY_NOTE) == 1
    assert "| many-to-one, optional |" in md and "| one-to-one |" in md
    assert "1:n" not in md and "n:m" not in md


def test_a_rejected_relationship_changes_roles_and_kind() -> None:
    """A person's rejection (relationship review) reaches the semantic stage: the column is no
    foreign key any more, and the parent is no longer referenced."""
    from dataraum_context.semantic.models import ColumnAnnotation
    from dataraum_context.semantic.structure import reconcile, referenced_by
    from dataraum_context.topology.models import RelationshipResult

    rel = RelationshipResult(from_table="orders", from_columns=["customer_id"], to_table="customers",
                             to_columns=["id"], relationship_type="foreign_key", cardinality="many-to-one",
                             confidence=0.8, detection_method="value_overlap", status="candidate")
    annotations = [
        ColumnAnnotation(table_name="orders", column_name="customer_id", role="foreign_key", confidence=0.9,
                         references={"table": "customers", "column": "id"}),
        ColumnAnnotation(table_name="customers", column_name="id", role="attribute", confidence=0.5),
    ]
    keys = {"orders": [["order_id"]], "customers": [["id"]]}
    kept = {a.column_name: a for a in reconcile(annotations, keys, [rel])}
    assert kept["customer_id"].role == "foreign_key" and kept["id"].role == "key"
    assert referenced_by([rel]) == {"customers": ["orders"]}
    rejected = rel.model_copy(update={"status": "rejected", "decided_by": "someone"})
    after = {a.column_name: a for a in reconcile(annotations, keys, [rejected])}
    assert after["customer_id"].role == "attribute"
    assert any("rejected in review" in e for e in after["customer_id"].evidence)
    assert referenced_by([rejected]) == {}
