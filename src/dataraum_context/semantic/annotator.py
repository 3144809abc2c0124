"""The deterministic column annotator: role, entity, business name, description, ontology term.

Signals, strongest first: the table's own key and name-evidenced foreign keys
(`keys`), a temporal or boolean decided type, the ontology's semantic hints (name
globs), the matched concept's typical role, then words of the name with the
profile (units, money and percentage patterns, cardinality). Each annotation
lists the signals that decided it (`evidence`) and a confidence: fallbacks with weak
evidence stay below the review threshold on purpose.
"""

from __future__ import annotations

import re
from typing import Any

from dataraum_context.detectors import semantic_values as sv
from dataraum_context.ontology.loader import LoadedOntology
from dataraum_context.ontology.matching import ConceptMatch, best_concept, matching_hint
from dataraum_context.ontology.schema import Concept
from dataraum_context.semantic import keys as keys_mod
from dataraum_context.semantic import naming
from dataraum_context.semantic.facts import ColumnView
from dataraum_context.semantic.models import ColumnAnnotation

RULES = "rules"
# Concepts whose values are personal data whatever the detectors saw.
PII_CONCEPTS = frozenset({"email_address", "phone_number", "street_address", "person_name", "ip_address", "birth_date"})

MEASURE_WORDS = frozenset(
    "amount price cost quantity total tax discount balance revenue sales sale fee weight distance volume value "
    "sum profit margin rate percent score duration length width height depth area income expense budget "
    "payment paid credit debit commission freight salary wage count".split()
)
DIMENSION_WORDS = frozenset(
    "code type status level priority rank category class grade segment flag mode kind group tier gender "
    "country region state city channel currency brand carrier department year month quarter week "
    "container instructions method source reason stage".split()
)
ATTRIBUTE_WORDS = frozenset(
    "name description comment note address email phone telephone url title label text remark message memo "
    "street website".split()
)
ORDINAL_WORDS = frozenset({"line", "position", "sequence", "index", "seq", "ordinal"})
PERSON_ENTITIES = frozenset(
    "customer user person employee contact member client patient student author buyer owner driver "
    "passenger guest subscriber".split()
)
_PERSON_NAME = re.compile(r"[^\W\d_][^\W\d_'’.\-]*(?:['’.\-][^\W\d_]+)*\.?")


def looks_like_person_names(values: list[str]) -> bool:
    """Most values are two to four capitalised words (`Ben Jansen`, `Zoë O'Brien`)."""
    checked = [v.strip() for v in values if v and v.strip()]
    if len(checked) < 3:
        return False
    good = 0
    for value in checked:
        parts = value.split()
        if 2 <= len(parts) <= 4 and all(_PERSON_NAME.fullmatch(p) and p[0].isupper() and not p.isupper() for p in parts):
            good += 1
    return good / len(checked) >= 0.8


class _Decision:
    def __init__(self, role: str, confidence: float, why: str) -> None:
        self.role = role
        self.confidence = confidence
        self.evidence = [why]


