"""Names as words: prefixes, compounds, abbreviations, business names, entities."""

from __future__ import annotations

import pytest

from dataraum_context.semantic import naming


@pytest.mark.parametrize(
    ("columns", "column", "business"),
    [
        (["l_orderkey", "l_extendedprice"], "l_extendedprice", "Extended price"),
        (["ps_partkey", "ps_availqty"], "ps_availqty", "Available quantity"),
        (["c_custkey", "c_acctbal"], "c_acctbal", "Account balance"),
        (["c_custkey", "c_mktsegment"], "c_mktsegment", "Market segment"),
        (["id", "CustomerID"], "CustomerID", "Customer ID"),
        (["a", "order_no"], "order_no", "Order number"),
        (["a", "cust_addr"], "cust_addr", "Customer address"),
        (["a", "ship_dt"], "ship_dt", "Ship date"),
        (["a", "line_qty"], "line_qty", "Line quantity"),
        (["a", "desc"], "desc", "Description"),
        (["a", "disc_pct"], "disc_pct", "Disc percent"),
        (["is_active", "is_deleted"], "is_active", "Is active"),
    ],
)
def test_business_names(columns: list[str], column: str, business: str) -> None:
    prefix = naming.table_prefix(columns)
    assert naming.business_name(naming.words(column, prefix)) == business


def test_prefix_needs_every_column() -> None:
    assert naming.table_prefix(["l_a", "l_b", "l_c"]) == "l_"
    assert naming.table_prefix(["l_a", "x_b"]) is None
    assert naming.table_prefix(["customer_id", "name"]) is None
    assert naming.table_prefix(["is_a", "is_b"]) is None


def test_entities_and_compounds() -> None:
    assert naming.entity_words("lineitem") == ["line", "item"]
    assert naming.entity_words("order_items") == ["order", "item"]
    assert naming.entity_words("categories") == ["category"]
    assert naming.entity_words("status") == ["status"]
    assert naming.split_compound("xyzzy") == ("xyzzy",)
    assert naming.split_compound("status") == ("status",)
