"""`review show` is readable text by default (evidence, and what each decision does); --json for machines."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import write_review_file

from dataraum_context.pipeline.review_text import describe


def test_review_show_text_has_evidence_and_effects(tmp_path: Path, cli) -> None:
    assert cli("run", str(write_review_file(tmp_path / "rev.csv")), "--json").returncode == 3
    items = {i["target"] + ":" + i["review_type"]: i for i in json.loads(cli("review", "list", "--json").stdout)["items"]}
    quarantine = items["rev.amount:quarantine_review"]  # 2% 'oops': quarantined (codes x1.. are kept as text)
    shown = cli("review", "show", quarantine["id"][:8], env={"COLUMNS": "80"})
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert not text.lstrip().startswith("{")
    assert all(len(line) <= 80 for line in text.splitlines())
    for needle in (quarantine["id"], "rev.amount", "DECIMAL(9,2)", "98.0% parse", "'oops'", "4 cell(s)",
                   f"approve {quarantine['id']}", f"reject {quarantine['id']}", f"modify {quarantine['id']}",
                   "stays text (VARCHAR)", "quarantine.rev"):
        assert needle in text, (needle, text)
    day = items["rev.day:type_review"]
    day_text = cli("review", "show", day["id"]).stdout
    assert "date_dmy: 100.0% parse" in day_text and "date_mdy: 100.0% parse" in day_text
    assert "day-first or month-first" in day_text
    # Machines get JSON.
    assert json.loads(cli("review", "show", day["id"], "--json").stdout)["id"] == day["id"]
    # A decided item says who decided, when and why, instead of the choices.
    assert cli("review", "reject", day["id"], "--reason", "free text", env={"DATARAUM_USER": "ann"}).returncode == 0
    decided = cli("review", "show", day["id"]).stdout
    assert "decided: rejected by ann at" in decided and "reason: free text" in decided
    assert "approve" not in decided


def test_describe_semantic_and_relationship_items() -> None:
    semantic = {
        "id": "1" * 8 + "-1111-1111-1111-" + "1" * 12, "run_id": None, "review_type": "semantic_review",
        "status": "pending", "target": "orders.amt", "stage": "semantic",
        "suggested_action": {"action": "annotate", "role": "measure", "business_name": "Amount"},
        "context": {"confidence": 0.4, "source": "rules", "evidence": {"name": "amt"}, "extra_hint": "x"},
    }
    text = "\n".join(describe(semantic))
    assert "role measure" in text and "confidence 0.40" in text and "extra hint: x" in text
    assert "--set role=R" in text and "rules' answer" in text
    relationship = {
        "id": "2" * 8 + "-2222-2222-2222-" + "2" * 12, "run_id": None, "review_type": "relationship_review",
        "status": "pending", "target": "orders(cid) -> customers(id)", "stage": "topology",
        "suggested_action": {"action": "approve", "relationship_type": "foreign_key"},
        "context": {"cardinality": "many-to-one", "coverage": 0.9, "orphan_count": 3, "orphan_samples": [7, 8, 9],
                    "relationship_type": "foreign_key", "confidence": 0.7},
    }
    text = "\n".join(describe(relationship))
    assert "90.0% of the values" in text and "orphans: 3" in text and "cardinality: many-to-one" in text
    assert "dropped" in text
