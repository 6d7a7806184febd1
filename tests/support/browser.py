"""A signed-in Chromium page for the web UI's browser tests (Playwright driving Debian's chromium;
browsers cannot be downloaded here). The page fails its test on any script error or anything the
Content-Security-Policy had to block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.live import LiveLily


@contextmanager
def signed_in_page(sync_api: Any, chromium: str, lily: LiveLily, *, height: int = 980) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{lily.url}/login")
        page.fill("input[name=username]", lily.credentials["username"])
        page.fill("input[name=password]", lily.credentials["password"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{lily.url}/")
        yield page
        browser.close()
    assert not errors, errors  # no script error and nothing the policy had to block
