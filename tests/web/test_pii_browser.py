"""In Debian's chromium (Playwright) against ``lily serve --demo``: confirm a column the demo CRM
pipeline detected as PII on the PII page, then see the tag on the asset page; takes
docs/images/pii.png."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import signed_in_page
from tests.support.live import LiveLily

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "pii.png"


@pytest.fixture(scope="module")
def lily(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    with LiveLily(tmp_path_factory.mktemp("lily"), demo=True) as server:
        yield server


def test_confirm_a_detected_pii_column_and_see_it_on_the_asset(lily: LiveLily) -> None:
    with signed_in_page(sync_api, CHROMIUM, lily, height=900) as page:
        # The demo CRM pipeline runs in the background after start: wait for its detections.
        deadline = time.monotonic() + 180
        while True:
            page.goto(f"{lily.url}/pii")
            if page.locator("#pii-pending tr[data-tag]").count():
                break
            assert time.monotonic() < deadline, "the demo pipeline detected no PII"
            time.sleep(2)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        row = page.locator("#pii-pending tr[data-tag]").first
        tag, column = row.get_attribute("data-tag"), row.get_attribute("data-column")
        dataset_href = row.locator("a").first.get_attribute("href")
        row.locator("button", has_text="Confirm").click()
        page.wait_for_url(f"{lily.url}/pii?done=confirmed")
        assert tag in page.inner_text("#pii-confirmed")
        page.goto(f"{lily.url}{dataset_href}")
        schema = page.inner_text("main")
        assert tag in schema and column in schema
