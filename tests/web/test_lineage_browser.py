"""The lineage explorer in a real browser (Debian's chromium driven by Playwright) against
``lily serve --demo``: the graph is drawn from the server's positions, a click expands a node, a tag's
path is highlighted, and the screenshot in docs/images/lineage.png is taken here."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lily.demo import pg, s3, sf
from lily.model import AssetRef, asset_id
from tests.support.browser import signed_in_page
from tests.support.live import LiveLily

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "lineage.png"
DASHBOARD = AssetRef(namespace="looker://deltaarc.looker.com", name="dashboards/customer_360")


def _propagated(lily: LiveLily) -> bool:
    # The server's propagation thread copies the demo's PII tags downstream shortly after start.
    r = httpx.get(f"{lily.url}/api/v1/assets/{asset_id('default', sf('DIM_USERS').column('EMAIL'))}/classifications",
                  headers={"Authorization": f"Bearer {lily.api_key}"}, timeout=10)
    return r.status_code == 200 and "PII.email" in r.text


@pytest.fixture(scope="module")
def lily(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    with LiveLily(tmp_path_factory.mktemp("lily"), demo=True) as server:
        deadline = time.monotonic() + 60
        while not _propagated(server):
            assert time.monotonic() < deadline, "the demo's tags never propagated"
            time.sleep(0.5)
        yield server


@pytest.fixture
def page(lily: LiveLily) -> Iterator[object]:
    with signed_in_page(sync_api, CHROMIUM, lily) as page:
        yield page


def _ready(page, when: str = "true") -> None:
    # Functions, not strings: the page's policy forbids eval, which string predicates use.
    page.wait_for_function(f"() => window.lilyGraph && window.lilyGraph.ready && ({when})", timeout=20_000)


def _classes(page, element_id: str) -> list[str]:
    return page.evaluate("(id) => window.lilyCy.getElementById(id).classes()", element_id)


def test_expand_a_node_and_highlight_a_tag_path(lily: LiveLily, page) -> None:
    root, users, dim = (str(asset_id("default", r)) for r in (s3("users"), pg("users"), sf("DIM_USERS")))
    dashboard = str(asset_id("default", DASHBOARD))
    page.goto(f"{lily.url}/lineage/{root}")
    _ready(page)
    drawn = page.evaluate("() => window.lilyCy.nodes().map(n => n.id())")
    assert set(drawn) == {root, users, dim}  # one up, one down
    # The browser draws the server's positions as they are (preset layout).
    served = httpx.get(f"{lily.url}/lineage/{root}/graph.json",
                       cookies={c["name"]: c["value"] for c in page.context.cookies()}).json()
    positions = {e["data"]["id"]: e["position"] for e in served["elements"] if "position" in e}
    assert page.evaluate("(id) => window.lilyCy.getElementById(id).position()", dim) == positions[dim]

    # Click the Snowflake model: its own downstream (the dashboard) opens, and the URL keeps it.
    box = page.locator("#lineage-graph").bounding_box()
    at = page.evaluate("(id) => window.lilyCy.getElementById(id).renderedPosition()", dim)
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    _ready(page, f"window.lilyCy.getElementById('{dashboard}').nonempty()")
    assert f"x={dim}" in page.url
    assert "expanded" in _classes(page, dim)
    assert "DIM_USERS" in page.inner_text("#node-panel")  # what was clicked, with its links

    # Highlight the path PII.email travelled: PostgreSQL users -> S3 export -> Snowflake DIM_USERS.
    options = page.eval_on_selector_all("#tag-select option", "(os) => os.map(o => [o.value, o.textContent])")
    email = next(v for v, label in options if label.startswith("PII.email on ANALYTICS.PUBLIC.DIM_USERS"))
    page.select_option("#tag-select", email)
    _ready(page, "window.lilyCy.edges('.path').length > 0")
    lit = page.evaluate("() => window.lilyCy.edges('.path').map(e => [e.source().id(), e.target().id()])")
    assert sorted(lit) == sorted([[users, root], [root, dim]])
    assert f"tag={email}" in page.url
    assert sorted(page.evaluate("() => window.lilyCy.nodes('.path').map(n => n.id())")) == sorted([users, root, dim])

    # Reloading the URL brings the same view back (state is in the URL).
    page.reload()
    _ready(page, "window.lilyCy.edges('.path').length > 0")
    assert page.evaluate("() => window.lilyCy.nodes().length") == 4

    # The screenshot of docs/images: everything that feeds the Customer 360 dashboard, with the
    # email's path to it lit and the masking edge of FACT_TRANSACTIONS drawn dashed.
    page.goto(f"{lily.url}/lineage/{dashboard}?up=3&down=0")
    _ready(page)
    options = page.eval_on_selector_all("#tag-select option", "(os) => os.map(o => [o.value, o.textContent])")
    page.select_option("#tag-select", next(v for v, label in options if label.startswith("PII.email on Customer 360")))
    _ready(page, "window.lilyCy.edges('.path').length === 3")
    assert page.evaluate("() => window.lilyCy.edges('.masking').length") == 1
    assert page.evaluate("() => window.lilyCy.nodes().length") == 10
    at = page.evaluate("(id) => window.lilyCy.getElementById(id).renderedPosition()", dim)
    box = page.locator("#lineage-graph").bounding_box()
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])  # open DIM_USERS: nothing new, the panel fills
    _ready(page, f"window.location.search.includes('{dim}')")
    assert "DIM_USERS" in page.inner_text("#node-panel")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000
