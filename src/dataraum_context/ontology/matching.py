"""Deterministic matching of columns to ontology concepts, and choosing an ontology.

A column is described by `ColumnFacts` (its words, decided type, pattern, unit). A
concept matches when its name globs match (more literal characters: a stronger match)
or, without a name match, when a specific value pattern does (e-mail, currency, ...);
units, dimensions and value patterns add to the score; an exclusion glob or a type
family outside the concept's `types` rules it out. Globs are tried, lower case, on
the column's normalised name (`extended_price`), its raw name (`l_extendedprice`) and
its name without the table prefix (`extendedprice`).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase, translate
from functools import lru_cache

from pydantic import BaseModel, Field

from dataraum_context.ontology.schema import Concept, OntologyDefinition, SemanticHint

MATCH_THRESHOLD = 0.5
# A domain ontology is chosen automatically only when it matches at least this many
# of its own concepts; otherwise the generic one is.
MIN_DOMAIN_CONCEPTS = 2
# Patterns too common to identify a concept on their own.
GENERIC_PATTERNS = frozenset(
    {"integer", "decimal", "decimal_comma", "scientific", "boolean", "iso_date", "iso_datetime", "date_dmy",
     "date_mdy", "date_ambiguous", "date_text", "datetime_dmy", "datetime_mdy", "datetime_offset", "time",
     "time_12h", "leading_zero_code", "postal_code_5digit", "integer_thousands_comma", "integer_thousands_dot",
     "decimal_thousands_comma", "decimal_thousands_dot", "number_with_unit", "hex_string"}
)


class ColumnFacts(BaseModel):
    """What matching knows about one column."""

    table_name: str
    column_name: str
    words: list[str]
    raw_name: str  # lower case, as in the file
    stripped_name: str  # lower case, table prefix removed
    decided_type: str | None = None
    pattern: str | None = None
    unit: str | None = None
    dimension: str | None = None

    @property
    def normalized(self) -> str:
        return "_".join(self.words)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.normalized, self.raw_name, self.stripped_name)

    @property
    def families(self) -> frozenset[str]:
        return type_families(self.decided_type)


class ConceptMatch(BaseModel):
    """A concept found in a column, how strongly, and why."""

    concept: str
    score: float
    evidence: list[str] = Field(default_factory=list)


def type_families(decided_type: str | None) -> frozenset[str]:
    """The schema's type families a DuckDB type belongs to."""
    if decided_type is None:
        return frozenset()
    t = decided_type.upper()
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"):
        return frozenset({"numeric", "integer"})
    if t.startswith(("DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL")):
        return frozenset({"numeric", "decimal"})
    if t == "DATE":
        return frozenset({"temporal", "date"})
    if t.startswith("TIMESTAMP"):
        return frozenset({"temporal", "date"})
    if t.startswith("TIME") or t == "INTERVAL":
        return frozenset({"temporal"})
    if t == "BOOLEAN":
        return frozenset({"boolean"})
    return frozenset({"text"})


def glob_strength(glob: str, names: tuple[str, ...]) -> float:
    """0 when `glob` matches none of `names`; else the share of the name its literal part covers."""
    literal = len(glob.replace("*", "").replace("?", ""))
    best = 0.0
    for name in names:
        if name and fnmatchcase(name, glob):
            best = max(best, min(1.0, literal / len(name)))
    return best


@lru_cache(maxsize=4096)
def _any_glob(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for "matches one of `globs`" (as `fnmatchcase` reads each), None for no globs."""
    return re.compile("|".join(translate(g) for g in globs)) if globs else None


def _matches_any(globs: list[str], names: tuple[str, ...]) -> bool:
    """Whether some glob matches some name: one regex per name instead of one per glob and name
    (every concept is tried on every column; 2,000 columns made that a second per run)."""
    rx = _any_glob(tuple(globs))
    return rx is not None and any(name and rx.match(name) for name in names)


def match_concept(concept: Concept, facts: ColumnFacts) -> ConceptMatch | None:
    """How strongly `concept` describes the column (None below the threshold or excluded)."""
    names = facts.names
    if _matches_any(concept.exclusions, names) and any(glob_strength(g, names) > 0 for g in concept.exclusions):
        return None
    ind = concept.indicators
    if ind.types and not (set(ind.types) & facts.families):
        return None
    evidence: list[str] = []
    strength = (
        max((glob_strength(g, names) for g in ind.name_patterns), default=0.0)
        if _matches_any(ind.name_patterns, names) else 0.0
    )
    score = 0.0
    if strength > 0:
        score = 0.55 + 0.3 * strength
        evidence.append(f"name matches {concept.name} ({strength:.2f})")
    if facts.pattern is not None and facts.pattern in ind.value_patterns:
        if score > 0:
            score += 0.15
        elif facts.pattern not in GENERIC_PATTERNS:
            score = 0.6
        evidence.append(f"value pattern {facts.pattern}")
    if score > 0 and facts.unit is not None and facts.unit in ind.units:
        score += 0.1
        evidence.append(f"unit {facts.unit}")
    elif score > 0 and facts.dimension is not None and facts.dimension in ind.dimensions:
        score += 0.1
        evidence.append(f"dimension {facts.dimension}")
    if score < MATCH_THRESHOLD:
        return None
    return ConceptMatch(concept=concept.name, score=round(min(score, 1.0), 3), evidence=evidence)


def best_concept(ontology: OntologyDefinition, facts: ColumnFacts) -> ConceptMatch | None:
    """The best-matching concept of `ontology` for the column (ties: the concept listed first)."""
    best: ConceptMatch | None = None
    for concept in ontology.concepts:
        found = match_concept(concept, facts)
        if found is not None and (best is None or found.score > best.score):
            best = found
    return best


def matching_hint(ontology: OntologyDefinition, facts: ColumnFacts) -> SemanticHint | None:
    """The first semantic hint whose glob matches the column and whose type family fits."""
    for hint in ontology.semantic_hints:
        if glob_strength(hint.pattern, facts.names) <= 0:
            continue
        if hint.type is not None and facts.decided_type is not None and hint.type not in facts.families:
            continue
        return hint
    return None


class OntologyScore(BaseModel):
    """How well one ontology fits the data: its own concepts found, and the total match strength."""

    name: str
    concepts_matched: list[str]
    strength: float

    @property
    def count(self) -> int:
        return len(self.concepts_matched)


def score_ontology(ontology: OntologyDefinition, columns: list[ColumnFacts]) -> OntologyScore:
    """Concepts of the ontology itself (not inherited) matched by some column of any table."""
    own = set(ontology.own_concepts)
    found: dict[str, float] = {}
    for facts in columns:
        match = best_concept(ontology, facts)
        if match is not None and match.concept in own:
            found[match.concept] = max(found.get(match.concept, 0.0), match.score)
    return OntologyScore(name=ontology.name, concepts_matched=sorted(found), strength=round(sum(found.values()), 3))


def rank_ontologies(ontologies: list[OntologyDefinition], columns: list[ColumnFacts]) -> list[OntologyScore]:
    """Scores, best first (more concepts, then stronger matches, then name)."""
    scores = [score_ontology(o, columns) for o in ontologies]
    return sorted(scores, key=lambda s: (-s.count, -s.strength, s.name))
