"""The contracts pages: status, last evaluation and breaches per contract; one contract's schema,
SLA, checks and YAML; by role and tenant."""

from __future__ import annotations

import copy

import pytest

from lily.auth.rbac import ROLE_PERMISSIONS, Permission
from lily.auth.service import AuthService
from lily.demo import S3
from lily.model import Role
from tests.contracts.conftest import contract_doc
from tests.web.conftest import Web

DATASET = {"property": "lilyDataset", "value": {"namespace": S3, "name": "exports/users"}}


def put(web: Web, cid: str, *, breach: bool, tenant_key: str | None = None) -> dict:
    doc = contract_doc(id=cid, customProperties=[DATASET],
                       servers=[{"server": "lake", "type": "s3", "location": f"{S3}/exports/users/"}])
    if breach:  # a required column the demo's export does not have: a schema finding
        doc = copy.deepcopy(doc)
        doc["schema"][0]["properties"].append({"name": "loyalty_tier", "logicalType": "string", "required": True})
    headers = {"Authorization": f"Bearer {tenant_key}"} if tenant_key else web.api
    resp = web.new_client().put(f"/api/v1/contracts/{cid}", headers=headers, json=doc)
    assert resp.status_code == 200, resp.text
    return resp.json()


def row(html: str, cid: str) -> str:
    return html.split(f'data-contract="{cid}"')[1].split("</tr>")[0]


@pytest.mark.parametrize("role", list(Role))
def test_list_shows_status_and_breaches_by_role(web: Web, role: Role) -> None:
    broken = put(web, "users-broken", breach=True)
    fine = put(web, "users-export", breach=False)
    assert broken["status"] == "failing" and broken["evaluation"]["incident"] == "opened"
    resp = web.as_role(role).get("/contracts")
    if Permission.CATALOG_READ not in ROLE_PERMISSIONS[role]:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    failing = row(resp.text, "users-broken")
    assert "failing" in failing and "Contract users-broken breached" in failing and 'href="/incidents/' in failing
    other = row(resp.text, "users-export")
    assert fine["status"] in other and "none" in other  # no breach
    assert 'href="/contracts"' in resp.text  # navigation


def test_detail_shows_schema_sla_checks_findings_and_yaml(web: Web) -> None:
    put(web, "users-broken", breach=True)
    client = web.as_role(Role.VIEWER)
    html = client.get("/contracts/users-broken").text
    assert "loyalty_tier" in html.split('class="contract-schema"')[1].split("</table>")[0]
    assert "freshness" in html.split('id="contract-sla"')[1] and "1 d" in html.split('id="contract-sla"')[1]
    checks = html.split('id="contract-checks"')[1].split("</ul>")[0]
    assert "users.email" in checks and "invalidValues" in checks and "rowCount" in checks
    assert "loyalty_tier" in html.split('id="contract-findings"')[1].split("</ul>\n")[0]
    assert "Contract users-broken breached" in html.split('id="contract-breaches"')[1]
    assert "apiVersion: v3.1.0" in html.split('id="contract-yaml"')[1]
    export = client.get("/contracts/users-broken/contract.yaml")
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/yaml")
    assert "loyalty_tier" in export.text and "attachment" in export.headers["content-disposition"]


def test_empty_state_and_unknown_contract(web: Web) -> None:
    client = web.as_role(Role.ADMIN)
    assert "No contracts yet" in client.get("/contracts").text
    resp = client.get("/contracts/nope")
    assert resp.status_code == 404 and "Traceback" not in resp.text


def test_another_tenants_contract_is_a_404(web: Web) -> None:
    key, _ = AuthService(web.store, web.settings).create_api_key("other", "other-admin", Role.ADMIN, "test")
    put(web, "theirs", breach=True, tenant_key=key)
    client = web.as_role(Role.ADMIN)
    assert 'data-contract="theirs"' not in client.get("/contracts").text
    assert client.get("/contracts/theirs").status_code == 404
    assert client.get("/contracts/theirs/contract.yaml").status_code == 404
