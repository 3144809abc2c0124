"""Helpers for the context document tests: run the demo once, read Markdown back."""

from __future__ import annotations

from dataraum_context.context.document import load_context

import asyncio
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from dataraum_context.config import load_settings
from dataraum_context.pipeline.runner import execute_run


def run_demo(workspace: Path, data: Path) -> dict[str, Any]:
    """Run the pipeline in-process (review deferred) and return the context document."""

    settings = load_settings(workspace=workspace, review="defer")
    settings.workspace.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(execute_run(settings, [str(data)]))
    assert outcome.status == "completed", outcome.error

    return load_context(settings)


def sections(markdown: str) -> dict[str, str]:
    """`## ` heading -> the text up to the next `## ` heading."""
    found: dict[str, str] = {}
    current = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:]
            found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


def tables(markdown: str) -> list[list[list[str]]]:
    """Every GFM table as parsed by markdown-it: rows of raw cell contents (header first)."""
    parsed: list[list[list[str]]] = []
    row: list[str] | None = None
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "table_open":
            parsed.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open") and row is not None:
            row.append("")
        elif token.type == "inline" and row is not None:
            row[-1] = token.content
        elif token.type == "tr_close" and row is not None:
            parsed[-1].append(row)
            row = None
    return parsed


def table_with(markdown: str, first_header: str, *more: str) -> list[dict[str, str]]:
    """The rows (as dicts) of the first table whose header starts with these names."""
    wanted = [first_header, *more]
    for table in tables(markdown):
        if table[0][: len(wanted)] == wanted:
            return [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    raise AssertionError(f"no table with header {wanted}")