def _heuristic_role(view: ColumnView) -> _Decision:
    """Role from the type family, name words and the profile (no keys, no ontology)."""
    words = set(view.facts.words)
    families = view.families
    pattern = view.facts.pattern
    distinct = view.distinct
    rows = view.rows or 0
    non_null = rows - (view.nulls or 0)
    ratio = (distinct / non_null) if distinct is not None and non_null > 0 else None
    if "temporal" in families:
        return _Decision("timestamp", 0.95, f"decided type {view.facts.decided_type}")
    if "boolean" in families:
        return _Decision("dimension", 0.9, "boolean flag")
    if "numeric" in families:
        if pattern in ("currency_us", "currency_eu", "percentage") or view.facts.unit:
            what = f"unit {view.facts.unit}" if view.facts.unit else f"pattern {pattern}"
            return _Decision("measure", 0.85, f"numeric with {what}")
        if words & MEASURE_WORDS:
            return _Decision("measure", 0.85, f"measure word {sorted(words & MEASURE_WORDS)[0]!r}")
        if words & DIMENSION_WORDS:
            return _Decision("dimension", 0.75, f"dimension word {sorted(words & DIMENSION_WORDS)[0]!r}")
        if "integer" in families and words & ORDINAL_WORDS:
            return _Decision("attribute", 0.7, f"position number ({sorted(words & ORDINAL_WORDS)[0]!r})")
        if distinct is not None and distinct <= 12 and rows >= 50:
            return _Decision("dimension", 0.6, f"numeric with only {distinct} distinct values")
        p = view.profile
        if (
            "integer" in families and p is not None and p.min_value in (0, 1) and p.max_value is not None
            and distinct == non_null == rows and rows >= 5 and p.max_value - p.min_value + 1 == rows
        ):
            return _Decision("attribute", 0.6, f"a sequence {p.min_value:g}..{p.max_value:g} (a number or rank, not summed)")
        return _Decision("measure", 0.65, "numeric values")
    if "text" in families or not families:
        low = ratio is not None and (ratio <= 0.1 or (distinct is not None and distinct <= 10 and ratio <= 0.5))
        if words & ATTRIBUTE_WORDS:
            return _Decision("attribute", 0.85, f"descriptive word {sorted(words & ATTRIBUTE_WORDS)[0]!r}")
        if words & DIMENSION_WORDS:
            if ratio is not None and ratio > 0.5:
                return _Decision("attribute", 0.7, f"dimension word but {distinct} distinct of {non_null} values")
            return _Decision("dimension", 0.85, f"dimension word {sorted(words & DIMENSION_WORDS)[0]!r}")
        if low:
            return _Decision("dimension", 0.75 if distinct is not None and distinct <= 50 else 0.65,
                             f"low cardinality ({distinct} distinct of {non_null} values)")
        if ratio is not None and ratio >= 0.5:
            return _Decision("attribute", 0.7, f"high cardinality text ({distinct} distinct of {non_null})")
        return _Decision("attribute", 0.55, "text of medium cardinality")
    return _Decision("attribute", 0.6, f"type {view.facts.decided_type}")


def _role(
    view: ColumnView,
    own: keys_mod.OwnKey | None,
    ref: keys_mod.Reference | None,
    concept: Concept | None,
    match: ConceptMatch | None,
    ontology: LoadedOntology,
) -> _Decision:
    if own is not None and own.column == view.name:
        decision = _Decision("key", own.confidence, "the table's own key")
        decision.evidence += own.evidence
        return decision
    if ref is not None:
        decision = _Decision("foreign_key", ref.confidence, "reference by name")
        decision.evidence += ref.evidence
        return decision
    base = _heuristic_role(view)
    if base.role == "timestamp" or (base.role == "dimension" and "boolean" in view.families):
        return base
    hint = matching_hint(ontology.definition, view.facts)
    if hint is not None and hint.role is not None and hint.role not in ("key", "foreign_key"):
        decision = _Decision(hint.role, 0.85, f"ontology hint {hint.pattern!r} -> {hint.role}")
        if base.role == hint.role:
            decision.confidence = max(0.9, base.confidence)
            decision.evidence += base.evidence
        return decision
    if (
        concept is not None
        and match is not None
        and match.score >= 0.7
        and concept.typical_role not in (None, "key", "foreign_key", "timestamp")
    ):
        role = concept.typical_role or base.role
        decision = _Decision(role, 0.8, f"concept {concept.name}: typical role {role}")
        if base.role == role:
            decision.confidence = max(0.85, base.confidence)
            decision.evidence += base.evidence
        return decision
    return base


def _description(
    ann_role: str, entity: str | None, view: ColumnView, concept: Concept | None, ref: keys_mod.Reference | None,
    business: str,
) -> str:
    what = entity.replace("_", " ") if entity else view.table
    if ann_role == "key":
        return f"Identifies each {what} in {view.table}."
    if ann_role == "foreign_key":
        if ref is not None and ref.to_table:
            target = f"{ref.to_table}.{ref.to_column}" if ref.to_column else ref.to_table
            return f"Refers to the {what} in {target}."
        return f"Refers to a {what} (no loaded table matches)."
    text = concept.description.rstrip(".") if concept is not None else f"{business} of the {what}"
    if view.facts.unit:
        text += f", in {view.facts.unit}"
    return text + "."


