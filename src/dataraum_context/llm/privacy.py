"""What may leave the machine: the brief exactly as it will be sent.

`prepare_brief` runs right before every request is built (and before the cache key
is computed), whatever the caller put into the brief:

- values are sent only as samples: at most `MAX_SAMPLES` per column, each cut to
  `MAX_VALUE_CHARS` characters; string statistics are cut the same way and lists in
  statistics keep at most `MAX_SAMPLES` items;
- a column flagged PII (`ColumnBrief.is_pii`) sends no samples and only numeric
  statistics (counts, ratios, lengths) unless the user allowed PII samples
  (`llm_allow_pii_samples`): it is described by its name, pattern and statistics;
- as a second line of defence, a value that itself looks like personal data (e-mail,
  payment card passing Luhn, IBAN passing mod-97, phone number, IP address) is dropped
  from any column's samples and statistics, flagged or not, unless PII is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dataraum_context.detectors.patterns import PATTERNS_BY_NAME
from dataraum_context.llm.models import ColumnBrief, TableBrief

MAX_SAMPLES = 5
MAX_VALUE_CHARS = 64
_ELLIPSIS = "…"
_DROP = object()  # marker: a statistic that must not be sent


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _luhn_ok(value: str) -> bool:
    digits = [int(d) for d in _digits(value)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(value: str) -> bool:
    compact = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _phone_ok(value: str) -> bool:
    return 7 <= len(_digits(value)) <= 15


# The detectors' PII patterns (RE2 syntax that Python `re` also reads) and the extra
# checks the detectors run in SQL.
_PII_CHECKS: dict[str, Callable[[str], bool]] = {
    "email": lambda v: True,
    "ipv4": lambda v: True,
    "ipv6": lambda v: ":" in v and len(v) >= 3,
    "iban": _iban_ok,
    "card_number": _luhn_ok,
    "phone_us": lambda v: True,
    "phone_international": _phone_ok,
}
_PII_REGEXES: list[tuple[re.Pattern[str], Callable[[str], bool]]] = [
    (re.compile(PATTERNS_BY_NAME[name].regex), check) for name, check in _PII_CHECKS.items()
]


def looks_like_pii(value: str) -> bool:
    """Does this single value look like personal data (e-mail, card, IBAN, phone, IP)?"""
    text = value.strip()
    return any(regex.fullmatch(text) and check(text) for regex, check in _PII_REGEXES)


def _cut(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + _ELLIPSIS


def _clean_stat(value: Any, *, numeric_only: bool, allow_pii: bool) -> Any:
    """A statistic as it may be sent, or `_DROP`."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if numeric_only:
        return _DROP
    if isinstance(value, str):
        return _DROP if (not allow_pii and looks_like_pii(value)) else _cut(value)
    if isinstance(value, list | tuple):
        items = [_clean_stat(v, numeric_only=False, allow_pii=allow_pii) for v in value[:MAX_SAMPLES]]
        return [v for v in items if v is not _DROP]
    if isinstance(value, dict):
        out = {
            str(k): _clean_stat(v, numeric_only=False, allow_pii=allow_pii) for k, v in list(value.items())[:20]
        }
        return {k: v for k, v in out.items() if v is not _DROP}
    return _cut(str(value))


def prepare_column(column: ColumnBrief, *, allow_pii: bool) -> ColumnBrief:
    """The column as it may be sent (see the module docstring)."""
    withhold = column.is_pii and not allow_pii
    samples: list[str] = []
    if not withhold:
        for value in column.sample_values:
            if len(samples) == MAX_SAMPLES:
                break
            if not allow_pii and looks_like_pii(str(value)):
                continue
            samples.append(_cut(str(value)))
    stats = {}
    for key, value in column.stats.items():
        clean = _clean_stat(value, numeric_only=withhold, allow_pii=allow_pii)
        if clean is not _DROP:
            stats[str(key)] = clean
    return column.model_copy(update={"sample_values": samples, "stats": stats})


def prepare_brief(brief: TableBrief, *, allow_pii: bool) -> TableBrief:
    """The table brief as it may be sent: samples capped and cut, PII withheld."""
    return brief.model_copy(
        update={"columns": [prepare_column(c, allow_pii=allow_pii) for c in brief.columns]}
    )
