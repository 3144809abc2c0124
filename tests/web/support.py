"""Helpers for the browser tests: a paused demo workspace, an in-process server, a browser."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest

from helpers import write_review_file

ROOT = Path(__file__).resolve().parents[2]
DEMO_DATA = ROOT / "examples" / "demo" / "data"


def in_thread(factory: Callable[[], Any]) -> Any:
    """Run `asyncio.run(factory())` in a fresh thread (Playwright's sync API owns this thread's loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result(timeout=600)


def pending_items(settings: Any) -> list[dict[str, Any]]:
    """The workspace's open review items, read through the review API."""
    from dataraum_context.pipeline import review
    from dataraum_context.storage.engine import create_engine, session_factory

    async def go() -> list[dict[str, Any]]:
        engine = create_engine(settings.resolved_metadata_url)
        try:
            async with session_factory(engine)() as session:
                return await review.list_items(session, include_decided=False)
        finally:
            await engine.dispose()

    return in_thread(go)


def chromium_path() -> str:
    """Debian's chromium, or a skip with the reason (a failure when CI=true)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install '.[test]')"
    if found is None and reason is None:
        reason = "no chromium found (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the browser tests must run, but {reason}")
        pytest.skip(reason)
    return found  # type: ignore[return-value]


def demo_folder(target: Path) -> Path:
    """The demo data plus `rev.csv` (a file whose types need review: reject, modify type, modify date order)."""
    shutil.copytree(DEMO_DATA, target)
    write_review_file(target / "rev.csv")
    return target


def paused_workspace(data: Path, workspace: Path) -> Any:
    """Run the flow with review=block: it pauses at the type gate."""
    from dataraum_context.config import load_settings
    from dataraum_context.pipeline.runner import execute_run

    settings = load_settings(workspace=workspace, review="block")
    settings.workspace.mkdir(parents=True, exist_ok=True)
    outcome = in_thread(lambda: execute_run(settings, [str(data)]))
    assert outcome.status == "paused", (outcome.status, outcome.error, outcome.message)
    return settings


def context_of(settings: Any) -> dict[str, Any]:
    from dataraum_context.context.document import load_context

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(load_context, settings).result(timeout=300)


def without_ids_and_times(value: Any) -> Any:
    """The document without what differs between two equal workspaces: ids, times, where it lives."""
    if isinstance(value, dict):
        return {
            k: without_ids_and_times(v) for k, v in value.items()
            if k not in ("at", "review_id", "id", "started_at", "finished_at", "generated_at")
        }
    if isinstance(value, list):
        return [without_ids_and_times(v) for v in value]
    return value


class Server:
    """The web app served by uvicorn in a thread of this process."""

    def __init__(self, settings: Any, **options: Any) -> None:
        import uvicorn

        from dataraum_context.web.app import create_app

        self.app = create_app(settings, **options)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="dataraum-web", daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=120)

    @property
    def state(self) -> Any:
        return self.app.state.web


def http(url: str, data: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """GET (or POST `data` as a form) without following redirects: (status, body)."""
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
