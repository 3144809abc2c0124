"""The Jinja2 environment shared by the web app and the report (autoescape always on)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dataraum_context.web import charts

TEMPLATES = Path(__file__).parent / "templates"


def _pct(value: Any) -> str:
    return f"{float(value) * 100:.1f}%" if isinstance(value, (int, float)) else "–"


def _num(value: Any) -> str:
    """`10001.0` -> `10,001`, `1685.5` -> `1,685.50`, `0.12345` -> `0.1235`; never an exponent for everyday sizes."""
    return charts.number(value)


def _show(value: Any) -> str:
    """A data value as a person reads it: text as is (quoted when it has edge spaces or is
    empty), other values as JSON. Escaping is left to autoescape."""
    if isinstance(value, str):
        return repr(value) if (value != value.strip() or not value) else value
    return json.dumps(value, ensure_ascii=False, default=str)


def _when(value: Any) -> str:
    """An ISO time as `2026-11-30 12:00:45 UTC`."""
    text = str(value or "")
    return f"{text[:19].replace('T', ' ')} UTC" if len(text) >= 19 else text


def _sample(value: Any) -> str:
    """A failing row of a quality rule as a person reads it: `row 3: email=x` (`row 3: x` for one value)."""
    if not isinstance(value, dict):
        return _show(value)
    row = value.get("_row_id")
    rest = {k: v for k, v in value.items() if k != "_row_id"}
    shown = _show(next(iter(rest.values()))) if len(rest) == 1 else ", ".join(f"{k}={_show(v)}" for k, v in rest.items())
    return f"row {row}: {shown}" if row is not None else shown


def _short_id(value: Any) -> str:
    return str(value or "")[:8]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, num=_num, when=_when, sample=_sample, show=_show, short_id=_short_id, urlpart=lambda v: quote(str(v), safe=""))
    env.globals.update(charts=charts)
    return env


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values)
