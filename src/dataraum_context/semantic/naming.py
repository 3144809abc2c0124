"""Column and table names as words: tokens, abbreviations, compounds, business names.

`l_extendedprice` -> prefix `l_` stripped (every lineitem column has it) -> `extendedprice`
split by a small business vocabulary -> `extended price` -> business name "Extended price".
`cust_addr` -> `customer address`; `order_no` -> `order number`; `CustomerID` -> `customer id`
("Customer ID"). Everything here is deterministic and offline.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Abbreviation -> the word(s) it stands for (lower case, space separated).
ABBREVIATIONS: dict[str, str] = {
    "amt": "amount", "qty": "quantity", "dt": "date", "no": "number", "nbr": "number", "num": "number",
    "nr": "number", "cust": "customer", "addr": "address", "desc": "description", "descr": "description",
    "pct": "percent", "perc": "percent", "acct": "account", "acc": "account", "bal": "balance",
    "mkt": "market", "mfgr": "manufacturer", "mfr": "manufacturer", "supp": "supplier", "sup": "supplier",
    "avail": "available", "cnt": "count", "ts": "timestamp", "tstamp": "timestamp", "yr": "year",
    "prc": "price", "ref": "reference", "cat": "category", "dept": "department", "emp": "employee",
    "org": "organization", "prod": "product", "txn": "transaction", "trx": "transaction",
    "trans": "transaction", "inv": "invoice", "src": "source", "dst": "destination", "dest": "destination",
    "lat": "latitude", "lng": "longitude", "lon": "longitude", "seq": "sequence", "tot": "total",
    "val": "value", "wt": "weight", "dist": "distance", "ccy": "currency", "curr": "currency",
    "instruct": "instructions", "fname": "first name", "lname": "last name", "dob": "date of birth",
    "tel": "telephone", "ph": "phone", "msg": "message", "stat": "status", "loc": "location",
    "uom": "unit of measure", "vol": "volume", "temp": "temperature", "min": "minimum", "max": "maximum",
    "avg": "average", "std": "standard", "hrs": "hours", "hr": "hour", "mins": "minutes", "sec": "seconds",
    "pos": "position", "idx": "index", "ctry": "country", "cntry": "country", "st": "state",
    "usr": "user", "pwd": "password", "wh": "warehouse", "whse": "warehouse", "veh": "vehicle",
    "shp": "shipment", "shpt": "shipment", "fy": "fiscal year", "gl": "general ledger", "cr": "credit",
    "dr": "debit",
}

# Words the compound splitter knows (`extendedprice` -> extended + price). Abbreviations count too.
_WORDS = """
account active actual address age amount area available average balance bank base batch bill billing birth
body brand budget business buy calendar carrier category cell change channel city class clerk close closed
closing code comment commission commit company container content cost count country coupon create created
credit currency customer date day deadline debit deleted delivery department depth description destination
detail device discount distance due duration email employee end entity event expense expiry extended fee
first fiscal flag freight from full gender gross group handling height hour id identifier income instruct
instructions invoice is item journal key kind label last latitude lead ledger length level line list
location longitude manufacturer margin market method mode modified month name nation net note number open
opening order origin owner paid parent part payment percent period phone place point position post postal
price priority product profit promo quantity rank rate reason receipt received region retail return
revenue route sale sales score segment sequence ship shipment shipped shipping sign signup size sku source
start state status stock store sub supplier supply tax territory time timestamp title total tracking type
unit update updated user valid value vehicle vendor volume warehouse week weight width year zip
""".split()
VOCABULARY: frozenset[str] = frozenset(_WORDS) | frozenset(ABBREVIATIONS)

ACRONYMS: frozenset[str] = frozenset(
    {"id", "sku", "url", "uri", "ip", "vat", "iban", "bic", "swift", "gtin", "ean", "upc", "isbn", "uuid", "guid",
     "api", "kpi", "gl", "iso", "usd", "eur", "gbp", "utc"}
)

# Leading words that are part of the name, not a table prefix (`is_active`, `id_card`).
_NOT_PREFIXES = frozenset({"is", "has", "id", "no", "nr", "dt", "ts", "min", "max", "avg", "sum", "new", "old"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[\W_]+")


def raw_tokens(name: str) -> list[str]:
    """`CustomerID` -> [customer, id]; `l_extendedprice` -> [l, extendedprice]; `Désc ✓` -> [désc]."""
    parts: list[str] = []
    for chunk in _NON_WORD.split(name):
        if chunk:
            parts += [p.lower() for p in _CAMEL.split(chunk) if p]
    return parts


@lru_cache(maxsize=4096)
def split_compound(token: str) -> tuple[str, ...]:
    """A lower-case token split into known words, fewest words first; itself when it cannot be."""
    if token in VOCABULARY or len(token) < 4 or not token.isalpha():
        return (token,)
    n = len(token)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            head = best[start]
            word = token[start:end]
            if head is None or word not in VOCABULARY:
                continue
            candidate = (*head, word)
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[n]
    return found if found is not None and len(found) > 1 else (token,)


def expand(tokens: list[str]) -> list[str]:
    """Compounds split and abbreviations expanded: [cust, addr] -> [customer, address]."""
    words: list[str] = []
    for token in tokens:
        for part in split_compound(token):
            words += ABBREVIATIONS.get(part, part).split()
    return words


def table_prefix(column_names: list[str]) -> str | None:
    """A short prefix every column of a table shares (`l_` in TPC-H lineitem), or None."""
    if len(column_names) < 2:
        return None
    firsts = set()
    for name in column_names:
        match = re.match(r"^([A-Za-z]{1,3})_(?=[A-Za-z0-9])", name)
        if match is None:
            return None
        firsts.add(match.group(1).lower())
    if len(firsts) != 1:
        return None
    prefix = firsts.pop()
    return None if prefix in _NOT_PREFIXES else prefix + "_"


def words(name: str, prefix: str | None = None) -> list[str]:
    """The column's words: the table prefix removed, compounds split, abbreviations expanded."""
    if prefix and name.lower().startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix):]
    return expand(raw_tokens(name)) or [name.lower()]


