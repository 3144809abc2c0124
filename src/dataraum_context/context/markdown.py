"""Rendering the context document as Markdown for people and agents."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: dict[str, Any]) -> str:
    lines: list[str] = ["# Data context", ""]
    run = doc.get("run")
    if run:
        lines.append(f"Run `{run['id']}`: **{run['status']}**.")
    else:
        lines.append("No run yet.")
    tables = doc.get("tables") or []
    lines += ["", "## Overview", "", f"{len(tables)} table(s).", ""]
    lines += ["| table | rows | rejected rows | columns |", "|---|---:|---:|---:|"]
    for table in tables:
        lines.append(
            f"| {_cell(table['name'])} | {_cell(table['row_count'])} | {_cell(table.get('rejected_rows'))} "
            f"| {len(table['columns'])} |"
        )
    for table in tables:
        lines += ["", f"## Table `{table['name']}`", ""]
        lines.append(f"Source: {_cell(table.get('source'))} ({_cell(table.get('source_type'))}), "
                     f"{_cell(table['row_count'])} rows.")
        lines += ["", "| column | raw type | resolved type | nulls | distinct |", "|---|---|---|---:|---:|"]
        for column in table["columns"]:
            lines.append(
                f"| {_cell(column['name'])} | {_cell(column.get('raw_type'))} | {_cell(column['resolved_type'])} "
                f"| {_cell(column['null_count'])} | {_cell(column['distinct_count'])} |"
            )
    review = doc.get("review") or {}
    lines += ["", "## Review", "", f"Pending review items: {review.get('pending', 0)}.", ""]
    return "\n".join(lines)
