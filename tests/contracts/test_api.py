"""The HTTP edge: lineage processes, contracts and the compliance report (PostgreSQL and SQLite)."""

from __future__ import annotations

from lily.contracts.odcs import dumps, loads
from lily.model import Role
from tests.api.conftest import Env
from tests.contracts.conftest import contract_doc

V1 = "/api/v1"
PG, S3 = "postgres://db.prod:5432", "s3://atlan-tech-challenge"


def test_processes_contracts_and_report_over_http(env: Env) -> None:
    c, admin = env.client, env.admin_headers
    engineer, viewer = env.key(Role.DATA_ENGINEER), env.key(Role.VIEWER)
    assert c.post(f"{V1}/assets", headers=admin, json={
        "namespace": PG, "name": "shop.public.users", "type": "table",
        "columns": [{"name": "email"}, {"name": "id"}]}).status_code in (200, 201)
    body = {"type": "export", "owner": "data-platform", "inputs": [{"namespace": PG, "name": "shop.public.users"}],
            "outputs": [{"namespace": S3, "name": "exports/users"}], "columns": "by_name"}
    assert c.put(f"{V1}/lineage-processes/users-export", headers=viewer, json=body).status_code == 403
    r = c.put(f"{V1}/lineage-processes/users-export", headers=engineer, json=body)
    assert r.status_code == 200 and r.json()["added"] == 3, r.text
    bad = c.put(f"{V1}/lineage-processes/users-export", headers=engineer, json={**body, "type": "sideways"})
    assert bad.status_code == 422 and "type" in bad.text
    got = c.get(f"{V1}/lineage-processes/users-export", headers=viewer).json()
    assert len(got["edges"]) == 3 and got["process"]["owner"] == "data-platform"
    r = c.put(f"{V1}/lineage-processes/users-export", headers=engineer, json={**body, "columns": {}})
    assert r.json()["removed"] == 2

    doc = contract_doc()
    r = c.put(f"{V1}/contracts/users-export", headers={**engineer, "Content-Type": "application/yaml"},
              content=dumps(doc))
    assert r.status_code == 200 and r.json()["created"], r.text
    assert c.get(f"{V1}/contracts", headers=viewer).json()[0]["id"] == "users-export"
    yaml = c.get(f"{V1}/contracts/users-export?format=yaml", headers=viewer)
    assert loads(yaml.text) == doc  # every field as imported, the vendor extension too
    broken = c.put(f"{V1}/contracts/users-export", headers=engineer, json={**doc, "kind": "Nope"})
    assert broken.status_code == 422 and "kind" in broken.text

    assert c.get(f"{V1}/compliance/report", headers=viewer).status_code == 403
    report = c.get(f"{V1}/compliance/report", headers=admin)
    assert report.status_code == 200 and report.json()["summary"]["personal_data_columns"] == 0
    assert c.get(f"{V1}/compliance/report?format=csv", headers=admin).headers["content-type"].startswith("text/csv")
    assert "<h1>Compliance report</h1>" in c.get(f"{V1}/compliance/report?format=html", headers=admin).text
    assert c.delete(f"{V1}/lineage-processes/users-export", headers=engineer).json()["removed"] == 1
    assert c.get(f"{V1}/lineage-processes/users-export", headers=viewer).status_code == 404