def singular(word: str) -> str:
    """A plural English noun made singular (the common cases only)."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def entity_words(table_name: str) -> list[str]:
    """A table's entity as words: `order_items` -> [order, item]; `lineitem` -> [line, item]."""
    found = expand(raw_tokens(table_name)) or [table_name.lower()]
    return [*found[:-1], singular(found[-1])]


def snake(parts: list[str]) -> str:
    return "_".join(parts)


def business_name(parts: list[str]) -> str:
    """Words as a human name: [extended, price] -> 'Extended price'; [customer, id] -> 'Customer ID'."""
    shown = [p.upper() if p in ACRONYMS else p for p in parts if p]
    if not shown:
        return ""
    first = shown[0]
    shown[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(shown)


# Column-name words (after `words()`) that say which semantic type a column holds, in several
# languages; `name_type` tries the types in this order.
NAME_TYPE_WORDS: dict[str, frozenset[str]] = {
    "latitude": frozenset({"latitude", "lat", "breite", "breitengrad", "latitud", "latitudine", "cy"}),
    "longitude": frozenset({"longitude", "long", "lon", "lng", "länge", "laengengrad", "längengrad", "longitud",
                            "longitudine", "cx"}),
    "postal_code": frozenset({"zip", "zipcode", "postal", "postcode", "plz", "postleitzahl", "cep"}),
    "phone_number": frozenset({"phone", "telephone", "mobile", "fax", "telefon", "telefono", "teléfono",
                               "téléphone", "cell"}),
    "gender": frozenset({"gender", "sex", "geschlecht", "sexo", "genero", "género", "sexe", "genre"}),
    "age": frozenset({"age", "alter", "edad", "âge", "eta", "età", "idade"}),
    "month": frozenset({"month", "monat", "mes", "mois", "mese", "mon"}),
    "weekday": frozenset({"weekday", "dow", "wochentag", "dia_semana"}),
    "year": frozenset({"year", "jahr", "año", "ano", "anno", "annee", "année"}),
    "country": frozenset({"country", "nation", "land", "pais", "país", "pays", "paese", "countries"}),
    "city": frozenset({"city", "town", "cities", "towns", "stadt", "ciudad", "ville", "citta", "città", "municipio",
                       "municipality", "gemeinde", "localidad", "village"}),
    "region": frozenset({"region", "state", "province", "county", "counties", "district", "borough",
                         "departement", "département", "canton", "kreis", "bundesland", "estado", "provincia",
                         "comune", "constituency", "neighborhood", "neighbourhood", "prefecture", "territory",
                         "regions", "states", "provinces", "oblast", "parish", "ward"}),
    "company_name": frozenset({"company", "manufacturer", "firm", "corporation", "airline", "operator", "employer",
                               "firma", "empresa", "unternehmen", "société", "societe", "vendor", "supplier"}),
    "person_name": frozenset(),  # decided with the `name` word (first name, surname, ...), see name_type
    "flag": frozenset({"flag", "indicator"}),
    "identifier": frozenset({"id", "identifier", "identification", "uuid", "guid", "rownames", "index", "pid",
                             "uid", "fips", "geoid", "iata", "icao", "isin", "ticker"}),
}
PERSON_NAME_WORDS = frozenset({"first", "last", "full", "given", "family", "surname", "middle", "nombre",
                               "apellido", "vorname", "nachname", "prenom", "prénom", "nom", "forename"})
PERSON_WORDS = frozenset(
    "person customer user employee contact member client patient student author buyer owner driver passenger guest "
    "subscriber candidate president monarch player mapmaker director actor writer artist teacher".split()
)
# Words that, with a type word, mean the column is something else (`state_tax`, `age_group_count`).
_NOT_TYPE = frozenset({"code", "key", "count", "number", "tax", "rate", "amount", "total", "income", "size",
                       "population", "pop", "area", "density", "since", "service", "length", "mpg", "miles", "price",
                       "sales", "temperature", "temp", "weight", "height", "distance", "delta", "diff",
                       "difference", "change", "error", "speed", "velocity", "offset"})


def name_type(parts: list[str], raw: str = "") -> str | None:
    """The semantic type a column name suggests (`lat` -> latitude, `NAME.MIDDLE` -> person_name,
    `municipio` -> city, `dob` -> None: a date), or None."""
    words = set(parts)
    raw_low = raw.lower()
    if "name" in words and (words & PERSON_NAME_WORDS or words & PERSON_WORDS):
        return "person_name"
    if words & {"fname", "lname", "surname", "forename", "vorname", "nachname", "apellido"}:
        return "person_name"
    if words & {"first", "last"} and len(words) == 1 and raw_low in ("first", "last"):
        return None  # `first`/`last` alone: the values decide
    if words & NAME_TYPE_WORDS["identifier"] and len(parts) <= 3 and parts[-1] in NAME_TYPE_WORDS["identifier"]:
        return "identifier"
    for kind, vocab in NAME_TYPE_WORDS.items():
        if kind == "identifier" or not vocab:
            continue
        hit = words & vocab
        if not hit:
            continue
        if kind == "postal_code" or kind == "phone_number":
            return kind  # `zip_code`, `phone_number`: the type word wins over `code`/`number`
        if words & _NOT_TYPE:
            continue
        if kind in ("company_name",) and "id" in words:
            continue
        return kind
    return None
