"""`dataraum report`: the context as one self-contained HTML file.

Rendered from the web app's templates with `static=True` (no forms, no links to the
server): inline CSS, inline SVG charts, no script and no external reference, so it opens
offline and can be mailed around.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.web import data
from dataraum_context.web.render import render


async def render_report(session: AsyncSession) -> str:
    doc = await data.document(session)
    trends = await data.table_trends(session)
    sections: list[dict[str, Any]] = []
    for table in doc["tables"]:
        name = table["name"]
        rels = [r for r in doc.get("relationships") or [] if name in (r.get("from_table"), r.get("to_table"))]
        sections.append({"table": table, "extras": await data.table_extras(session, name), "rels": rels})
    queue = await data.review_queue(session)
    runs = await data.runs(session, limit=20)
    return render(
        "report.html", static=True, csrf="", flash=None, running_job=None, request_path="", doc=doc, trends=trends,
        sections=sections, open_items_all=queue["items"], runs=runs,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