def _is_pii(view: ColumnView, concept: str | None) -> bool:
    top = view.top_pattern
    if top is not None and top.pii and top.match_rate >= 0.5:
        return True
    return concept in PII_CONCEPTS


def annotate(views: dict[str, list[ColumnView]], ontology: LoadedOntology) -> list[ColumnAnnotation]:
    """Rule-based annotations of every column, in table and column order."""
    own = keys_mod.own_keys(views)
    refs = keys_mod.references(views, own)
    definition = ontology.definition
    result: list[ColumnAnnotation] = []
    for table, columns in views.items():
        table_entity = naming.snake(naming.entity_words(table))
        meanings = {view.name: meaning(view) for view in columns}
        for view in columns:
            if meanings[view.name] is None and _person_name(view, table_entity):
                meanings[view.name] = Meaning("person_name", 0.85, "name and values",
                                              ["a name column of a person-like table", "capitalised personal names"])
        pair_coordinates(meanings)
        for view in columns:
            ref = refs.get((table, view.name))
            found = meanings.get(view.name)
            match = best_concept(definition, view.facts)
            if found is not None and found.kind is None and match is not None and match.concept == found.vetoed:
                match = None  # the name matched a concept the values rule out
            if match is not None and match.concept in NOT_SUMMABLE and (found is None or found.kind is None):
                match = None  # a type of the value detectors that neither name nor values confirmed
            if (
                found is not None and found.kind is not None and match is not None
                and match.concept not in NOT_SUMMABLE and match.concept not in WEAK_CONCEPTS
                and (found.kind == "identifier" or found.basis == "name")
            ):
                found.why.append(f"the ontology's own concept {match.concept} is kept")
                found.kind = None  # a domain concept (`order_id`, `delivery_key`) says more than `identifier`
            if found is not None and found.kind is not None and definition.concept(found.kind) is not None:
                match = ConceptMatch(concept=found.kind, score=round(found.confidence, 3), evidence=list(found.why))
            concept = definition.concept(match.concept) if match is not None else None
            decision = _role(view, own.get(table), ref, concept, match, ontology)
            if found is not None and found.kind is not None and decision.role not in ("key", "foreign_key", "timestamp"):
                decision = _Decision(TYPE_ROLES[found.kind], found.confidence, found.evidence())
            elif found is not None:
                decision.evidence.append(found.evidence())
                if found.kind is None:
                    decision.confidence = min(decision.confidence, found.confidence)
            if decision.role == "measure" and match is not None and match.concept in NOT_SUMMABLE:
                decision = _Decision(TYPE_ROLES[match.concept], decision.confidence, f"{match.concept} is not summed")
            if decision.role == "key":
                entity = table_entity
            elif decision.role == "foreign_key" and ref is not None:
                entity = ref.entity
            else:
                entity = table_entity
            business = naming.business_name(view.facts.words)
            evidence = list(decision.evidence)
            if match is not None:
                evidence.append(f"ontology {definition.name}: {match.concept} ({match.score}: {'; '.join(match.evidence)})")
            description = _description(decision.role, entity, view, concept, ref, business)
            if found is not None:
                description += f" Meaning from {found.basis}: {'; '.join(found.why)}."
            result.append(
                ColumnAnnotation(
                    table_name=table,
                    column_name=view.name,
                    role=decision.role,
                    entity_type=entity,
                    business_name=business,
                    description=description,
                    ontology_term=match.concept if match is not None else None,
                    confidence=round(decision.confidence, 3),
                    evidence=evidence,
                    source="rules",
                    annotated_by=RULES,
                    references=(
                        {"table": ref.to_table, "column": ref.to_column or ""}
                        if ref is not None and ref.to_table and decision.role == "foreign_key"
                        else None
                    ),
                    is_pii=_is_pii(view, match.concept if match is not None else None),
                )
            )
    return result


