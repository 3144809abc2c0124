"""Currency codes and symbols shared by the pattern and unit detectors."""

from __future__ import annotations

import re

#: ISO 4217 codes the detectors recognise (the ~40 most traded currencies).
CURRENCY_CODES: tuple[str, ...] = (
    "USD", "EUR", "GBP", "JPY", "CHF", "CNY", "CAD", "AUD", "NZD", "SEK",
    "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "RUB", "TRY", "INR",
    "BRL", "MXN", "ZAR", "KRW", "SGD", "HKD", "TWD", "THB", "IDR", "MYR",
    "PHP", "ILS", "AED", "SAR", "ARS", "CLP", "COP", "EGP", "NGN", "VND",
)  # fmt: skip

#: Currency symbols -> ISO code. Ambiguous symbols are resolved to the most common
#: currency (`$` -> USD, `¥` -> JPY, `kr` is left out because it is SEK/NOK/DKK).
CURRENCY_SYMBOLS: dict[str, str] = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "฿": "THB",
    "₫": "VND",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "zł": "PLN",
    "Kč": "CZK",
}


def currency_code(token: str) -> str | None:
    """The ISO code a unit token stands for (`'$'` -> `'USD'`, `'eur'` -> `'EUR'`), or None."""
    t = token.strip()
    if t in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[t]
    if t.upper() in CURRENCY_CODES and t.isalpha():
        return t.upper()
    return None


def currency_regex() -> str:
    """RE2 alternation matching one currency symbol or ISO code (codes case-insensitive)."""
    multi = sorted((s for s in CURRENCY_SYMBOLS if len(s) > 1), key=len, reverse=True)
    single = "".join(re.escape(s) for s in CURRENCY_SYMBOLS if len(s) == 1)
    parts = [re.escape(s) for s in multi] + [f"[{single}]", "(?i:" + "|".join(CURRENCY_CODES) + ")"]
    return "(?:" + "|".join(parts) + ")"
