"""`dataraum report` opens offline (nothing leaves the page), and the tables pages show
profiles as charts, the relationships diagram and the quality of each table."""

from __future__ import annotations

import concurrent.futures
import re
from pathlib import Path
from typing import Any

import pytest

from support import Server, demo_folder, in_thread


@pytest.fixture(scope="module")
def deferred(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo data (plus a file with review-worthy types) run with review=defer: completed, items left open."""
    from dataraum_context.config import load_settings
    from dataraum_context.pipeline.runner import execute_run

    base = tmp_path_factory.mktemp("deferred")
    data = demo_folder(base / "data")
    settings = load_settings(workspace=base / "ws", review="defer")
    settings.workspace.mkdir(parents=True)
    outcome = in_thread(lambda: execute_run(settings, [str(data)]))
    assert outcome.status == "completed", (outcome.status, outcome.error)
    return settings


def test_report_is_one_file_that_opens_offline(deferred: Any, browser: Any, shots: Path, tmp_path: Path) -> None:
    from dataraum_context.cli import main

    out = tmp_path / "report.html"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        code = pool.submit(main, ["report", "-w", str(deferred.workspace), "-o", str(out)]).result(timeout=300)
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    left: list[str] = []

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert left == [] and all(url.startswith("file://") for url in requested), requested
    for table in ("customers", "orders", "order_items", "products", "shipments", "rev"):
        assert page.locator(f"h2:text-is('Table {table}')").is_visible()
    assert page.locator("svg.diagram line").count() >= 4  # the demo's foreign keys
    assert page.locator("section svg.chart").count() > 10  # histograms, top values, trends
    assert "Open review items (" in page.content() and page.locator("#review ~ .item").count() >= 1
    page.screenshot(path=str(shots / "report.png"))


def test_tables_pages_show_profiles_relationships_and_quality(deferred: Any, browser: Any, shots: Path) -> None:
    with Server(deferred) as srv:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(srv.url + "/tables")
        assert page.locator("svg.diagram line").count() >= 4
        assert page.locator("table.grid a", has_text="orders").first.is_visible()
        page.screenshot(path=str(shots / "tables.png"), full_page=True)
        page.locator("table.grid a", has_text="orders").first.click()
        page.wait_for_url("**/tables/orders")
        assert page.locator(".col").count() == 7
        amount = page.locator(".col", has_text="total_amount")
        assert "DECIMAL(9,2)" in amount.inner_text() and "quarantined" in amount.inner_text()
        assert amount.locator("svg.chart").count() == 1  # its histogram
        assert page.locator(".col", has_text="status").locator("svg.chart text", has_text="shipped").count() == 1
        assert page.locator(".item", has_text="orders.total_amount").count() == 1  # its open (deferred) item
        # each relationship says what kind it is: a foreign key is not a within-table hierarchy
        assert page.locator("table.grid tr", has_text="customers.customer_id").first.locator("td", has_text="foreign key").count() == 1
        page.screenshot(path=str(shots / "table.png"), full_page=True)
