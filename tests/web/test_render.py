"""The templates and charts without a browser: every kind of review item renders its own
modify form, and markup from the data comes out escaped in text and in SVG."""

from __future__ import annotations

import pytest

from dataraum_context.web import charts
from dataraum_context.web.data import item_view
from dataraum_context.web.render import render

EVIL = "<script>alert(1)</script>"


def _item(review_type: str, context: dict, action: dict) -> dict:
    return {
        "id": "0e1f2a3b-0000-4000-8000-000000000001", "run_id": "1e1f2a3b-0000-4000-8000-000000000002",
        "review_type": review_type, "status": "pending", "target": f"t.{EVIL}", "stage": "semantic",
        "suggested_action": action, "context": context, "decision": None, "reviewed_by": None,
        "reviewed_at": None, "notes": None,
    }


ITEMS = {
    "semantic_review": (_item("semantic_review", {"evidence": EVIL, "description": EVIL}, {"role": "measure"}), "business_name"),
    "relationship_review": (
        _item("relationship_review", {"reasons": [EVIL], "coverage": 0.5, "orphan_count": 2, "orphan_samples": [EVIL],
                                      "cardinality": "many-to-one", "optional": True}, {"relationship_type": "foreign_key"}),
        "cardinality",
    ),
    "quarantine_review": (
        _item("quarantine_review", {"failed_examples": [EVIL], "candidates": [{"type": "BIGINT", "parse_success_rate": 0.9,
                                                                                "failed_examples": [EVIL]}]},
              {"type": "BIGINT", "cells": 3}),
        "date_order",
    ),
}


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_item_page_of_each_kind_escapes_and_offers_its_fields(kind: str) -> None:
    item, field = ITEMS[kind]
    html = render("item.html", item=item_view(item), csrf="tok", static=False, flash=None, running_job=None,
                  request_path="/review/x", preview=None, preview_error=None, wanted={"type": "", "date_order": ""},
                  profile=None)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f'name="{field}"' in html and 'name="csrf" value="tok"' in html


def test_charts_escape_labels_and_titles() -> None:
    svg = str(charts.top_values([{"value": EVIL, "count": 3}, {"value": "a&b", "count": 1}]))
    assert "<script" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    diagram = str(charts.relationships([EVIL, "b"], [{"from_table": EVIL, "to_table": "b", "from_columns": [EVIL],
                                                     "to_columns": ["id"], "cardinality": "many-to-one"}], "/tables/"))
    assert "<script" not in diagram and "%3Cscript%3E" in diagram
    hist = str(charts.histogram([{"bucket": EVIL, "lower": 1.0, "upper": 2.5, "count": 4}]))
    assert "<script" not in hist and ">1<" in hist and ">2.5<" in hist


def test_numbers_read_as_people_write_them() -> None:
    assert charts.number(10001.0) == "10,001"
    assert charts.number(10500.25) == "10,500.25"
    assert charts.number(0.123456) == "0.1235"
    assert charts.number(None) == "–"


def test_failing_rows_read_as_rows() -> None:
    from dataraum_context.web.render import _sample

    assert _sample({"_row_id": 3, "email": "a@b"}) == "row 3: a@b"
    assert _sample({"_row_id": 7, "order_date": "2024-09-01", "ship_date": "2024-08-29"}) == (
        "row 7: order_date=2024-09-01, ship_date=2024-08-29"
    )
