"""The web UI in a real browser: Debian's chromium driven by Playwright against ``lily serve --demo``.

The acceptance flows of the UI: sign in; search and open an asset; add ``PII.email`` to the demo's
PostgreSQL ``users.email`` after its preview, and see, without reloading, the propagated tag on the
downstream S3 and Snowflake columns and the Snowflake masking statement under deliveries; a signed
Monte Carlo webhook's incident appearing on the home page; an invalid rule's error inline; a viewer
without edit controls whose forged POST is refused; sign out. Screenshots go to docs/images/.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lily.demo import pg, s3, sf
from lily.inbound.sources.monte_carlo import SIGNATURE_HEADER, sign
from lily.model import asset_id
from lily.store.incidents import incident_id
from tests.incidents.conftest import INCIDENT, sample
from tests.support.live import LiveLily

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SF = "snowflake://deltaarc-prod"
SECRET = "monte-carlo-webhook-secret-for-tests"
USERS, USERS_EMAIL = asset_id("default", pg("users")), asset_id("default", pg("users").column("email"))
S3_USERS = asset_id("default", s3("users"))
DIM_USERS, DIM_EMAIL = asset_id("default", sf("DIM_USERS")), asset_id("default", sf("DIM_USERS").column("EMAIL"))
PII_RULE = {"rule_id": "pii-mask", "rule_type": "masking",
            "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
            "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": ["PII_READER"]}}]}


def _api(lily: LiveLily, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{lily.url}/api/v1{path}", headers={"Authorization": f"Bearer {lily.api_key}"},
                         timeout=15, **kwargs)  # type: ignore[arg-type]


def _tags(lily: LiveLily, aid: object) -> set[str]:
    return {t["tag"] for t in _api(lily, "GET", f"/assets/{aid}/classifications").json()}


def _until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def lily(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    """The demo, a Snowflake target (recording connection) and a rule masking PII.* columns; the demo's
    PII.email on users.email removed again, so the browser adds it."""
    with LiveLily(tmp_path_factory.mktemp("lily"), demo=True, env={"LILY_WORKER_POLL_S": "0.1"}) as server:
        _until(lambda: "PII.email" in _tags(server, DIM_EMAIL), "the demo's tags to propagate")
        assert _api(server, "POST", "/targets", json={
            "name": "snowflake", "kind": "snowflake",
            "config": {"namespaces": [SF], "connection": "recording", "policy_schema": "GOV.POLICIES"}}).status_code == 201
        assert _api(server, "POST", "/security/rules", json=PII_RULE).status_code == 201
        assert _api(server, "DELETE", f"/assets/{USERS_EMAIL}/classifications/PII.email").status_code == 204
        _until(lambda: "PII.email" not in _tags(server, DIM_EMAIL), "the removal to propagate")
        yield server


@pytest.fixture
def browser(lily: LiveLily) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _page(browser, lily: LiveLily, username: str | None = None, password: str | None = None):
    """A signed-in page (the admin unless told otherwise) that records script and policy errors."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{lily.url}/")
    assert "/login" in page.url  # not signed in: the login page
    page.fill("#username", username or lily.credentials["username"])
    page.fill("#password", password or lily.credentials["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{lily.url}/")
    return page


def test_search_then_tag_with_preview_propagates_and_masks_live(browser, lily: LiveLily) -> None:
    # Two more tabs stay open and are never reloaded: the S3 export and the deliveries.
    downstream = _page(browser, lily)
    downstream.goto(f"{lily.url}/assets/{S3_USERS}")
    deliveries = _page(browser, lily)
    deliveries.goto(f"{lily.url}/governance")

    page = _page(browser, lily)
    page.click("nav >> text=Search")
    page.fill("#q", "users")
    page.wait_for_selector("#result-count:has-text('for “users”')")
    assert page.url.endswith("/search?q=users")  # the address is the page's, not the fragment's
    page.wait_for_timeout(300)  # htmx settles the swapped results (and restores the box's focus)
    page.locator("#q").press("ArrowDown")  # keyboard navigation into the results
    page.wait_for_function("() => document.activeElement.hasAttribute('data-keynav-item')", timeout=5_000)
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.activeElement === document.querySelectorAll('#result-list a')[1]",
                           timeout=5_000)
    page.check("input[name=system][value='postgres://db.deltaarc.internal:5432']")
    page.wait_for_function("() => document.querySelectorAll('#result-list a').length >= 1 && "
                           "!document.body.textContent.includes('ANALYTICS.PUBLIC')")
    page.screenshot(path=str(IMAGES / "search.png"))
    page.click(f"#result-list a[href='/assets/{USERS}']")
    page.wait_for_url(f"{lily.url}/assets/{USERS}")

    page.select_option("#tag-target", str(USERS_EMAIL))
    page.fill("#tag-name", "PII.email")
    page.click("#tag-preview-button")
    preview = page.wait_for_selector("#preview-result")
    text = preview.inner_text()
    assert "s3://delta-arc-lake/exports/users#email" in text and "ANALYTICS.PUBLIC.DIM_USERS#EMAIL" in text
    assert "mask EMAIL (hash)" in text  # the enforcement preview
    page.screenshot(path=str(IMAGES / "asset.png"), full_page=True)
    page.click("#tag-confirm")
    page.wait_for_selector("#col-email [data-tag='PII.email'][data-source='direct']")

    # Live, without reloading: the propagated chip downstream, the masking statement under deliveries.
    downstream.wait_for_selector("#col-email [data-tag='PII.email'][data-source='propagated']", timeout=30_000)
    deliveries.wait_for_function(
        "() => Array.from(document.querySelectorAll('#deliveries tr[data-object=\"ANALYTICS.PUBLIC.DIM_USERS\"] "
        "pre.statements')).some(p => p.textContent.includes('MASKING POLICY') && p.textContent.includes('EMAIL'))",
        timeout=30_000)
    assert "PII.email" in _tags(lily, DIM_EMAIL)
    dim = _page(browser, lily)
    dim.goto(f"{lily.url}/assets/{DIM_USERS}")
    chip = dim.wait_for_selector("#col-EMAIL [data-tag='PII.email'][data-source='propagated']")
    assert "shop.public.users" in (chip.inner_html())  # origin linked from the chip
    for p in (page, downstream, deliveries, dim):
        assert not p.errors, p.errors


