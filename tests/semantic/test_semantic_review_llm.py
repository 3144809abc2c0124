"""The semantic_review gate, applying decisions (manual wins), and the LLM integration (no network)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from semantic_support import run_pipeline
from helpers import DEMO_DATA

from dataraum_context.config import load_settings
from dataraum_context.errors import UserError
from dataraum_context.llm.models import ColumnAnnotationProposal, LLMRunReport, TableAnnotationProposal
from dataraum_context.pipeline.graph import build_driver, dag_inputs
from dataraum_context.contracts.review import ReviewDecision, ReviewDecisions, evidence_digest
from dataraum_context.semantic.llm_merge import LLMAnnotations
from dataraum_context.storage.workspace import open_workspace

UPSTREAM = ["staged_tables", "table_profiles", "column_patterns", "column_units", "type_decisions", "typed_tables"]
SEMANTIC = ["semantic_review_proposals", "semantic_annotations", "table_entities", "ontology_applications",
            "ontology_quality_rules", "llm_annotations", "semantic_briefs", "ontology_choice",
            "semantic_column_facts", "rule_annotations", "merged_annotations"]


class Flow:
    """A Hamilton driver over the demo data with the upstream stages computed once."""

    def __init__(self, root: Path) -> None:
        self.settings = load_settings(workspace=root, review="defer")
        root.mkdir(parents=True, exist_ok=True)
        self.con = open_workspace(self.settings.duckdb_path)
        self.dr = build_driver()
        self.upstream = self.dr.execute(UPSTREAM, inputs=self.inputs())

    def inputs(self, decisions: ReviewDecisions | None = None, **settings: Any) -> dict[str, Any]:
        return dag_inputs(self.settings.model_copy(update=settings), [str(DEMO_DATA)], self.con,
                          decisions or ReviewDecisions())

    def run(self, decisions: ReviewDecisions | None = None, overrides: dict[str, Any] | None = None,
            **settings: Any) -> dict[str, Any]:
        return self.dr.execute(SEMANTIC, inputs=self.inputs(decisions, **settings),
                               overrides={**self.upstream, **(overrides or {})})


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    return Flow(tmp_path_factory.mktemp("flow") / "ws")


def by_target(annotations: list) -> dict[str, Any]:
    return {a.target: a for a in annotations}


def basis(out: dict[str, Any], table: str, column: str) -> str:
    f = next(f for f in out["semantic_column_facts"] if f.table_name == table and f.column_name == column)
    return f"{f.decided_type}|{f.pattern}|{f.unit}"


def test_gate_node_and_threshold(flow: Flow) -> None:
    node = next(n for n in flow.dr.list_available_variables() if n.name == "semantic_review_proposals")
    assert node.tags.get("gate") == "semantic_review"
    default = flow.run()["semantic_review_proposals"]
    strict = flow.run(semantic_review_threshold=0.95)["semantic_review_proposals"]
    assert len(strict) > len(default)
    p = next(p for p in strict if p.target == "orders.order_id")
    assert p.review_type == "semantic_review" and p.target_kind == "column"
    assert p.suggested_action["role"] == "key"
    assert p.context["evidence"] and p.context["confidence"] < 0.95
    assert p.evidence_key == "BIGINT|integer|None"


def test_decisions_modify_approve_reject_and_memory(flow: Flow) -> None:
    first = flow.run()
    decisions = ReviewDecisions(items=[
        ReviewDecision(review_type="semantic_review", target="orders.note", action="modify",
                       values={"role": "dimension", "business_name": "Delivery note"}, decided_by="ana"),
        ReviewDecision(review_type="semantic_review", target="orders.order_id", action="approve", decided_by="ana"),
        ReviewDecision(review_type="semantic_review", target="shipments.carrier", action="reject", reason="vendor"),
        # Remembered from an earlier run, same evidence: applies.
        ReviewDecision(review_type="semantic_review", target="products.weight", action="modify",
                       values={"role": "attribute"}, source="memory", decided_by="bo",
                       evidence_key=evidence_digest("semantic_review", "products.weight",
                                                    basis(first, "products", "weight"))),
        # Remembered, but made on other evidence: ignored.
        ReviewDecision(review_type="semantic_review", target="shipments.distance", action="modify",
                       values={"role": "attribute"}, source="memory", evidence_key="stale"),
    ])
    final = by_target(flow.run(decisions)["semantic_annotations"])
    note = final["orders.note"]
    assert (note.role, note.business_name, note.source, note.annotated_by, note.confidence) == \
        ("dimension", "Delivery note", "manual", "ana", 1.0)
    assert final["orders.order_id"].role == "key" and final["orders.order_id"].confidence == 1.0
    assert final["shipments.carrier"].role is None and final["shipments.carrier"].source == "manual"
    assert final["products.weight"].role == "attribute" and final["products.weight"].annotated_by == "bo"
    assert final["shipments.distance"].role == "measure" and final["shipments.distance"].source == "rules"


def test_bad_modify_is_a_user_error(flow: Flow) -> None:
    bad = ReviewDecisions(items=[ReviewDecision(review_type="semantic_review", target="orders.note",
                                                action="modify", values={"role": "boss"})])
    with pytest.raises(UserError, match="role 'boss' is not one of"):
        flow.run(bad)


def _proposal() -> LLMAnnotations:
    columns = [
        ColumnAnnotationProposal(column_name="note", semantic_role="attribute", entity_type="order",
                                 business_name="Customer note", description="Free text from the customer.",
                                 ontology_term="not_a_concept", confidence=0.93),
        ColumnAnnotationProposal(column_name="status", semantic_role="dimension", entity_type="order",
                                 business_name="Order status", description="Life-cycle state.",
                                 ontology_term="order_status", confidence=0.97),
        ColumnAnnotationProposal(column_name="customer_id", semantic_role="attribute", entity_type=None,
                                 business_name="Customer", description="Who ordered.",
                                 ontology_term=None, confidence=0.9),
    ]
    orders = TableAnnotationProposal(table_name="orders", entity_type="sales_order", is_fact=True,
                                     description="Orders placed.", grain=["customer_id"], columns=columns)
    shipments = TableAnnotationProposal(table_name="shipments", entity_type="shipment", is_fact=False,
                                        description="Shipments.", grain=["order_id"], columns=[])
    report = LLMRunReport(provider="anthropic", model="claude-test", calls=2)
    return LLMAnnotations(proposals={"orders": orders, "shipments": shipments, "customers": None}, report=report)


def test_llm_proposals_merge_and_manual_wins(flow: Flow) -> None:
    llm = _proposal()
    out = flow.run(overrides={"llm_annotations": llm})
    final = by_target(out["semantic_annotations"])
    note = final["orders.note"]
    assert (note.source, note.annotated_by, note.business_name) == ("llm", "claude-test", "Customer note")
    assert note.ontology_term == "free_text"  # the model's unknown term is dropped, the rules' stays
    assert final["orders.status"].confidence == 0.97
    assert final["orders.total_amount"].source == "rules"  # not proposed: rules stay
    # a measured foreign key stays one whatever the model says; its other role is in the evidence
    fk = final["orders.customer_id"]
    assert fk.source == "llm" and fk.business_name == "Customer"
    assert fk.role == "foreign_key" and fk.references == {"table": "customers", "column": "customer_id"}
    assert "llm role 'attribute' contradicts the measured structure: foreign_key stays" in fk.evidence
    entities = {e.table_name: e for e in out["table_entities"]}
    assert entities["orders"].entity_type == "sales_order" and entities["orders"].source == "llm"
    assert entities["orders"].grain == ["order_id", "status"]  # customer_id is not unique: rules' grain stays
    assert entities["shipments"].grain == ["order_id"] or entities["shipments"].grain == ["shipment_id"]
    assert entities["shipments"].is_fact is False and entities["shipments"].evidence["kind"] == "dimension"
    # orders is referenced by order_items and shipments: structure decided "dimension"; the
    # model's "fact" is kept as its opinion only
    assert entities["orders"].is_fact is False and entities["orders"].evidence["kind"] == "dimension"
    assert entities["orders"].evidence["llm_is_fact"] is True
    manual = ReviewDecisions(items=[ReviewDecision(review_type="semantic_review", target="orders.note",
                                                   action="modify", values={"role": "dimension"},
                                                   source="memory", decided_by="ana",
                                                   evidence_key=evidence_digest("semantic_review", "orders.note",
                                                                                basis(out, "orders", "note")))])
    again = by_target(flow.run(manual, overrides={"llm_annotations": llm})["semantic_annotations"])
    assert again["orders.note"].role == "dimension" and again["orders.note"].source == "manual"


def test_llm_node_gets_briefs_without_pii_values(flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataraum_context.llm.annotate as annotate_mod

    seen: dict[str, Any] = {}

    def fake(briefs, settings, **kw):  # the provider boundary: no network in tests
        seen["briefs"] = briefs
        seen["cache"] = kw.get("cache")
        return {b.table_name: None for b in briefs}, LLMRunReport(provider="anthropic", model="m")

    monkeypatch.setattr(annotate_mod, "annotate_tables", fake)
    out = flow.run(llm="anthropic")
    briefs = {(b.table_name, c.name): c for b in seen["briefs"] for c in b.columns}
    for pii in [("customers", "email"), ("customers", "name")]:
        assert briefs[pii].is_pii and briefs[pii].sample_values == [], pii
    status = briefs[("orders", "status")]
    assert not status.is_pii and 0 < len(status.sample_values) <= 5
    assert seen["cache"] is not None
    assert seen["briefs"][0].ontology == "retail" and "order_id" in seen["briefs"][0].ontology_concepts
    # the model sees the structure topology measured, so it does not contradict it (issue 13)
    tables = {b.table_name: b for b in seen["briefs"]}
    fk = briefs[("orders", "customer_id")]
    assert (fk.structure_role, fk.references) == ("foreign_key", "customers.customer_id")
    assert briefs[("customers", "customer_id")].structure_role == "key"
    assert briefs[("orders", "status")].structure_role is None and briefs[("orders", "status")].references is None
    assert tables["customers"].referenced_by == ["orders"] and tables["customers"].kind == "dimension"
    assert tables["orders"].referenced_by == ["order_items", "shipments"] and tables["orders"].kind == "dimension"
    assert tables["order_items"].kind is None and tables["order_items"].referenced_by == []
    assert tables["order_items"].candidate_keys == [["order_id", "line_no"]]
    assert {a.source for a in out["semantic_annotations"]} == {"rules"}


def test_no_llm_no_briefs(flow: Flow) -> None:
    out = flow.run()
    assert out["semantic_briefs"] == [] and out["llm_annotations"].proposals == {}


def test_persisted_sources_and_quality_rules(flow: Flow, tmp_path: Path) -> None:
    from dataraum_context.contracts.run_context import RunContext
    from dataraum_context.semantic.db_models import SemanticAnnotation
    from dataraum_context.semantic.persist import persist_semantic
    from dataraum_context.storage.core import Column
    from dataraum_context.storage.engine import create_engine, session_factory

    decisions = ReviewDecisions(items=[ReviewDecision(review_type="semantic_review", target="orders.note",
                                                      action="modify", values={"role": "dimension"},
                                                      decided_by="ana")])
    out = flow.run(decisions, overrides={"llm_annotations": _proposal()})
    rules = out["ontology_quality_rules"]
    discount = next(r for r in rules if r["table_name"] == "order_items" and r["concept"] == "discount")
    assert discount["expression"] == "{column} BETWEEN 0 AND 1"
    assert discount["sql"] == '"discount" BETWEEN 0 AND 1' and discount["severity"] == "error"
    run = run_pipeline([DEMO_DATA], tmp_path / "ws")  # metadata with the demo tables

    async def store() -> dict[tuple[str, str | None], tuple[str | None, str | None]]:
        engine = create_engine(run.settings.resolved_metadata_url)
        try:
            ctx = RunContext(run.outcome.run_id, run.settings.workspace, run.settings.duckdb_path, "defer")
            async with session_factory(engine).begin() as session:
                await persist_semantic(session, out, ctx)
            async with session_factory(engine)() as session:
                rows = await session.execute(
                    sa.select(Column.column_name, SemanticAnnotation.semantic_role,
                              SemanticAnnotation.annotation_source, SemanticAnnotation.annotated_by)
                    .join(Column, Column.column_id == SemanticAnnotation.column_id)
                )
                return {(name, role): (src, by) for name, role, src, by in rows.all()}
        finally:
            await engine.dispose()

    stored = asyncio.run(store())
    assert stored[("note", "dimension")] == ("manual", "ana")
    assert stored[("status", "dimension")] == ("llm", "claude-test")
    assert stored[("total_amount", "measure")] == ("rules", "rules")


def test_node_outputs_round_trip_as_json(flow: Flow) -> None:
    from pydantic import TypeAdapter

    out = flow.run(overrides={"llm_annotations": _proposal()})
    types = {n.name: n.type for n in flow.dr.list_available_variables() if n.name in out}
    for name, value in out.items():
        adapter = TypeAdapter(types[name])
        dumped = adapter.dump_json(value)
        assert adapter.dump_json(adapter.validate_json(dumped)) == dumped, name
