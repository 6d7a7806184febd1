"""The lineage explorer over HTTP: the page, its graph JSON (server-side positions), the SVG and
CSV exports, per role, and tenant isolation (another tenant's asset is a 404, never its page)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from lily.demo import pg, s3, sf
from lily.governance.consumer import PropagationConsumer
from lily.model import AddLineage, AssetRef, AssetType, ChangeSet, Role, UpsertAsset, UpsertIncident, asset_id
from lily.web.graph.layout import NODE_H, NODE_W
from tests.web.conftest import Web


@pytest.fixture
def web(web: Web) -> Web:
    PropagationConsumer(web.store).drain()  # the propagated tags whose paths the explorer highlights
    return web


def users_id(tenant: str = "default") -> uuid.UUID:
    return asset_id(tenant, pg("users"))


def graph(client: TestClient, aid: uuid.UUID, query: str = "") -> dict:
    r = client.get(f"/lineage/{aid}/graph.json?{query}")
    assert r.status_code == 200, r.text
    return r.json()


def nodes(data: dict) -> dict[str, dict]:
    return {e["data"]["id"]: e for e in data["elements"] if "position" in e}


def edges(data: dict) -> list[dict]:
    return [e for e in data["elements"] if "source" in e["data"]]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_that_reads_the_catalog_sees_the_explorer(web: Web, role: Role) -> None:
    page = web.as_role(role).get(f"/lineage/{users_id()}")
    assert page.status_code == 200
    assert "Lineage of" in page.text and "users" in page.text
    assert 'src="/static/vendor/cytoscape-3.35.0.min.js"' in page.text
    assert "content-security-policy" in page.headers
    # The impact table lists the downstream S3 export and Snowflake model.
    table = page.text[page.text.index('id="impact-table"'):]
    assert str(asset_id("default", s3("users"))) in table
    assert str(asset_id("default", sf("DIM_USERS"))) in table


def test_signed_out_browsers_are_sent_to_login(web: Web) -> None:
    client = web.new_client()
    r = client.get(f"/lineage/{users_id()}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get(f"/lineage/{users_id()}/graph.json", follow_redirects=False).status_code == 303


def test_another_tenants_asset_is_a_404_on_every_url(web: Web) -> None:
    client = web.as_role(Role.ADMIN, tenant="other")
    assert client.get(f"/lineage/{users_id('other')}").status_code == 200  # its own copy of the demo
    for suffix in ("", "/graph.json", "/graph.svg", "/impact.csv"):
        r = client.get(f"/lineage/{users_id('default')}{suffix}")
        assert r.status_code == 404, suffix
        assert str(users_id("default")) not in r.text and "ANALYTICS" not in r.text
    # Expanding, or highlighting, another tenant's ids shows nothing of them either.
    data = graph(client, users_id("other"), f"x={asset_id('default', s3('users'))}&tag={uuid.uuid4()}")
    assert str(asset_id("default", s3("users"))) not in str(data["elements"])
    assert set(nodes(data)) == {str(users_id("other")), str(asset_id("other", s3("users")))}
    assert client.get("/lineage/not-a-uuid").status_code == 404


def test_default_depth_is_one_up_one_down_with_positions_from_the_server(web: Web) -> None:
    client = web.as_role(Role.VIEWER)
    aid = asset_id("default", s3("users"))
    data = graph(client, aid)
    shown = nodes(data)
    assert set(shown) == {str(aid), str(users_id()), str(asset_id("default", sf("DIM_USERS")))}
    root, up, down = (shown[str(x)]["position"] for x in (aid, users_id(), asset_id("default", sf("DIM_USERS"))))
    assert up["x"] < root["x"] < down["x"]  # upstream left, downstream right
    assert data["layers"] == [-1, 1]
    # Two downstream hops reach the dashboard.
    deeper = nodes(graph(client, aid, "down=2"))
    dashboard = str(asset_id("default", AssetRef(namespace="looker://deltaarc.looker.com",
                                                 name="dashboards/customer_360")))
    assert dashboard in deeper or any(n["data"].get("type") == "dashboard" for n in deeper.values())


def test_pii_badge_and_masking_edge_at_dataset_level(web: Web) -> None:
    client = web.as_role(Role.VIEWER)
    data = graph(client, asset_id("default", s3("accounts")), "down=1")
    shown = nodes(data)
    assert "pii" in shown[str(asset_id("default", s3("accounts")))]["classes"]  # iban propagated from PG
    assert not [e for e in edges(data) if "masking" in e["classes"].split()]
    # The load of FACT_TRANSACTIONS masks CARD_LAST4 (a column edge): the dataset edge that carries
    # it is drawn as a masking edge.
    txn = graph(client, asset_id("default", s3("transactions")), "down=1")
    masked = [(e["data"]["source"], e["data"]["target"], e["data"]["label"])
              for e in edges(txn) if "masking" in e["classes"].split()]
    assert masked == [(str(asset_id("default", s3("transactions"))),
                       str(asset_id("default", sf("FACT_TRANSACTIONS"))), "masked")]


def test_clicking_expands_more_pages_and_layer_search(web: Web) -> None:
    client = web.as_role(Role.VIEWER)
    # A hub feeding 12 tables: cap 5 shows 5 and one "+7 more".
    hub = AssetRef(namespace="postgres://hub:5432", name="db.public.hub")
    ops = [UpsertAsset(ref=hub, type=AssetType.TABLE)]
    for i in range(12):
        t = AssetRef(namespace="postgres://hub:5432", name=f"db.public.child_{i:02d}")
        ops += [UpsertAsset(ref=t, type=AssetType.TABLE), AddLineage(source=hub, target=t)]
        ops += [AddLineage(source=t, target=AssetRef(namespace="postgres://hub:5432", name=f"db.public.grand_{i:02d}"))]
    web.store.apply(ChangeSet(tenant_id="default", actor="test", operations=ops))
    hid = asset_id("default", hub)
    data = graph(client, hid, "cap=5")
    assert len(nodes(data)) == 1 + 5 + 1
    assert [(m["layer"], m["hidden"]) for m in data["more"]] == [(1, 7)]
    # "+N more" once: ten shown.
    assert len([n for n in nodes(graph(client, hid, "cap=5&more=1")) if not n.startswith("more:")]) == 11
    # Search inside the layer.
    found = nodes(graph(client, hid, "cap=5&q=1:child_11"))
    assert str(asset_id("default", AssetRef(namespace="postgres://hub:5432", name="db.public.child_11"))) in found
    # Expanding child_00 opens its grandchild beyond the chosen depth, and marks it.
    child = str(asset_id("default", AssetRef(namespace="postgres://hub:5432", name="db.public.child_00")))
    grand = str(asset_id("default", AssetRef(namespace="postgres://hub:5432", name="db.public.grand_00")))
    opened = nodes(graph(client, hid, f"cap=5&x={child}"))
    assert grand in opened and "expanded" in opened[child]["classes"]
    assert opened[grand]["position"]["x"] > opened[child]["position"]["x"]
    # No two boxes overlap.
    boxes = [(n["position"]["x"], n["position"]["y"]) for n in opened.values()]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1:]:
            assert abs(x1 - x2) >= NODE_W or abs(y1 - y2) >= NODE_H


def test_tag_path_is_highlighted_from_origin_to_here(web: Web) -> None:
    client = web.as_role(Role.VIEWER)
    dim = asset_id("default", sf("DIM_USERS"))
    data = graph(client, dim, "up=2")
    email = [t for t in data["tags"] if t["label"].startswith("PII.email on")]
    assert email, data["tags"]
    lit = graph(client, dim, f"up=2&tag={email[0]['id']}")
    path_nodes = {i for i, n in nodes(lit).items() if "path" in n["classes"].split()}
    assert path_nodes == {str(users_id()), str(asset_id("default", s3("users"))), str(dim)}
    path_edges = {(e["data"]["source"], e["data"]["target"]) for e in edges(lit) if "path" in e["classes"].split()}
    assert path_edges == {(str(users_id()), str(asset_id("default", s3("users")))),
                          (str(asset_id("default", s3("users"))), str(dim))}
    # By tag name from the origin (the asset page's "path" link): every copy's path, downstream.
    by_name = graph(client, users_id(), "down=3&tag=PII.email")
    lit_edges = {(e["data"]["source"], e["data"]["target"]) for e in edges(by_name) if "path" in e["classes"].split()}
    dashboard = next(i for i, n in nodes(by_name).items() if n["data"].get("type") == "dashboard")
    assert lit_edges == {(str(users_id()), str(asset_id("default", s3("users")))),
                         (str(asset_id("default", s3("users"))), str(dim)), (str(dim), dashboard)}


def test_column_level_explores_columns(web: Web) -> None:
    client = web.as_role(Role.VIEWER)
    col = asset_id("default", s3("users").column("email"))
    data = graph(client, col, "up=1&down=1")
    labels = {n["data"]["name"] for n in nodes(data).values()}
    assert {"db.public.users.email"} <= {label.split(":")[-1] for label in labels} or any(
        label.endswith("users.email") for label in labels)
    assert any(label.endswith(".EMAIL") for label in labels)


def test_impact_csv_and_svg_exports(web: Web) -> None:
    client = web.as_role(Role.DATA_ANALYST)
    web.store.apply(ChangeSet(tenant_id="default", actor="test", operations=[UpsertIncident(
        source="monte_carlo", external_id="inc-1", title="freshness", status="open",
        affected=[sf("DIM_USERS")], update={"type": "open"}, observed_at=datetime.now(UTC)), UpsertIncident(
        source="monte_carlo", external_id="inc-2", title="volume", status="resolved",
        affected=[sf("DIM_USERS")], update={"type": "fixed"}, observed_at=datetime.now(UTC))]))
    r = client.get(f"/lineage/{users_id()}/impact.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    by_name = {row["name"]: row for row in rows}
    assert [int(row["depth"]) for row in rows] == sorted(int(row["depth"]) for row in rows)
    dim = by_name["ANALYTICS.PUBLIC.DIM_USERS"]
    assert dim["open_incidents"] == "1" and dim["pii"] == "yes" and dim["depth"] == "2"
    svg = client.get(f"/lineage/{users_id()}/graph.svg?down=2")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "DIM_USERS" in svg.text and "<script" not in svg.text


def test_the_start_page_finds_where_to_begin(web: Web) -> None:
    client = web.as_role(Role.VIEWER)
    empty = client.get("/lineage")
    assert empty.status_code == 200 and "Type a name" in empty.text
    found = client.get("/lineage?q=users")
    assert f'href="/lineage/{users_id()}"' in found.text
    assert f'href="/lineage/{users_id("other")}"' not in found.text  # the other tenant's demo copy
    assert "Nothing in the catalog matches" in client.get("/lineage?q=zzzqqq").text
