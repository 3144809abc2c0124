"""Concept matching on column facts, and choosing an ontology automatically."""

from __future__ import annotations

from dataraum_context.ontology.loader import load_builtin
from dataraum_context.ontology.matching import ColumnFacts, best_concept, glob_strength, matching_hint
from dataraum_context.ontology.selection import choose
from dataraum_context.semantic import naming


def facts(table: str, column: str, decided_type: str | None = "VARCHAR", **kw: str | None) -> ColumnFacts:
    return ColumnFacts(
        table_name=table, column_name=column, words=naming.words(column), raw_name=column.lower(),
        stripped_name=column.lower(), decided_type=decided_type, **kw,
    )


def test_glob_strength_prefers_literal_matches() -> None:
    names = ("extended_price", "l_extendedprice", "extendedprice")
    assert glob_strength("*extended_price*", names) == 1.0
    assert 0 < glob_strength("*price*", names) < glob_strength("*extended_price*", names)
    assert glob_strength("*cost*", names) == 0


def test_best_concept_uses_specificity_types_and_exclusions() -> None:
    retail = load_builtin("retail").definition
    assert best_concept(retail, facts("lineitem", "extended_price", "DECIMAL(12,2)")).concept == "extended_price"
    assert best_concept(retail, facts("orders", "total_price", "DECIMAL(12,2)")).concept == "order_total"
    assert best_concept(retail, facts("part", "retail_price", "DECIMAL(12,2)")).concept == "unit_price"
    # `types: [numeric]`: a text column called price is not the unit_price concept.
    text_price = best_concept(retail, facts("x", "price", "VARCHAR"))
    assert text_price is None or text_price.concept != "unit_price"
    # An e-mail pattern alone identifies the concept; `*ip*` globs do not catch `ship_mode`.
    generic = load_builtin("generic").definition
    assert best_concept(generic, facts("c", "contact", pattern="email")).concept == "email_address"
    mode = best_concept(generic, facts("l", "ship_mode"))
    assert mode is None or mode.concept != "ip_address"


def test_hints_respect_type_family() -> None:
    generic = load_builtin("generic").definition
    assert matching_hint(generic, facts("o", "order_date", "DATE")).role == "timestamp"
    hint = matching_hint(generic, facts("o", "order_date", "VARCHAR"))
    assert hint is None or hint.role != "timestamp"


def test_automatic_choice_scores_domains_and_falls_back_to_generic() -> None:
    retail_like = [facts("orders", c, t) for c, t in [
        ("order_id", "BIGINT"), ("customer_id", "BIGINT"), ("unit_price", "DECIMAL(9,2)"),
        ("quantity", "BIGINT"), ("discount", "DOUBLE"), ("order_date", "DATE")]]
    choice = choose(None, retail_like)
    assert choice.mode == "auto" and choice.name == "retail"
    assert [s.name for s in choice.scores][0] == "retail"
    assert "best match" in choice.reason
    bland = [facts("t", "foo"), facts("t", "bar", "BIGINT")]
    fallback = choose(None, bland)
    assert fallback.name == "generic" and "no domain ontology" in fallback.reason
    given = choose("logistics", retail_like)
    assert given.mode == "given" and given.name == "logistics"
