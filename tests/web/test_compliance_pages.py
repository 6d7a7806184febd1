"""The compliance page: the report (Art. 30 record, inventory, findings, audit trail) in the UI's
layout, its downloads, by role and tenant."""

from __future__ import annotations

import pytest

from lily.auth.rbac import ROLE_PERMISSIONS, Permission
from lily.demo import pg
from lily.model import AddClassification, ChangeSet, Role
from tests.web.conftest import Web


def table(html: str, tid: str) -> str:
    return html.split(f'id="{tid}"')[1].split("</table>")[0]


@pytest.mark.parametrize("role", list(Role))
def test_report_page_by_role(web: Web, role: Role) -> None:
    resp = web.as_role(role).get("/compliance")
    if Permission.GOVERNANCE_READ not in ROLE_PERMISSIONS[role]:
        assert resp.status_code == 403 and Permission.GOVERNANCE_READ.value in resp.text
        assert 'href="/compliance"' not in web.as_role(role).get("/").text
        return
    assert resp.status_code == 200 and 'href="/compliance"' in resp.text
    api = web.new_client().get("/api/v1/compliance/report", headers=web.api).json()
    inventory = table(resp.text, "inventory")
    assert inventory.count("<tr>") - 1 == len(api["inventory"]) > 0  # one row each, plus the header
    assert "PII.email" in inventory and "email" in inventory
    assert "PII.email" in resp.text.split('id="art30"')[1].split("</dl>")[0]
    assert table(resp.text, "findings").count("<tr>") - 1 == len(api["findings"])
    assert "classification.added" in table(resp.text, "audit-trail")


def test_downloads_match_the_api(web: Web) -> None:
    client = web.as_role(Role.ADMIN)
    for fmt, kind in (("csv", "text/csv"), ("html", "text/html"), ("json", "application/json")):
        resp = client.get(f"/compliance/report.{fmt}")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(kind), fmt
        assert f'filename="compliance-report.{fmt}"' in resp.headers["content-disposition"]
        assert "PII.email" in resp.text
    assert client.get("/compliance/report.xml").status_code == 404
    for role in (r for r in Role if Permission.GOVERNANCE_READ not in ROLE_PERMISSIONS[r]):
        assert web.as_role(role).get("/compliance/report.csv").status_code == 403


def test_the_period_narrows_the_audit_trail(web: Web) -> None:
    client = web.as_role(Role.ADMIN)
    html = client.get("/compliance?since=2999-01-01T00:00:00").text
    assert "Nothing in this period." in html
    assert "since=2999-01-01T00:00:00" in html.split('id="compliance-downloads"')[1].split("</p>")[0]


def test_another_tenants_personal_data_stays_out(web: Web) -> None:
    web.store.apply(ChangeSet(tenant_id="other", actor="test", operations=[
        AddClassification(ref=pg("accounts").column("balance"), tag="PII.secret_balance")]))
    client = web.as_role(Role.ADMIN)
    assert "PII.secret_balance" not in client.get("/compliance").text
    assert "PII.secret_balance" not in client.get("/compliance/report.csv").text