def _person_name(view: ColumnView, table_entity: str) -> bool:
    """A `name`-like text column of a person-like table holding capitalised personal names."""
    words = view.facts.words
    if "text" not in view.families or "name" not in words:
        return False
    named_person = any(w in ("first", "last", "full", "given", "family", "surname") for w in words)
    person_table = table_entity.split("_")[-1] in PERSON_ENTITIES or bool(set(words) & PERSON_ENTITIES)
    if not (named_person or person_table):
        return False
    values = [str(v.get("value")) for v in (view.profile.top_values if view.profile else [])]
    return looks_like_person_names(values)


# --------------------------------------------------------------------------- meaning from names and values

# The role each semantic type takes (none of them is summed: coordinates, codes, ids, years,
# months and ages are never measures; an age is averaged, not summed, so it is an attribute).
TYPE_ROLES = {
    "latitude": "attribute", "longitude": "attribute", "postal_code": "attribute", "phone_number": "attribute",
    "gender": "dimension", "age": "attribute", "month": "dimension", "weekday": "dimension", "year": "dimension",
    "country": "dimension", "region": "dimension", "city": "dimension", "person_name": "attribute",
    "company_name": "dimension", "flag": "dimension", "identifier": "attribute",
}
NOT_SUMMABLE = frozenset(TYPE_ROLES)
# Generic concepts a value-detector type replaces (a `name` that holds countries is a country).
WEAK_CONCEPTS = frozenset({"label", "free_text", "category", "code", "status", "count", "brand", "origin",
                           "destination"})
# Types a name proposes that values may simply not confirm (no review question); for the others
# (coordinates, postal codes, phones, ages, years, months, gender) a disagreement is asked.
SOFT_TYPES = frozenset({"flag", "country", "region", "city", "person_name", "company_name", "identifier", "weekday"})
_PLACE_TEXT = re.compile(r"[^\W\d_][\w .,'’()\-/&]*")


class Meaning:
    """A column's semantic type, what decided it (name, values, both) and why."""

    def __init__(self, kind: str | None, confidence: float, basis: str, why: list[str], vetoed: str | None = None):
        self.kind = kind
        self.confidence = confidence
        self.basis = basis  # 'values' | 'name' | 'name and values' | 'name vs values'
        self.why = why
        self.vetoed = vetoed  # a type the name proposed and the values ruled out

    def evidence(self) -> str:
        what = self.kind or "no type"
        text = f"meaning {what} decided by {self.basis}: {'; '.join(self.why)}"
        return text


def numeric_stats(view: ColumnView) -> sv.NumericStats | None:
    p = view.profile
    if p is None or p.min_value is None or "numeric" not in view.families:
        return None
    lengths = (p.min_length, p.max_length) if p.min_length is not None and p.max_length is not None else None
    return sv.NumericStats(
        integer="integer" in view.families, minimum=p.min_value, maximum=p.max_value, distinct=p.distinct_count,
        non_null=p.total_count - p.null_count, rows=p.total_count, digits=lengths,
        median=(p.percentiles or {}).get("p50"),
    )


def _values(view: ColumnView) -> list[list[Any]]:
    if view.values is not None:
        return view.values
    return [[v.get("value"), v.get("count") or 0] for v in (view.profile.top_values if view.profile else [])]


def _place_like(values: list[list[Any]]) -> bool:
    """Most values read as names of places or people (letters, not codes such as `3:Lg`)."""
    if not values:
        return True
    good = sum(1 for v, _ in values if _PLACE_TEXT.fullmatch(str(v).strip()))
    return good / len(values) >= 0.8


