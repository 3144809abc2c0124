"""The review journey in a real browser: pause at the type gate, approve / reject / modify
(with the preview) in the page, resume in the background until the run completes; the
context document then equals the one from the same decisions given through the review
functions the CLI calls (pipeline.review) on a copy of the paused workspace."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from support import Server, context_of, demo_folder, in_thread, paused_workspace, pending_items, without_ids_and_times

# (target, what the person does)
APPROVE, REJECT, MODIFY_ORDER, MODIFY_TYPE = "orders.total_amount", "rev.code", "rev.day", "rev.amount"


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The demo data (plus a file with review-worthy types) paused at the type gate; and a
    copy of that paused workspace for the decisions given through the CLI functions."""
    from dataraum_context.config import load_settings

    base = tmp_path_factory.mktemp("journey")
    settings = paused_workspace(demo_folder(base / "data"), base / "ws-web")
    shutil.copytree(base / "ws-web", base / "ws-cli")
    return settings, load_settings(workspace=base / "ws-cli", review="block")


def _pending(settings: Any) -> dict[str, dict[str, Any]]:
    return {i["target"]: i for i in pending_items(settings)}


def _resume_until_done_web(page: Any, srv: Server, shots: Path) -> list[int]:
    """Press Resume; wait for the background job; at a later gate approve everything shown and resume again.
    Returns how many items were approved at each later gate."""
    from playwright.sync_api import expect

    later: list[int] = []
    for _ in range(4):
        page.goto(srv.url + "/review")
        page.get_by_role("button", name="Resume run").click()
        page.wait_for_url("**/jobs/*")
        if not later:
            page.screenshot(path=str(shots / "resume-progress.png"))  # usually still running
        srv.state.jobs.wait(timeout=300)  # explicit sync: the background resume has finished
        # the page refreshes itself while the job runs; the next refresh shows the end state
        expect(page.locator("#job")).not_to_have_attribute("data-state", "running", timeout=60_000)
        state = page.locator("#job").get_attribute("data-state")
        if state == "completed":
            # The whole run's progress: every stage of the flow marked done, the bar full.
            stages = page.locator("ol.stages li")
            assert stages.count() >= 7 and page.locator("ol.stages li.done").count() == stages.count()
            assert "the whole run: 100%" in page.locator("#job").inner_text()
            page.screenshot(path=str(shots / "resume-completed.png"))
            return later
        assert state == "paused", page.locator("#job").inner_text()
        page.goto(srv.url + "/review")
        boxes = page.locator("input[name=ids]")
        later.append(boxes.count())
        for i in range(boxes.count()):
            boxes.nth(i).check()
        page.get_by_role("button", name="Approve", exact=True).click()
        assert "approved" in page.locator(".flash").inner_text()
    raise AssertionError("the run did not complete after four resumes")


