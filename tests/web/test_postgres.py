"""The web app on PostgreSQL metadata: the pages render and a decision made through the page lands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from support import Server, http, in_thread
from helpers import write_review_file


@pytest.mark.postgres
def test_pages_and_a_decision_on_postgres(tmp_path: Path, pg_url: str) -> None:
    from dataraum_context.config import load_settings

    data = tmp_path / "data"
    data.mkdir()
    write_review_file(data / "rev.csv")
    settings = load_settings(workspace=tmp_path / "ws", metadata_url=pg_url, review="block")
    settings = _paused(settings, data)
    with Server(settings) as srv:
        for path in ("/", "/review", "/tables", "/tables/rev"):
            status, html = http(srv.url + path)
            assert status == 200, (path, html[:300])
        status, html = http(srv.url + "/review")
        token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        ids = re.findall(r'name="ids" value="([0-9a-f-]{36})" form="bulk"', html)
        assert len(ids) == 3
        status, _ = http(srv.url + "/review/decide", {"ids": ids[0], "action": "reject", "reason": "text", "csrf": token})
        assert status == 303
        status, html = http(srv.url + "/review?status=rejected")
        assert "1 shown of" in html and "— text" in html


def _paused(settings: Any, data: Path) -> Any:
    from dataraum_context.pipeline.runner import execute_run

    settings.workspace.mkdir(parents=True, exist_ok=True)
    outcome = in_thread(lambda: execute_run(settings, [str(data)]))
    assert outcome.status == "paused", (outcome.status, outcome.error)
    return settings
