"""Browser tests: a real headless Chromium (Debian's `chromium`) driven by Playwright.

They skip with the reason when Playwright or Chromium is missing, except with CI=true.
Screenshots go to docs/screenshots/ when DATARAUM_SCREENSHOTS=1, else to a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from support import ROOT, chromium_path


@pytest.fixture(scope="module")
def browser() -> Any:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("DATARAUM_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("shots")