def test_review_in_the_browser_equals_the_cli(workspaces: tuple[Any, Any], browser: Any, shots: Path) -> None:
    web, cli = workspaces
    before = _pending(web)
    assert {APPROVE, REJECT, MODIFY_ORDER, MODIFY_TYPE} <= set(before), sorted(before)

    with Server(web) as srv:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(srv.url + "/")
        assert "paused" in page.locator("table.runs").inner_text()
        page.screenshot(path=str(shots / "runs.png"))

        page.goto(srv.url + "/tables/rev")  # before the decisions (the page's document is kept until the store changes)
        assert "VARCHAR" in page.locator(".col", has_text="day").first.inner_text()

        page.goto(srv.url + "/review")
        page.locator(".item", has_text=APPROVE).locator(".head").first.wait_for()
        row = page.locator(".item", has_text=APPROVE)
        assert row.get_by_text("#VALUE!").first.is_visible()  # the evidence (open on a short queue): failing values
        page.screenshot(path=str(shots / "review.png"), full_page=True)

        # approve one, reject another (with its reason): several at once go through the same form
        row.locator("input[name=ids]").check()
        page.get_by_role("button", name="Approve", exact=True).click()
        assert f"approved 1 item(s): {APPROVE}" in page.locator(".flash").inner_text()
        page.locator(".item", has_text=REJECT).locator("input[name=ids]").check()
        page.get_by_placeholder("reason (needed to reject)").fill("codes are text")
        page.get_by_role("button", name="Reject", exact=True).click()
        assert f"rejected 1 item(s): {REJECT}" in page.locator(".flash").inner_text()

        # modify the date order, after looking at its preview
        page.locator(".item", has_text=MODIFY_ORDER).get_by_role("link", name="details, modify, preview").click()
        page.locator("form[method=get] select[name=date_order]").select_option("dmy")
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("#preview").inner_text()
        assert "DATE" in preview and "of 200 values read" in preview, preview
        page.screenshot(path=str(shots / "review-item-preview.png"), full_page=True)
        page.get_by_role("button", name="Modify").click()
        assert f"modified {MODIFY_ORDER}: date_order=dmy" in page.locator(".flash").inner_text()

        # modify the type: the preview says what would be quarantined
        page.goto(srv.url + f"/review/{before[MODIFY_TYPE]['id']}")
        page.locator("form[method=get] input[name=type]").fill("DOUBLE")
        page.get_by_role("button", name="Preview").click()
        assert "would be quarantined" in page.locator("#preview").inner_text()
        page.locator("form#modify input[name=reason]").fill("measured")
        page.get_by_role("button", name="Modify").click()
        assert f"modified {MODIFY_TYPE}: type=DOUBLE" in page.locator(".flash").inner_text()

        later = _resume_until_done_web(page, srv, shots)
        page.goto(srv.url + "/")
        assert "completed" in page.locator("table.runs").inner_text()
        page.goto(srv.url + "/tables/rev")  # the kept document was replaced: the decided types show
        day = page.locator(".col", has_text="day").first.inner_text()
        assert "DATE" in day and "manual" in day, day

    # The same decisions through pipeline.review (what `dataraum review ...` calls), then resume.
    from dataraum_context.pipeline import review
    from dataraum_context.pipeline.runner import resume_run
    from dataraum_context.storage.engine import create_engine, session_factory

    async def decide(work: Any) -> None:
        engine = create_engine(cli.resolved_metadata_url)
        try:
            async with session_factory(engine).begin() as session:
                await work(session)
        finally:
            await engine.dispose()

    ids = {target: item["id"] for target, item in _pending(cli).items()}
    in_thread(lambda: decide(lambda s: review.approve(s, [ids[APPROVE]])))
    in_thread(lambda: decide(lambda s: review.reject(s, [ids[REJECT]], reason="codes are text")))
    in_thread(lambda: decide(lambda s: review.modify(s, ids[MODIFY_ORDER], ["date_order=dmy"], duckdb_path=cli.duckdb_path)))
    in_thread(lambda: decide(
        lambda s: review.modify(s, ids[MODIFY_TYPE], ["type=DOUBLE"], reason="measured", duckdb_path=cli.duckdb_path)
    ))
    outcome = in_thread(lambda: resume_run(cli))
    for count in later:
        assert outcome.status == "paused"
        assert len(_pending(cli)) == count
        in_thread(lambda: decide(lambda s: review.approve(s, [], all_pending=True)))
        outcome = in_thread(lambda: resume_run(cli))
    assert outcome.status == "completed", (outcome.status, outcome.error)

    doc_web, doc_cli = context_of(web), context_of(cli)
    columns = {(t["name"], c["name"]): c for t in doc_web["tables"] for c in t["columns"]}
    assert columns[("rev", "code")]["resolved_type"] == "VARCHAR"
    assert columns[("rev", "amount")]["resolved_type"] == "DOUBLE"
    assert columns[("rev", "day")]["resolved_type"] == "DATE"
    assert columns[("orders", "total_amount")]["type_decision"]["reviews"][0]["status"] == "approved"
    assert doc_web["run"]["status"] == "completed" and doc_web["review"]["pending"] == 0
    assert without_ids_and_times(doc_web) == without_ids_and_times(doc_cli)
