"""The incident page's blast radius drawn as a graph (server layout, SVG), by tenant."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from lily.demo import pg
from lily.inbound.sources.monte_carlo_mapping import MonteCarloMapping, TableRule
from lily.model import Role, asset_id
from lily.web.routes.incidents import blast_drawing
from tests.incidents.conftest import sample, webhook
from tests.web.conftest import Web


def open_incident(web: Web) -> str:
    mapping = MonteCarloMapping(tables=[TableRule(table="artemis", ref=pg("users"))])
    webhook(web.store, sample("montecarlo_webhook_anomaly_incident_abbrev.json"), datetime.now(UTC),
            mapping=mapping, tenant="default")
    listing = web.as_role(Role.VIEWER).get("/incidents").text
    return listing.split('href="/incidents/')[1].split('"')[0]


def test_incident_page_shows_the_blast_radius_graph(web: Web) -> None:
    iid = open_incident(web)
    client = web.as_role(Role.VIEWER)
    page = client.get(f"/incidents/{iid}").text
    assert f'src="/incidents/{iid}/blast-radius.svg"' in page
    listed = re.findall(r'<li><a href="/assets/([0-9a-f-]+)"', page.split('id="blast-radius"')[1].split("</ul>")[0])
    resp = client.get(f"/incidents/{iid}/blast-radius.svg")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("image/svg+xml")
    svg = resp.text
    assert svg.count('<g class="n ') == len(listed) + 1  # every downstream asset and the affected table
    assert '<g class="n asset dataset root incident">' in svg  # the affected table, marked
    assert "shop.public.users" in svg and "customer_360" in svg
    assert svg.count('<path class="e') >= len(listed)  # each reached asset hangs off an edge


def test_another_tenants_incident_graph_is_a_404(web: Web) -> None:
    iid = open_incident(web)
    other = web.as_role(Role.ADMIN, tenant="other")
    assert other.get(f"/incidents/{iid}/blast-radius.svg").status_code == 404
    assert web.as_role(Role.VIEWER).get(f"/incidents/{uuid.uuid4()}/blast-radius.svg").status_code == 404


def test_blast_drawing_places_reached_assets_by_distance() -> None:
    a, b, c = (str(asset_id("t", pg(n))) for n in ("a", "b", "c"))
    drawing = blast_drawing([(a, "a", "pg")], [{"asset_id": b, "name": "b", "namespace": "s3", "type": "dataset",
                                                "depth": 1},
                                               {"asset_id": c, "name": "c", "namespace": "sf", "type": "table",
                                                "depth": 2}],
                            [("e1", a, b), ("e2", b, c)])
    x = {n["data"]["id"]: n["position"]["x"] for n in drawing.nodes}
    assert x[a] < x[b] < x[c]
    assert {e["data"]["id"] for e in drawing.edges} == {"e1", "e2"}
    assert [n["classes"] for n in drawing.nodes if n["data"]["id"] == a] == ["asset dataset root incident"]
