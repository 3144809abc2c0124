"""What the web app refuses: script from the data, requests without the CSRF token, other
Host headers, requests without the server's token, and listening beyond localhost without one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from support import Server, http, in_thread, paused_workspace, pending_items

EVIL_COLUMN = "<script>alert(1)</script>"
EVIL_VALUE = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A CSV whose column name and values are markup; the column needs review (15% garbage)."""
    base = tmp_path_factory.mktemp("evil")
    data = base / "data"
    data.mkdir()
    lines = [f'id,"{EVIL_COLUMN}",note']
    for i in range(1, 201):
        value = EVIL_VALUE if i % 20 < 3 else str(100 + i)
        lines.append(f'{i},"{value}","<b>bold</b> {i % 5}"')
    (data / "xss.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paused_workspace(data, base / "ws")


def _pending(settings: Any) -> list[dict[str, Any]]:
    return pending_items(settings)


def test_markup_from_the_data_is_shown_as_text(evil: Any, browser: Any, shots: Path) -> None:
    items = _pending(evil)
    assert any(EVIL_COLUMN in str(i["target"]) for i in items), items
    with Server(evil) as srv:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in ("/review", f"/review/{items[0]['id']}", "/tables", "/tables/xss"):
            page.goto(srv.url + path)
            page.wait_for_load_state("load")
            if path != "/tables":  # (the overview lists tables, not columns)
                assert page.get_by_text(EVIL_COLUMN).first.is_visible(), path
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content(), path
            assert page.locator("script, img").count() == 0, path
        page.goto(srv.url + "/review")
        assert page.get_by_text(EVIL_VALUE).first.is_visible()
        page.screenshot(path=str(shots / "xss-escaped.png"))
    assert dialogs == []


def test_csrf_host_and_token_refusals(evil: Any) -> None:
    before = _pending(evil)
    target = before[0]["id"]
    with Server(evil) as srv:
        for form in ({"ids": target, "action": "approve"}, {"ids": target, "action": "approve", "csrf": "forged"}):
            status, text = http(srv.url + "/review/decide", form)
            assert status == 403 and "CSRF" in text
        assert http(srv.url + "/resume", {"csrf": "forged"})[0] == 403
        assert http(srv.url + f"/review/{target}/modify", {"type": "BIGINT"})[0] == 403
        assert srv.state.jobs.jobs == {}
        assert _pending(evil) == before  # nothing changed

        # a page from another origin name (DNS rebinding) is refused
        assert http(srv.url + "/review", headers={"Host": "evil.example:80"})[0] == 403
        # GET does not change anything
        assert http(srv.url + "/review/decide")[0] >= 400

        # the page's own token works: the refusal above was the token's doing
        status, html = http(srv.url + "/review")
        token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        status, text = http(srv.url + "/review/decide", {"ids": target, "action": "reject", "csrf": token})
        assert status == 400 and "needs a reason" in text  # bad input: one clear line, nothing decided
        assert _pending(evil) == before
        status, _ = http(srv.url + "/review/decide", {"ids": target, "action": "approve", "csrf": token})
        assert status == 303
    assert target not in {i["id"] for i in _pending(evil)}

    with Server(evil, token="s3cret-token-for-tests", local_only=False) as srv:
        assert http(srv.url + "/")[0] == 403
        assert http(srv.url + "/?token=wrong-token-wrong-token")[0] == 403
        assert http(srv.url + "/?token=s3cret-token-for-tests")[0] == 200


def test_serve_beyond_localhost_needs_a_token(evil: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from dataraum_context.cli import main

    code = main(["serve", "--host", "0.0.0.0", "-w", str(evil.workspace)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "--token" in err, err


def test_an_unexpected_failure_is_one_line(evil: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataraum_context.web import data

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(data, "runs", broken)
    with Server(evil) as srv:
        status, text = http(srv.url + "/")
    assert status == 500 and text.startswith("unexpected error: boom (details in") and "\n" not in text
    assert "Traceback" in (evil.workspace / "logs" / "web-error.log").read_text()


def test_the_report_escapes_the_data_too(evil: Any, tmp_path: Path) -> None:
    import concurrent.futures

    from dataraum_context.cli import main

    out = tmp_path / "report.html"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(main, ["report", "-w", str(evil.workspace), "-o", str(out)]).result(timeout=300) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<b>bold" not in html
    # the column's name in its section, the note column's values in its top-values chart
    assert "<span>&lt;script&gt;alert(1)&lt;/script&gt;</span>" in html and "&lt;b&gt;bold&lt;/b&gt; 0" in html
