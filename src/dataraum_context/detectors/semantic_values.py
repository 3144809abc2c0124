"""What a column's values say it means: coordinates, gender, names, ages, months, places, flags, codes.

Inputs are what DuckDB computed: the profile (counts, min/max, top values) and, per text-like
column, its most frequent distinct values on the stage's row sample (`sample_values`, one
GROUP BY query per table, at most `MAX_VALUES` values a column). Nothing reads whole columns
into Python.

`value_type(...)` returns a `ValueType(type, strength, why)` or None:

- strength `decides`: the values alone are enough (`M`/`F` -> gender, `Jan`..`Dec` -> month,
  two values `0`/`1` or `Y`/`N` -> flag, most values country names -> country, ...);
- strength `fits`: the values agree with a type the name proposes but would not decide it
  (numbers in [-90, 90] for a `lat` column, integers 0..120 for `age`).

`fits(type, ...)` says whether values are compatible with a type a column name suggests (with
the reason when not): a `Zip Codes` column holding small integers is not a postal code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from dataraum_context.detectors.patterns import top_values_sql

MAX_VALUES = 200
VALUE_COLUMNS = 256  # columns per query of `sample_values`

GENDER = frozenset(
    "m f male female man woman men women boy girl boys girls w h mujer hombre femme homme frau mann weiblich "
    "männlich masculino femenino masculin féminin".split()
)
GENDER_EXTRA = frozenset("other unknown diverse x u nb non-binary d".split())
FLAG_PAIRS = [
    frozenset({"0", "1"}), frozenset({"y", "n"}), frozenset({"yes", "no"}), frozenset({"true", "false"}),
    frozenset({"t", "f"}), frozenset({"si", "no"}), frozenset({"sí", "no"}), frozenset({"ja", "nein"}),
    frozenset({"oui", "non"}), frozenset({"j", "n"}), frozenset({"s", "n"}),
]
FLAG_SINGLES = frozenset({"true", "yes", "y", "1", "x", "t"})
MONTHS = [
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
]
MONTH_WORDS = frozenset(w for line in MONTHS for w in line.split()) | {"sept"}
WEEKDAYS = [
    "monday tuesday wednesday thursday friday saturday sunday",
    "mon tue wed thu fri sat sun tues thur thurs weds",
    "lunes martes miércoles jueves viernes sábado domingo",
    "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
]
WEEKDAY_WORDS = frozenset(w for line in WEEKDAYS for w in line.split())
AGE_GROUP_WORDS = frozenset("adult adults child children kid kids infant infants senior seniors teen teens teenager youth elderly baby minor".split())

US_STATES = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california", "CO": "colorado",
    "CT": "connecticut", "DE": "delaware", "FL": "florida", "GA": "georgia", "HI": "hawaii", "ID": "idaho",
    "IL": "illinois", "IN": "indiana", "IA": "iowa", "KS": "kansas", "KY": "kentucky", "LA": "louisiana",
    "ME": "maine", "MD": "maryland", "MA": "massachusetts", "MI": "michigan", "MN": "minnesota",
    "MS": "mississippi", "MO": "missouri", "MT": "montana", "NE": "nebraska", "NV": "nevada",
    "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york", "NC": "north carolina",
    "ND": "north dakota", "OH": "ohio", "OK": "oklahoma", "OR": "oregon", "PA": "pennsylvania",
    "RI": "rhode island", "SC": "south carolina", "SD": "south dakota", "TN": "tennessee", "TX": "texas",
    "UT": "utah", "VT": "vermont", "VA": "virginia", "WA": "washington", "WV": "west virginia",
    "WI": "wisconsin", "WY": "wyoming", "DC": "district of columbia", "PR": "puerto rico", "GU": "guam",
    "VI": "virgin islands", "AS": "american samoa", "MP": "northern mariana islands",
}
CA_PROVINCES = ("alberta british columbia manitoba new brunswick newfoundland and labrador nova scotia ontario "
                "prince edward island quebec saskatchewan yukon nunavut northwest territories")
REGION_NAMES = frozenset(US_STATES.values()) | frozenset(
    {"british columbia", "ontario", "quebec", "alberta", "manitoba", "saskatchewan", "nova scotia", "new brunswick",
     "bavaria", "bayern", "catalonia", "andalusia", "scotland", "wales", "england", "northern ireland",
     "new south wales", "victoria", "queensland", "tasmania", "île-de-france", "lombardy", "tuscany"}
)
REGION_CODES = frozenset(US_STATES)

_COUNTRIES = """
afghanistan albania algeria andorra angola antigua and barbuda argentina armenia australia austria azerbaijan
bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia and herzegovina botswana
brazil brunei bulgaria burkina faso burundi cambodia cameroon canada cape verde central african republic chad
chile china colombia comoros congo costa rica croatia cuba cyprus czech republic czechia denmark djibouti
dominica dominican republic ecuador egypt el salvador equatorial guinea eritrea estonia eswatini ethiopia fiji
finland france gabon gambia georgia germany ghana greece grenada guatemala guinea guinea-bissau guyana haiti
honduras hungary iceland india indonesia iran iraq ireland israel italy ivory coast jamaica japan jordan
kazakhstan kenya kiribati kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania
luxembourg madagascar malawi malaysia maldives mali malta marshall islands mauritania mauritius mexico
micronesia moldova monaco mongolia montenegro morocco mozambique myanmar burma namibia nauru nepal netherlands
new zealand nicaragua niger nigeria north korea north macedonia macedonia norway oman pakistan palau panama
papua new guinea paraguay peru philippines poland portugal qatar romania russia rwanda saint lucia samoa
san marino saudi arabia senegal serbia seychelles sierra leone singapore slovakia slovenia solomon islands
somalia south africa south korea south sudan spain sri lanka sudan suriname sweden switzerland syria taiwan
tajikistan tanzania thailand timor-leste togo tonga trinidad and tobago tunisia turkey turkmenistan tuvalu
uganda ukraine united arab emirates united kingdom united states uruguay uzbekistan vanuatu venezuela vietnam
yemen zambia zimbabwe hong kong puerto rico greenland korea west germany east germany soviet union ussr
yugoslavia czechoslovakia
"""
_MULTI = [
    "antigua and barbuda", "bosnia and herzegovina", "burkina faso", "cape verde", "central african republic",
    "costa rica", "czech republic", "dominican republic", "el salvador", "equatorial guinea", "ivory coast",
    "marshall islands", "new zealand", "north korea", "north macedonia", "papua new guinea", "saint lucia",
    "san marino", "saudi arabia", "sierra leone", "solomon islands", "south africa", "south korea", "south sudan",
    "sri lanka", "trinidad and tobago", "united arab emirates", "united kingdom", "united states", "hong kong",
    "puerto rico", "west germany", "east germany", "soviet union",
]
_single = set(_COUNTRIES.split())
for _m in _MULTI:
    for _w in _m.split():
        _single.discard(_w)
_single -= {"and"}
_single |= {"guinea", "georgia", "korea", "congo", "niger", "sudan", "germany", "macedonia"}
COUNTRY_NAMES = frozenset(_single) | frozenset(_MULTI) | frozenset(
    {"usa", "us", "u.s.", "u.s.a.", "uk", "u.k.", "great britain", "britain", "holland", "russian federation",
     "united states of america", "deutschland", "españa", "méxico", "brasil", "italia", "schweiz", "suisse",
     "österreich", "danmark", "sverige", "norge", "suomi", "polska", "nippon", "korea, rep.", "congo, dem. rep.",
     "cote d'ivoire", "côte d'ivoire", "timor leste", "viet nam", "turkiye", "türkiye"}
)
CITIES = frozenset(
    "new york|los angeles|chicago|houston|phoenix|philadelphia|san antonio|san diego|dallas|san jose|austin|seattle|"
    "boston|denver|washington|atlanta|miami|detroit|portland|las vegas|baltimore|milwaukee|nashville|"
    "san francisco|london|paris|berlin|madrid|rome|vienna|amsterdam|brussels|munich|hamburg|frankfurt|barcelona|"
    "milan|lisbon|dublin|prague|warsaw|budapest|stockholm|oslo|copenhagen|helsinki|zurich|geneva|moscow|istanbul|"
    "tokyo|osaka|beijing|shanghai|singapore|seoul|delhi|mumbai|bangkok|sydney|melbourne|toronto|montreal|"
    "vancouver|mexico city|são paulo|sao paulo|buenos aires|lima|bogota|cairo|lagos|nairobi|johannesburg".split("|")
)
GIVEN_NAMES = frozenset(
    """james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony
    mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan
    jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank
    patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter
    noah jeremy christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan
    bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell
    bobby mason philip louis harry fred nick will steve rick jim ron tom bill bob ben dan sam tony luis carlos
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra
    ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura
    cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra
    rachel carolyn janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren
    christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison
    frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly
    isabella theresa diana natalie brittany charlotte marie kayla alexis lori anne jane rose eleanor
    hans karl fritz heinz klaus jürgen peter wolfgang johann christoph phillip philippe jean pierre jacques
    andreas giovanni marco andrea giuseppe antonio francesco pedro miguel manuel ana carmen josé
    edmund ernest ernesto arturo oscar ivan igor dmitri sergei olga tatiana yuki hiroshi wei li ming mohammed
    ahmed ali fatima omar hassan ibrahim""".split()
)
COMPANY_WORDS = frozenset(
    """inc inc. incorporated corp corp. corporation co co. company ltd ltd. limited llc plc gmbh ag sa s.a. nv
    n.v. bv spa s.p.a. oy ab asa kk holdings holding group bank bancorp airlines airline airways
    motors motor industries industrial technologies technology systems pharmaceuticals pharma
    insurance financial energy petroleum oil telecom communications international enterprises partners
    manufacturing products foods brands electric electronics chemical chemicals steel mining""".split()
)
BRANDS = frozenset(
    """ford chevrolet chevy toyota honda nissan bmw mercedes-benz mercedes audi volkswagen vw volvo mazda subaru
    hyundai kia dodge chrysler buick cadillac lincoln mitsubishi suzuki saab porsche ferrari fiat peugeot renault
    citroen jeep geo eagle acura infiniti lexus oldsmobile plymouth pontiac saturn mercury apple microsoft google
    amazon ibm intel oracle samsung sony siemens boeing airbus shell exxon walmart""".split()
)

_PERSON_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*\.?")
_INITIAL = re.compile(r"[A-Z]\.")
_ROMAN = re.compile(r"(?:I|II|III|IV|V|VI|VII|VIII|IX|X)")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class ValueType:
    type: str
    strength: str  # decides | fits
    why: str


def sample_values(con: duckdb.DuckDBPyConnection, sample_table: str, columns: list[str]) -> dict[str, list[list[Any]]]:
    """Per column, up to `MAX_VALUES` most frequent trimmed non-null values of the sample: [[value, count], ...]."""
    if not columns:
        return {}
    result: dict[str, list[list[Any]]] = {c: [] for c in columns}
    for start in range(0, len(columns), VALUE_COLUMNS):
        chunk = columns[start:start + VALUE_COLUMNS]
        for c, v, n in con.execute(top_values_sql(sample_table, chunk, MAX_VALUES)).fetchall():
            result[chunk[c]].append([v, int(n)])
    for values in result.values():
        values.sort(key=lambda x: (-x[1], x[0]))
    return result


def _share(values: list[list[Any]], test: Any, weighted: bool = False) -> float:
    if not values:
        return 0.0
    if weighted:
        total = sum(n for _, n in values)
        return sum(n for v, n in values if test(v)) / total if total else 0.0
    return sum(1 for v, _ in values if test(v)) / len(values)


def _norm(v: str) -> str:
    return re.sub(r"[_\s]+", " ", v.strip().lower())


def is_flag_values(values: list[list[Any]]) -> bool:
    """Exactly two distinct values forming a yes/no pair (`0`/`1`, `Y`/`N`, `true`/`false`, ...)."""
    if len(values) != 2:
        return False
    pair = frozenset(_norm(str(v)) for v, _ in values)
    return any(pair == p for p in FLAG_PAIRS)


def is_gender_values(values: list[list[Any]]) -> bool:
    words = {_norm(str(v)) for v, _ in values}
    if not 2 <= len(words) <= 5:
        return False
    core = words & GENDER
    named = {w for w in words if any(ch.isalpha() for ch in w)}  # `.` or `?` for unknown are allowed
    return len(core) >= 2 and named <= (GENDER | GENDER_EXTRA) and not (words <= {"m", "f", "t"} and "t" in words)


def person_name_share(values: list[list[Any]]) -> float:
    """Share of distinct values shaped like personal names: a known given name first, initials and a surname
    (`P. Lantsbergius`), `LAST, FIRST` or a given name with a regnal number (`James II`)."""
    def person(v: str) -> bool:
        v = v.strip()
        if "," in v:  # LAST, FIRST M
            last, _, first = v.partition(",")
            firsts = first.split()
            return bool(firsts) and firsts[0].strip(".").lower() in GIVEN_NAMES and bool(last.strip())
        parts = v.split()
        if not 1 <= len(parts) <= 4:
            return False
        first = parts[0].lower().strip(".")
        if first in GIVEN_NAMES:
            return all(_PERSON_WORD.fullmatch(p) or _ROMAN.fullmatch(p) for p in parts[1:])
        if len(parts) >= 2 and _INITIAL.fullmatch(parts[0]):
            return all(_PERSON_WORD.fullmatch(p) for p in parts[1:]) and parts[-1][:1].isupper()
        return False
    return _share(values, lambda v: person(str(v)))


_PARTICLES = frozenset({"van", "von", "de", "der", "den", "la", "le", "da", "di", "del", "du", "jr", "jr.", "sr", "sr."})


def name_shape_share(values: list[list[Any]]) -> float:
    """Share of values that are two to four capitalised words (particles such as `van` allowed)."""
    def shaped(v: str) -> bool:
        parts = v.split()
        if not 2 <= len(parts) <= 4:
            return False
        return all(
            p.lower() in _PARTICLES or (_PERSON_WORD.fullmatch(p) is not None and p[:1].isupper() and not p.isupper())
            or _INITIAL.fullmatch(p) is not None
            for p in parts
        )
    return _share(values, lambda v: shaped(str(v).strip()))


def company_share(values: list[list[Any]]) -> float:
    def company(v: str) -> bool:
        if _norm(v) in BRANDS:
            return True
        if not v[:1].isupper():
            return False  # names are capitalised; lower-case text is prose
        words = [w.strip(",.()&") for w in _norm(v).split()]
        words = [w for w in words if w]
        if not words or len(words) > 6:
            return False
        return bool(set(words[-2:]) & COMPANY_WORDS)  # a legal form or sector word at the end
    return _share(values, lambda v: company(str(v)))


def _place(v: str, names: frozenset[str]) -> bool:
    n = _norm(v).strip(" .")
    return n in names


def country_share(values: list[list[Any]]) -> float:
    return _share(values, lambda v: _place(str(v), COUNTRY_NAMES))


def region_share(values: list[list[Any]]) -> float:
    def region(v: str) -> bool:
        s = str(v).strip()
        if s.upper() in REGION_CODES and (s.isupper() and len(s) == 2):
            return True
        return _place(s, REGION_NAMES) or (s.upper().startswith("US-") and s[3:].upper() in REGION_CODES)
    return _share(values, region)


def city_share(values: list[list[Any]]) -> float:
    return _share(values, lambda v: _place(str(v), CITIES))


def month_share(values: list[list[Any]]) -> float:
    return _share(values, lambda v: _norm(str(v)).strip(".") in MONTH_WORDS)


def weekday_share(values: list[list[Any]]) -> float:
    return _share(values, lambda v: _norm(str(v)).strip(".") in WEEKDAY_WORDS)


@dataclass(frozen=True)
class NumericStats:
    """What the profile says of a column's numbers (None when it holds none)."""

    integer: bool
    minimum: float | None
    maximum: float | None
    distinct: int | None
    non_null: int
    rows: int
    digits: tuple[int, int] | None = None  # min and max length of the raw values
    median: float | None = None