def test_monte_carlo_incident_appears_on_home(browser, lily: LiveLily) -> None:
    assert _api(lily, "PUT", "/sources/monte-carlo/config", json={"secret": SECRET}).status_code == 200
    home = _page(browser, lily)
    body = json.dumps(sample("montecarlo_webhook_anomaly_incident_abbrev.json")).encode()
    resp = httpx.post(f"{lily.url}/api/v1/webhooks/monte-carlo?tenant=default", content=body, timeout=15,
                      headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, SECRET)})
    assert resp.status_code in (200, 202), resp.text
    link = f"#home-incidents a[href='/incidents/{incident_id('default', 'monte_carlo', INCIDENT)}']"
    home.wait_for_selector(link, timeout=30_000)  # no reload: the live stream
    home.screenshot(path=str(IMAGES / "home.png"))
    home.click(link)
    home.wait_for_selector("text=Blast radius")
    assert not home.errors, home.errors


def test_invalid_rule_shows_its_error_inline(browser, lily: LiveLily) -> None:
    page = _page(browser, lily)
    page.goto(f"{lily.url}/governance")
    page.click("#new-rule")
    bad = {**PII_RULE, "rule_id": "bad", "conditions": [{"field": "classification", "operator": "like",
                                                         "value": "PII.*"}]}
    page.fill("#rule", json.dumps(bad, indent=2))
    page.click("#save-rule")
    errors = page.wait_for_selector("#rule-errors")
    assert "unknown operator" in errors.inner_text() and "conditions.0.operator" in errors.inner_text()
    assert page.get_attribute("#rule", "aria-invalid") == "true"
    assert not page.errors, page.errors


def test_viewer_sees_no_edit_controls_and_a_forged_post_is_refused_then_logout(browser, lily: LiveLily) -> None:
    assert _api(lily, "POST", "/users", json={"username": "vera", "password": "viewer-password",
                                              "role": "viewer"}).status_code == 201
    page = _page(browser, lily, "vera", "viewer-password")
    page.goto(f"{lily.url}/assets/{USERS}")
    page.wait_for_selector("#schema")
    assert page.locator("#tag-form").count() == 0
    assert page.locator("text=Edit the description").count() == 0
    assert page.locator("nav >> text=Governance").count() == 0
    # The browser's own cookies, no CSRF token: refused.
    forged = page.request.post(f"{lily.url}/assets/{USERS}/tags",
                               form={"target": str(USERS_EMAIL), "tag": "PII.forged"})
    assert forged.status == 403
    assert "PII.forged" not in _tags(lily, USERS_EMAIL)
    page.click("#logout")
    page.wait_for_url(f"{lily.url}/login")
    page.goto(f"{lily.url}/assets/{USERS}")
    assert "/login" in page.url
    assert not page.errors, page.errors