def meaning(view: ColumnView) -> Meaning | None:
    """The column's semantic type from its name and its values; values win when they disagree
    (confidence below the review threshold, so a person is asked)."""
    if "temporal" in view.families:
        return None
    nt = naming.name_type(view.facts.words, view.name)
    stats = numeric_stats(view)
    values = _values(view)
    if "boolean" in view.families:
        vt: sv.ValueType | None = sv.ValueType("flag", "decides", f"decided type {view.facts.decided_type}")
    elif stats is not None:
        vt = sv.numeric_value_type(stats)
        if vt is not None and vt.type == "identifier" and not _generic_name(view):
            vt = None  # a dense 1..n is a row number only in an unnamed or first column (else: a rank)
        if vt is None and _row_label(view):
            vt = sv.ValueType("identifier", "decides", "unique integers in an unnamed first column (row labels)")
        if vt is None and nt is None and _year_words(view) and sv.fits("year", stats, values, view.families)[0]:
            vt = sv.ValueType("year", "decides", f"integers {stats.minimum:g}..{stats.maximum:g} in a start/end column")
    else:
        vt = sv.text_value_type(values, view.nulls or 0)
    if nt is not None:
        ok, why = sv.fits(nt, stats, values, view.families)
        if ok and nt in ("city", "region", "country", "person_name", "company_name") and stats is None and not _place_like(values):
            ok, why = False, "values are codes, not names"
        if vt is not None and vt.type != nt:
            if ok and (vt.type == "identifier" or (vt.type == "flag" and nt == "gender" and stats is not None)):
                return Meaning(nt, 0.85, "name and values", [f"name suggests {nt}", why])
            if nt in SOFT_TYPES:  # `city` holding yes/no: the values are plain, no question
                return Meaning(vt.type, 0.8, "name vs values", [f"name suggests {nt} but {vt.why}", "values win"], vetoed=nt)
            return Meaning(vt.type, 0.55, "name vs values",
                           [f"name suggests {nt} but {vt.why}", "values win; please confirm"], vetoed=nt)
        if vt is not None:
            return Meaning(nt, 0.95, "name and values", [f"name suggests {nt}", vt.why])
        if ok:
            if not why or why == "values do not contradict":
                return Meaning(nt, 0.85, "name", [f"name suggests {nt}"])
            return Meaning(nt, 0.85, "name, checked against values", [f"name suggests {nt}", why])
        if nt in SOFT_TYPES:  # a `flag` with three codes, a `manufacturer` holding codes: no type, no question
            return Meaning(None, 1.0, "name vs values", [f"name suggests {nt} but {why}"], vetoed=nt)
        return Meaning(None, 0.5, "name vs values", [f"name suggests {nt} but {why}"], vetoed=nt)
    if vt is not None:
        return Meaning(vt.type, 0.8, "values", [vt.why])
    return None


_GENERIC = re.compile(r"(?:column_?\d*|unnamed.*|x|v1|index|row|rownames|row_names|obs|rec|record|n|no|nr|id)")
_YEAR_WORDS = frozenset({"start", "end", "from", "to", "begin", "until", "since", "born", "died", "founded", "built",
                         "established", "reign", "first", "last"})


def _generic_name(view: ColumnView) -> bool:
    return view.position == 0 or bool(_GENERIC.fullmatch(view.name.lower().strip()))


def _row_label(view: ColumnView) -> bool:
    """An unnamed first column (`column_1` from an empty header) of unique integers: exported row labels."""
    return (
        view.position == 0 and "integer" in view.families and view.is_unique
        and bool(re.fullmatch(r"column_?\d+|unnamed.*", view.name.lower()))
    )


def _year_words(view: ColumnView) -> bool:
    return bool(set(view.facts.words) & _YEAR_WORDS) and "integer" in view.families


def pair_coordinates(meanings: dict[str, Meaning | None]) -> None:
    """Latitude and longitude come in pairs: note the partner; a lone one from a weak name (`cx`) is dropped."""
    lats = [c for c, m in meanings.items() if m is not None and m.kind == "latitude"]
    lons = [c for c, m in meanings.items() if m is not None and m.kind == "longitude"]
    for mine, others in ((lats, lons), (lons, lats)):
        for column in mine:
            m = meanings[column]
            assert m is not None
            if others:
                m.why.append(f"paired with {others[0]!r}")
            elif column.lower() in ("cx", "cy", "x", "y"):
                meanings[column] = None
            else:
                m.confidence = min(m.confidence, 0.75)
                m.why.append("no partner coordinate in the table")
