"""The quality pages: latest scores per dimension and failing checks per dataset, one dataset's
scores over time as a server-drawn chart, by role and tenant."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lily.auth.rbac import ROLE_PERMISSIONS, Permission
from lily.demo import s3
from lily.model import ChangeSet, RecordQuality, Role, asset_id
from lily.web.charts import HEIGHT, PAD_Y, scores_over_time
from tests.web.conftest import Web

EXPORT = s3("users")


def record(web: Web, tenant: str = "default") -> None:
    results = [
        (datetime(2024, 1, 1, tzinfo=UTC), {"completeness": 100.0, "uniqueness": 100.0}, "pass", True),
        (datetime(2024, 1, 2, tzinfo=UTC), {"completeness": 90.0, "uniqueness": 40.0}, "fail", False),
    ]
    ops = [RecordQuality(ref=EXPORT, observed_at=at, scores=scores, status=status, run_id=f"run-{at.day}",
                         context={"pipeline": "crm", "layer": "bronze"},
                         assertions=[{"assertion": "not_null", "name": "email_not_null", "column": "email",
                                      "success": True},
                                     {"assertion": "unique", "name": "id_unique", "column": "id", "success": ok}])
           for at, scores, status, ok in results]
    web.store.apply(ChangeSet(tenant_id=tenant, actor="pipeline:crm", operations=ops))


@pytest.mark.parametrize("role", list(Role))
def test_overview_lists_latest_scores_and_failing_checks_by_role(web: Web, role: Role) -> None:
    record(web)
    resp = web.as_role(role).get("/quality")
    if Permission.CATALOG_READ not in ROLE_PERMISSIONS[role]:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    row = resp.text.split(f'data-asset="{asset_id("default", EXPORT)}"')[1].split("</tr>")[0]
    assert "fail" in row and "90.0" in row and "40.0" in row  # the latest result, not the first
    assert "id_unique" in row and "email_not_null" not in row  # only what failed


def test_detail_draws_each_dimension_over_time(web: Web) -> None:
    record(web)
    html = web.as_role(Role.VIEWER).get(f"/quality/{asset_id('default', EXPORT)}").text
    chart = html.split('id="quality-chart"')[1].split("</svg>")[0]
    lines = re.findall(r'<polyline class="series (s\d)" points="([^"]+)"', chart)
    assert len(lines) == 2  # completeness, uniqueness
    uniqueness = lines[1][1].split()
    assert len(uniqueness) == 2
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in uniqueness)
    assert x1 < x2 and y2 > y1  # later to the right; 40 is drawn lower than 100
    assert "id_unique" in html.split('id="quality-failing"')[1].split("</ul>")[0]
    assert f'href="/assets/{asset_id("default", EXPORT)}"' in html


def test_empty_states(web: Web) -> None:
    client = web.as_role(Role.ADMIN)
    assert "No quality results yet" in client.get("/quality").text
    assert "No scored results yet" in client.get(f"/quality/{asset_id('default', EXPORT)}").text


def test_another_tenants_results_stay_hidden(web: Web) -> None:
    record(web, tenant="other")
    client = web.as_role(Role.ADMIN)
    assert "No quality results yet" in client.get("/quality").text
    resp = client.get(f"/quality/{asset_id('other', EXPORT)}")
    assert resp.status_code == 404 and "uniqueness" not in resp.text
    assert client.get("/quality/not-a-uuid").status_code == 404


def test_chart_scales_scores_and_orders_results() -> None:
    later, earlier = datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    chart = scores_over_time([(later, {"a": 100.0}), (earlier, {"a": 0.0, "b": 50.0}), (later, {})])
    assert chart is not None and [line.name for line in chart.lines] == ["a", "b"]
    (x0, y0, v0, _), (x1, y1, v1, _) = chart.lines[0].dots
    assert (v0, v1) == (0.0, 100.0) and x0 < x1
    assert y0 == HEIGHT - PAD_Y and y1 == PAD_Y
    assert len(chart.lines[1].dots) == 1 and chart.first == "2024-01-01" and chart.last == "2024-02-01"
    assert scores_over_time([(earlier, {})]) is None
