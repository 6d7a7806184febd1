"""The PII review page: detected tags with confidence and source, Confirm / Reject by role (CSRF),
confirmed and rejected lists, tenant isolation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lily.auth.rbac import ROLE_PERMISSIONS, Permission
from lily.demo import s3
from lily.model import ChangeSet, DetectedTag, Role, SyncDetectedClassifications, asset_id
from lily.store import catalog
from tests.web.conftest import Web, csrf_of

EXPORT = s3("users")


def detect(web: Web, tenant: str = "default") -> None:
    evidence = {"pipeline": "crm", "process_date": "2024-01-01", "recognizer": "email_regex", "hit_rate": 0.98,
                "sample_size": 500}
    web.store.apply(ChangeSet(tenant_id=tenant, actor="pipeline:crm", at=datetime(2024, 1, 1, tzinfo=UTC),
                              operations=[SyncDetectedClassifications(ref=EXPORT, detector="lily.classify", found=[
                                  DetectedTag(field="email", tag="PII.email", confidence=0.93, evidence=evidence),
                                  DetectedTag(field="phone", tag="PII.phone", confidence=0.61, evidence=evidence)])]))


def pending(html: str) -> list[tuple[str, str]]:
    table = html.split('id="pii-pending"')[1].split("</table>")[0]
    return re.findall(r'data-tag="([^"]+)" data-column="([^"]*)"', table)


def section(html: str, name: str) -> str:
    return html.split(f'id="pii-{name}"')[1].split("</ul>")[0]


def status_of(web: Web, column: str, tag: str, tenant: str = "default") -> str | None:
    with web.store.read() as conn:
        tags = catalog.classifications_of(conn, tenant, [asset_id(tenant, EXPORT.column(column))])
    found = [c for c in tags if c.tag == tag and c.source.value == "detected"]
    return found[0].status.value if found and found[0].status else None


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_detections_and_only_reviewers_get_buttons(web: Web, role: Role) -> None:
    detect(web)
    resp = web.as_role(role).get("/pii")
    assert resp.status_code == 200, resp.text[:300]
    assert pending(resp.text) == [("PII.email", "email"), ("PII.phone", "phone")]  # most confident first
    assert "93 %" in resp.text and "61 %" in resp.text
    assert "pipeline crm (2024-01-01)" in resp.text
    may = Permission.CLASSIFY in ROLE_PERMISSIONS[role]
    assert ('action="/pii/' in resp.text) == may
    assert ('href="/pii"' in resp.text)  # in the navigation for everyone who may read


def test_empty_state_says_what_to_do(web: Web) -> None:
    html = web.as_role(Role.ADMIN).get("/pii").text
    assert pending(html) == [] and "Nothing awaiting review" in html and "pipeline run" in html


def test_confirm_moves_it_to_confirmed_and_the_asset_keeps_it(web: Web) -> None:
    detect(web)
    client = web.as_role(Role.DATA_ENGINEER)
    page = client.get("/pii").text
    target = asset_id("default", EXPORT.column("email"))
    resp = client.post(f"/pii/{target}/confirm", data={"tag": "PII.email", "csrf_token": csrf_of(page)},
                       follow_redirects=False)
    assert resp.status_code == 303
    html = client.get(resp.headers["location"]).text
    assert "Classification confirmed." in html
    assert pending(html) == [("PII.phone", "phone")]
    assert "PII.email" in section(html, "confirmed")
    assert status_of(web, "email", "PII.email") == "confirmed"
    # The asset page shows the kept tag on the column.
    asset_html = client.get(f"/assets/{asset_id('default', EXPORT)}").text
    assert "PII.email" in asset_html


def test_reject_removes_it_and_lists_it_as_rejected(web: Web) -> None:
    detect(web)
    client = web.as_role(Role.ADMIN)
    target = asset_id("default", EXPORT.column("phone"))
    resp = client.post(f"/pii/{target}/reject", data={"tag": "PII.phone", "csrf_token": csrf_of(client.get("/pii").text)},
                       follow_redirects=False)
    assert resp.status_code == 303
    html = client.get("/pii").text
    assert pending(html) == [("PII.email", "email")]
    assert "PII.phone" in section(html, "rejected") and "admin-default" in section(html, "rejected")
    assert status_of(web, "phone", "PII.phone") is None


def test_the_server_refuses_reviews_from_roles_without_classify_and_without_csrf(web: Web) -> None:
    detect(web)
    target = asset_id("default", EXPORT.column("email"))
    viewer = web.as_role(Role.VIEWER)
    resp = viewer.post(f"/pii/{target}/confirm", data={"tag": "PII.email", "csrf_token": csrf_of(viewer.get("/pii").text)})
    assert resp.status_code == 403 and Permission.CLASSIFY.value in resp.text
    steward = web.as_role(Role.DATA_ENGINEER)
    assert steward.post(f"/pii/{target}/confirm", data={"tag": "PII.email"}).status_code == 403  # no CSRF token
    assert status_of(web, "email", "PII.email") == "suggested"


def test_another_tenants_detections_are_neither_shown_nor_reviewable(web: Web) -> None:
    detect(web, tenant="other")
    client = web.as_role(Role.ADMIN)
    html = client.get("/pii").text
    assert pending(html) == []
    other = asset_id("other", EXPORT.column("email"))
    resp = client.post(f"/pii/{other}/confirm", data={"tag": "PII.email", "csrf_token": csrf_of(html)})
    assert resp.status_code == 404
    assert status_of(web, "email", "PII.email", tenant="other") == "suggested"