def numeric_value_type(s: NumericStats) -> ValueType | None:
    """Types numbers alone decide: two values 0/1 (flag), a dense unique 1..n (a row number)."""
    if s.minimum is None or s.maximum is None or s.non_null == 0:
        return None
    if s.integer and s.distinct == 2 and s.minimum == 0 and s.maximum == 1:
        return ValueType("flag", "decides", "two values 0 and 1")
    if (
        s.integer and s.distinct == s.non_null == s.rows and s.rows >= 5
        and s.minimum in (0, 1) and s.maximum - s.minimum + 1 <= s.rows * 1.1 + 1
    ):
        return ValueType("identifier", "decides", f"unique integers {int(s.minimum)}..{int(s.maximum)} (a dense sequence: a row number or surrogate key)")
    return None


def text_value_type(values: list[list[Any]], nulls: int = 0) -> ValueType | None:
    """Types text values alone decide (most frequent distinct values of the sample; `nulls`: null rows)."""
    if not values:
        return None
    if len(values) == 1 and _norm(str(values[0][0])) in FLAG_SINGLES - {"1"} | ({"1"} if nulls > 0 else set()):
        return ValueType("flag", "decides", f"one value {values[0][0]!r}, otherwise empty")
    if is_gender_values(values):
        return ValueType("gender", "decides", "values " + "/".join(str(v) for v, _ in values[:4]))
    if is_flag_values(values):
        return ValueType("flag", "decides", "two values " + "/".join(str(v) for v, _ in values))
    distinct = len(values)
    if distinct >= 3 and month_share(values) >= 0.9:
        return ValueType("month", "decides", f"{month_share(values):.0%} of values are month names")
    if distinct >= 3 and weekday_share(values) >= 0.9:
        return ValueType("weekday", "decides", f"{weekday_share(values):.0%} of values are weekday names")
    share = country_share(values)
    if distinct >= 2 and share >= 0.6:
        return ValueType("country", "decides", f"{share:.0%} of distinct values are country names")
    share = region_share(values)
    if distinct >= 3 and share >= 0.8:
        return ValueType("region", "decides", f"{share:.0%} of distinct values are US states or known regions")
    share = person_name_share(values)
    if distinct >= 3 and share >= 0.6:
        return ValueType("person_name", "decides", f"{share:.0%} of distinct values are shaped like personal names")
    shape = name_shape_share(values)
    if distinct >= 3 and share >= 0.3 and shape >= 0.8:
        return ValueType("person_name", "decides",
                         f"{shape:.0%} of distinct values are two to four capitalised words, {share:.0%} start with a given name")
    share = city_share(values)
    if distinct >= 2 and share >= 0.8:
        return ValueType("city", "decides", f"{share:.0%} of distinct values are names of large cities")
    if distinct >= 5 and all(re.fullmatch(r"[A-Z][A-Z0-9]{2,3}", str(v)) for v, _ in values) and all(n == 1 for _, n in values):
        return ValueType("identifier", "decides", "unique upper-case codes of 3 or 4 characters")
    share = company_share(values)
    if distinct >= 3 and share >= 0.25 and person_name_share(values) < 0.1:
        return ValueType("company_name", "decides", f"{share:.0%} of distinct values carry a company word or brand")
    return None


