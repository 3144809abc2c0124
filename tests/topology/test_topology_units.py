"""Topology pieces in isolation: names, scoring, review decisions, join paths, hostile names, the gate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from topology_helpers import context_document, run_until_topology

from dataraum_context.pipeline.graph import build_driver
from dataraum_context.contracts.review import ReviewDecision, ReviewDecisions, evidence_digest
from dataraum_context.topology.foreign_keys import score_foreign_keys
from dataraum_context.topology.models import ColumnFacts, FkMeasurement, FkScreening, RelationshipResult
from dataraum_context.topology.names import name_score
from dataraum_context.topology.paths import find_join_paths
from dataraum_context.topology.review import (
    RELATIONSHIP_REVIEW,
    RelationshipReviewError,
    apply_decisions,
    relationship_proposals,
    target,
)


@pytest.mark.parametrize(
    ("child_table", "child", "parent_table", "parent", "expected"),
    [
        ("lineitem", "l_orderkey", "orders", "o_orderkey", 1.0),
        ("orders", "o_custkey", "customer", "c_custkey", 1.0),
        ("partsupp", "ps_suppkey", "supplier", "s_suppkey", 1.0),
        ("orders", "customer_id", "customers", "id", 1.0),
        ("orders", "billing_customer_id", "customers", "customer_id", 0.75),
        ("orders", "o_custkey", "part", "p_partkey", 0.0),
        ("lineitem", "l_linenumber", "orders", "o_orderkey", 0.0),
        ("partsupp", "ps_availqty", "supplier", "s_suppkey", 0.0),
    ],
)
def test_name_score(child_table: str, child: str, parent_table: str, parent: str, expected: float) -> None:
    assert name_score(child_table, [child], parent_table, [parent]) == expected


def _facts(table: str, column: str) -> ColumnFacts:
    return ColumnFacts(table_name=table, column_name=column, typed_table=f'"typed"."{table}"', position=0,
                       data_type="BIGINT", family="integer", row_count=1000, null_count=0, distinct_count=100)


def _measurement(child: tuple[str, str], parent: tuple[str, str], **values: object) -> FkMeasurement:
    base = dict(child_rows=1000, child_distinct=7, matched_distinct=7, orphan_rows=0, parent_distinct=1000,
                parent_rows=1000, child_unique=False)
    base.update(values)
    return FkMeasurement(from_table=child[0], from_columns=[child[1]], to_table=parent[0], to_columns=[parent[1]], **base)


def _score(*measurements: FkMeasurement) -> list[RelationshipResult]:
    columns = {(m.from_table, m.from_columns[0]) for m in measurements} | {(m.to_table, m.to_columns[0]) for m in measurements}
    facts: dict[str, list[ColumnFacts]] = {}
    for table, column in sorted(columns):
        facts.setdefault(table, []).append(_facts(table, column))
    keys = {m.to_table: [[m.to_columns[0]]] for m in measurements}
    return score_foreign_keys(FkScreening(measurements=list(measurements)), facts, keys, 0.9)


def test_small_dense_range_inside_a_key_is_not_a_foreign_key() -> None:
    linenumber = _measurement(("lineitem", "l_linenumber"), ("orders", "o_orderkey"), local_density=1.0, child_density=1.0)
    availqty = _measurement(("partsupp", "ps_availqty"), ("supplier", "s_suppkey"), child_distinct=999,
                            matched_distinct=999, local_density=1.0, child_density=1.0)
    assert _score(linenumber, availqty) == []


def test_containment_in_a_sparse_key_is_evidence_without_names() -> None:
    sparse = _measurement(("t", "ref"), ("u", "code"), child_distinct=40, matched_distinct=40, local_density=0.1,
                          child_density=0.05)
    [result] = _score(sparse)
    assert result.status == "accepted" and result.evidence["name_score"] == 0.0


def test_orphans_lower_coverage_and_confidence() -> None:
    clean = _measurement(("orders", "o_custkey"), ("customer", "c_custkey"), child_distinct=100, matched_distinct=100,
                         local_density=1.0, child_density=0.6)
    dirty = clean.model_copy(update={"matched_distinct": 90, "orphan_rows": 17, "orphan_samples": ["9999"]})
    [good] = _score(clean)
    [bad] = _score(dirty)
    assert bad.coverage == 0.9 and bad.orphan_count == 17 and bad.orphan_samples == ["9999"]
    assert bad.confidence < good.confidence and bad.status == "candidate"


def _rel(from_table: str, to_table: str, status: str = "accepted", confidence: float = 0.9) -> RelationshipResult:
    return RelationshipResult(from_table=from_table, from_columns=[f"{to_table}_id"], to_table=to_table,
                              to_columns=["id"], relationship_type="foreign_key", cardinality="many-to-one",
                              confidence=confidence, detection_method="value_overlap", status=status)


def _decision(r: RelationshipResult, action: str, source: str = "manual", **values: str) -> ReviewDecision:
    key = target(r)
    return ReviewDecision(review_type=RELATIONSHIP_REVIEW, target=key, action=action, source=source, values=values,
                          decided_by="ann" if source == "manual" else None,
                          evidence_key=evidence_digest(RELATIONSHIP_REVIEW, key, r.relationship_type))


def test_proposals_are_the_medium_confidence_foreign_keys() -> None:
    candidates = [_rel("a", "b", "candidate", 0.7), _rel("a", "c", "accepted")]
    [proposal] = relationship_proposals(candidates)
    assert proposal.target_kind == "relationship" and proposal.review_type == RELATIONSHIP_REVIEW
    assert proposal.target == target(candidates[0]) == "a(b_id) -> b(id)"
    assert proposal.context["confidence"] == 0.7


def test_review_decisions_are_applied() -> None:
    approve, auto, reject, modify, untouched = (_rel("a", t, "candidate", 0.7) for t in "bcdef")
    decisions = ReviewDecisions(items=[
        _decision(approve, "approve"),
        _decision(auto, "approve", source="auto"),
        _decision(reject, "reject", source="memory"),
        _decision(modify, "modify", cardinality="one-to-one"),
    ])
    final = {r.to_table: r for r in apply_decisions([approve, auto, reject, modify, untouched], decisions)}
    assert (final["b"].status, final["b"].decided_by) == ("confirmed", "ann")
    assert final["c"].status == "accepted"
    assert final["d"].status == "rejected"
    assert (final["e"].status, final["e"].cardinality) == ("confirmed", "one-to-one")
    assert final["f"].status == "candidate"


def test_a_remembered_rejection_on_other_evidence_is_ignored_and_bad_modify_fails() -> None:
    r = _rel("a", "b")
    stale = _decision(r, "reject", source="memory").model_copy(update={"evidence_key": "other"})
    assert apply_decisions([r], ReviewDecisions(items=[stale]))[0].status == "accepted"
    legacy = apply_decisions([r], ReviewDecisions(items=[_decision(r, "modify", cardinality="1:1")]))
    assert legacy[0].cardinality == "one-to-one"  # a remembered decision in the old notation
    with pytest.raises(RelationshipReviewError, match="cardinality must be one of"):
        apply_decisions([r], ReviewDecisions(items=[_decision(r, "modify", cardinality="many")]))


def test_join_paths_skip_rejected_and_multiply_confidence() -> None:
    relationships = [_rel("orders", "customers", confidence=0.9), _rel("items", "orders", confidence=0.8),
                     _rel("items", "customers", "rejected")]
    paths = {(p.from_table, p.to_table): p for p in find_join_paths(relationships)}
    path = paths[("customers", "items")]
    assert [s.to_table for s in path.steps] == ["orders", "items"]
    assert path.steps[0].from_columns == ["id"] and path.steps[0].to_columns == ["customers_id"]
    assert path.total_confidence == pytest.approx(0.72)
    assert paths[("items", "customers")].length == 2
    assert len(paths) == 6


def test_gate_node_is_declared() -> None:
    nodes = {n.name: n for n in build_driver().list_available_variables()}
    assert nodes["relationship_review_proposals"].tags.get("gate") == "relationship_review"
    for name in ("candidate_keys", "relationship_candidates", "relationships", "join_paths"):
        assert name in nodes


def test_hostile_names(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    parent, child = 'id"; DROP', "réf 'x'"
    with (data / 'pa"rent;.csv').open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([parent, "label"])
        writer.writerows([[f"K-{i:03d}", f"L{i % 4}"] for i in range(50)])
    with (data / "child table.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([child, "qty"])
        writer.writerows([[f"K-{(i * 3) % 50:03d}", i] for i in range(200)])
    doc = context_document(run_until_topology(data, tmp_path / "ws"))
    keys = {t["name"]: t["candidate_keys"] for t in doc["tables"]}
    assert keys['pa"rent;'][0] == [parent]
    fks = [r for r in doc["relationships"] if r["relationship_type"] == "foreign_key"]
    assert [(r["from_table"], r["from_columns"], r["to_table"], r["to_columns"]) for r in fks] == [
        ("child table", [child], 'pa"rent;', [parent])
    ]
