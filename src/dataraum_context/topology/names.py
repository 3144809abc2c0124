"""Name evidence for relationships: does a child column's name point at a parent key?

Names are split into lower-case tokens (`_`, spaces, punctuation, camelCase). A short
first token that abbreviates the table (`l_` in lineitem, `ps_` in partsupp) is dropped,
key suffixes (`id`, `key`, `no`, `code`, ...) are split off and ignored, and the rest,
singularised, is the name's *stem*: `l_orderkey` -> `order`, `customer_id` -> `customer`.
A parent column named only by a suffix (`id`) takes its table's stem (`customers` ->
`customer`). Stems match when equal or when one abbreviates the other (`cust` ~
`customer`, `supp` ~ `supplier`).
"""

from __future__ import annotations

import re
from functools import lru_cache

KEY_SUFFIXES = ("id", "key", "no", "nr", "num", "number", "code", "cd", "ref", "fk", "pk", "sk", "uuid", "guid")
TABLE_PREFIXES = ("dim", "fact", "fct", "tbl", "stg", "raw", "src", "ref", "lkp", "d", "f", "t")
_MIN_ABBREVIATION = 3


def tokens(name: str) -> list[str]:
    """Lower-case word tokens of an identifier (`orderID` -> ['order', 'id'])."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [t for t in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if t]


def singular(word: str) -> str:
    """A naive singular: categories -> category, addresses -> address, orders -> order."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


@lru_cache(maxsize=65536)  # pure; foreign-key screening asks for the same names columns x keys times
def table_stem(table: str) -> str:
    """`customers` -> `customer`, `dim_product` -> `product`, `order_items` -> `order_item`."""
    parts = tokens(table)
    while len(parts) > 1 and parts[0] in TABLE_PREFIXES:
        parts = parts[1:]
    if not parts:
        return ""
    parts[-1] = singular(parts[-1])
    return "_".join(parts)


def _split_suffix(token: str) -> tuple[str, str | None]:
    """`custkey` -> ('cust', 'key'); `id` -> ('', 'id'); `name` -> ('name', None)."""
    if token in KEY_SUFFIXES:
        return "", token
    for suffix in sorted(KEY_SUFFIXES, key=len, reverse=True):
        if len(suffix) >= 3 and token.endswith(suffix) and len(token) - len(suffix) >= 2:
            return token[: -len(suffix)], suffix
    return token, None


@lru_cache(maxsize=65536)
def column_stem(column: str, table: str) -> tuple[str, str | None]:
    """The entity a column names, and its key suffix: (`order`, `key`) for `l_orderkey` in lineitem."""
    parts = tokens(column)
    compact_table = "".join(tokens(table))
    if len(parts) > 1 and len(parts[0]) <= 3 and parts[0][0] == compact_table[:1] and _is_subsequence(parts[0], compact_table):
        parts = parts[1:]
    suffix: str | None = None
    if parts:
        head, suffix = _split_suffix(parts[-1])
        parts = [*parts[:-1], head] if head else parts[:-1]
    if parts:
        parts[-1] = singular(parts[-1])
    return "_".join(parts), suffix


def stems_match(a: str, b: str) -> bool:
    """Equal stems, or one abbreviates the other word by word: the same number of words,
    each a prefix of at least three letters of the other's (`cust` ~ `customer`,
    `cust_acct` ~ `customer_account`; `bill` is not `bill_item`: a word is missing).
    Stems written as one word on one side (`lineitem` ~ `line_item`) match when equal
    without the underscores."""
    if not a or not b:
        return False
    if a == b or a.replace("_", "") == b.replace("_", ""):
        return True
    words_a, words_b = a.split("_"), b.split("_")
    if len(words_a) != len(words_b):
        return False
    for x, y in zip(words_a, words_b, strict=True):
        short, long = sorted((x, y), key=len)
        if x != y and not (len(short) >= _MIN_ABBREVIATION and long.startswith(short)):
            return False
    return True


ROLE_WORDS = frozenset({
    "manager", "supervisor", "boss", "reports", "report", "parent", "owner", "rep", "representative",
    "agent", "lead", "mentor", "head", "referrer", "referred", "sponsor", "creator", "author",
    "approver", "reviewer", "assignee", "assigned", "created", "updated", "modified", "approved",
    "salesperson", "seller", "buyer", "advisor", "coach", "captain", "successor", "predecessor",
})
"""Words of a column that names a role rather than the table it references
(`reports_to`, `support_rep_id`, `manager`, `parent_id`, `owner_rep_id`, `created_by`)."""
PEOPLE = frozenset({
    "staff", "employee", "user", "person", "people", "member", "agent", "rep", "representative",
    "salesperson", "worker", "account_manager", "manager", "contact", "author", "operator", "admin",
})
"""Table stems that hold people: a role column (`support_rep_id`) may point at them."""
SELF_ROLES = frozenset({"manager", "supervisor", "boss", "reports", "report", "parent", "mentor",
                        "successor", "predecessor", "referrer", "referred", "head", "lead", "sponsor"})
"""Role words that point back into the same table (`employee.reports_to -> employee.id`)."""


def role_words(column: str, table: str) -> set[str]:
    """The role words in a column's name (`owner_rep_id` -> {owner, rep})."""
    stem, _ = column_stem(column, table)
    return {w for w in stem.split("_") if w} & ROLE_WORDS


def role_score(child_table: str, child: str, parent_table: str) -> float:
    """0..1: a role name pointing at a parent table. 0.8 a self-role in the same table
    (`manager`, `reports_to`, `parent_id`) or any role word pointing at a table of people
    (`owner_rep_id -> staff`, `support_rep_id -> employee`); else 0."""
    roles = role_words(child, child_table)
    if not roles:
        return 0.0
    parent = table_stem(parent_table)
    if child_table == parent_table and roles & SELF_ROLES:
        return 0.8
    if parent in PEOPLE or parent.split("_")[-1] in PEOPLE:
        return 0.8
    return 0.0


def name_score(child_table: str, child_columns: list[str], parent_table: str, parent_columns: list[str]) -> float:
    """0..1: how strongly the child columns' names point at the parent key (mean over columns).

    1.0 the child stem matches both the parent column's stem and the parent table
    (`o_custkey` -> customer.c_custkey); 0.9 the parent column only; 0.85 the parent
    table only (`customer_id` -> customers.cid); 0.75 the child stem ends with the
    parent's (`billing_customer_id` -> customers.customer_id); else 0.
    """
    scores = [
        max(_column_score(child_table, child, parent_table, parent), role_score(child_table, child, parent_table))
        for child, parent in zip(child_columns, parent_columns, strict=True)
    ]
    return sum(scores) / len(scores) if scores else 0.0


def _column_score(child_table: str, child: str, parent_table: str, parent: str) -> float:
    child_stem, child_suffix = column_stem(child, child_table)
    if not child_stem:
        return 0.0
    table = table_stem(parent_table)
    parent_stem, _ = column_stem(parent, parent_table)
    table_match = stems_match(child_stem, table) or (
        "_" in table and stems_match(child_stem, table.split("_")[-1])
    )
    # A parent key named only by a suffix (`id`) takes its table's name (`chinook_artist.id`).
    column_match = table_match if not parent_stem else stems_match(child_stem, parent_stem)
    parent_stem = parent_stem or table
    if column_match:
        return 1.0 if table_match else 0.9
    if table_match and child_suffix is not None:
        return 0.85
    child_parts = child_stem.split("_")
    parent_parts = parent_stem.split("_")
    if len(child_parts) > len(parent_parts) and child_parts[-len(parent_parts):] == parent_parts:
        return 0.75
    return 0.0