def fits(kind: str, s: NumericStats | None, values: list[list[Any]], families: frozenset[str]) -> tuple[bool, str]:
    """Whether the values are compatible with `kind` (a type the name proposes), and why."""
    numeric = s is not None and s.minimum is not None and s.maximum is not None and "numeric" in families
    rng = f"{s.minimum:g}..{s.maximum:g}" if numeric and s is not None else ""
    if kind in ("latitude", "longitude"):
        if not numeric:
            return False, "values are not numbers"
        limit = (-90, 90) if kind == "latitude" else (-180, 360)
        ok = limit[0] <= s.minimum and s.maximum <= limit[1]  # type: ignore[union-attr,operator]
        return ok, f"values {rng} {'within' if ok else 'outside'} [{limit[0]}, {limit[1]}]"
    if kind == "age":
        if numeric:
            ok = 0 <= s.minimum and s.maximum <= 125  # type: ignore[union-attr,operator]
            return ok, f"values {rng} {'within' if ok else 'outside'} 0..125 years"
        share = _share(values, lambda v: _norm(str(v)) in AGE_GROUP_WORDS or bool(re.fullmatch(r"(?:[<>≤≥]=?\s*\d{1,3}|\d{1,3}\s*[-–+]\s*\d{0,3})", str(v).strip())))
        return share >= 0.8, f"{share:.0%} of values are age groups"
    if kind == "year":
        if numeric:
            typical = s.median if s.median is not None else s.minimum
            ok = bool(s.integer) and 0 <= s.minimum and s.maximum <= 2200 and typical >= 1000  # type: ignore[union-attr,operator]
            if not ok and s.integer and 10 <= s.minimum and s.maximum <= 99:  # type: ignore[operator]
                return True, f"integers {rng} (two-digit years)"
            return ok, f"integers {rng}" if ok else f"values {rng} are not calendar years"
        return False, "values are not numbers"
    if kind == "month":
        if numeric:
            ok = bool(s.integer) and 1 <= s.minimum and s.maximum <= 12  # type: ignore[union-attr,operator]
            return ok, f"integers {rng}" if ok else f"values {rng} are not months 1..12"
        share = month_share(values)
        return share >= 0.8, f"{share:.0%} of values are month names"
    if kind == "weekday":
        if numeric:
            ok = bool(s.integer) and 0 <= s.minimum and s.maximum <= 7  # type: ignore[union-attr,operator]
            return ok, f"integers {rng}" if ok else f"values {rng} are not weekdays"
        share = weekday_share(values)
        return share >= 0.8, f"{share:.0%} of values are weekday names"
    if kind == "gender":
        if numeric:
            ok = s.distinct is not None and s.distinct <= 3 and s.minimum >= 0 and s.maximum <= 2  # type: ignore[union-attr,operator]
            return ok, f"{s.distinct} codes {rng}" if ok else f"{s.distinct} distinct values {rng}"  # type: ignore[union-attr]
        codes = bool(values) and len(values) <= 4 and all(len(str(v).strip()) <= 2 for v, _ in values)
        ok = is_gender_values(values) or (codes and not is_flag_values(values))
        return ok, f"{len(values)} distinct codes" if ok else "values are not gender codes"
    if kind == "postal_code":
        lengths = s.digits if s is not None else None
        digits = _share(values, lambda v: bool(re.fullmatch(r"\d{4,5}(?:-\d{4})?", str(v).strip())), weighted=True)
        alnum = _share(values, lambda v: bool(re.fullmatch(r"[A-Za-z0-9]{2,4}[ -]?[A-Za-z0-9]{3}", str(v).strip())), weighted=True)
        ok = digits >= 0.8 or alnum >= 0.8
        if not ok and numeric and lengths is not None:
            ok = lengths[0] >= 4 and lengths[1] <= 5
        why = f"{max(digits, alnum):.0%} of values look like postal codes" if values else "no values"
        if ok and numeric:
            why += " (stored as numbers: keep them as text, a leading zero would be lost)"
        return ok, why
    if kind == "phone_number":
        share = _share(values, lambda v: 7 <= len(re.sub(r"\D", "", str(v))) <= 15 and not re.search(r"[A-Za-z]", str(v)), weighted=True)
        why = f"{share:.0%} of values have 7 to 15 digits"
        if share >= 0.8 and numeric:
            why += " (stored as numbers: keep them as text, a leading zero or + would be lost)"
        return share >= 0.8, why
    if kind in ("country", "region", "city", "person_name", "company_name"):
        if numeric and kind in ("person_name", "company_name", "city"):
            return False, "values are numbers"
        if kind == "country" and values and not numeric:
            share = country_share(values)
            other = region_share(values)
            if share < 0.2 and other >= 0.8:
                return False, f"{other:.0%} of values are regions, not countries"
        return True, "values do not contradict"
    if kind == "flag":
        if numeric:
            ok = s.distinct is not None and s.distinct <= 2 and s.minimum >= 0 and s.maximum <= 1  # type: ignore[union-attr,operator]
            return ok, f"values {rng}"
        ok = len(values) <= 2 and all(_norm(str(v)) in {w for p in FLAG_PAIRS for w in p} | FLAG_SINGLES for v, _ in values)
        return ok, f"{len(values)} distinct values"
    return True, ""
