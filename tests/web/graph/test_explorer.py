"""The explorer's URL state and drawing: parsing clamps what a URL may ask for, the state survives a
round trip through the query string, labels keep the telling end of a name, and the drawing marks
masking edges, badges and the highlighted path."""

from __future__ import annotations

from urllib.parse import parse_qs

from hypothesis import given
from hypothesis import strategies as st

from lily.web.graph.explorer import LABEL_MAX, EdgeInfo, NodeInfo, Params, draw, path_pairs, short
from lily.web.graph.neighbourhood import Candidate, select


def test_parse_clamps_depth_and_cap_and_ignores_garbage() -> None:
    p = Params.parse({"up": ["9"], "down": ["-3"], "cap": ["100000"], "level": ["nope"], "more": ["2", "2", "x"],
                      "q": ["1:orders", "junk", "-2: "]})
    assert (p.up, p.down, p.cap, p.level) == (5, 0, 500, "dataset")
    assert p.more == {2: 2} and p.search == {1: "orders"}
    assert Params.parse({"up": ["many"]}).up == 1
    # The lineage API's direction and depth are understood too (links from other pages use them).
    assert (lambda p: (p.up, p.down))(Params.parse({"direction": ["down"], "depth": ["3"]})) == (0, 3)
    assert (lambda p: (p.up, p.down))(Params.parse({"depth": ["2"]})) == (2, 2)


@given(st.builds(Params, level=st.sampled_from(["dataset", "column"]), up=st.integers(0, 5), down=st.integers(0, 5),
                 cap=st.integers(1, 500), expand=st.lists(st.uuids().map(str), max_size=3, unique=True).map(tuple),
                 more=st.dictionaries(st.integers(-5, 5).filter(bool), st.integers(1, 3), max_size=3),
                 search=st.dictionaries(st.integers(-5, 5).filter(bool),
                                        st.text("abc_ .", min_size=1, max_size=8).map(str.strip).filter(bool),
                                        max_size=2),
                 tag=st.none() | st.uuids().map(str)))
def test_the_state_survives_the_url(p: Params) -> None:
    assert Params.parse(parse_qs(p.query())) == p


def test_labels_keep_the_end_of_a_qualified_name() -> None:
    assert short("ANALYTICS.PUBLIC.FACT_TRANSACTIONS") == "…PUBLIC.FACT_TRANSACTIONS"
    assert short("users") == "users"
    assert len(short("x" * 100)) == LABEL_MAX
    assert path_pairs(["a", "b", "b", "c"]) == [("a", "b"), ("b", "c")]


def test_drawing_marks_masking_badges_path_and_placeholders() -> None:
    cands = [Candidate("r", "root", 0), Candidate("a", "a", 1), Candidate("b", "b", 2),
             *(Candidate(f"h{i}", f"h{i}", 1) for i in range(3))]
    edges = [("r", "a"), ("a", "b")] + [("r", f"h{i}") for i in range(3)]
    sel = select("r", cands, edges, cap=1)
    info = {c.id: NodeInfo(c.id, c.label, "ns", "table", c.layer, f"/assets/{c.id}", pii=c.id == "b",
                           incidents=2 if c.id == "a" else 0) for c in cands}
    drawn = draw("r", sel, info, [EdgeInfo("e1", "r", "a"), EdgeInfo("e2", "a", "b", masking=True)],
                 paths=[["r", "a", "b"]])
    nodes = {n["data"]["id"]: n for n in drawn.nodes}
    assert "root" in nodes["r"]["classes"] and "incident" in nodes["a"]["classes"] and "⚠ 2" in nodes["a"]["data"]["label"]
    assert "pii" in nodes["b"]["classes"] and "PII" in nodes["b"]["data"]["label"]
    assert nodes["more:1"]["data"]["hidden"] == 3 and nodes["more:1"]["classes"] == "more"
    by_id = {e["data"]["id"]: e for e in drawn.edges}
    assert by_id["e2"]["classes"].split() == ["masking", "path"] and by_id["e2"]["data"]["label"] == "masked"
    assert "path" in by_id["e1"]["classes"]
    assert any(e["classes"] == "link" and e["data"]["target"] == "more:1" for e in drawn.edges)
    assert nodes["r"]["position"]["x"] < nodes["a"]["position"]["x"] < nodes["b"]["position"]["x"]


def test_impact_csv_is_nearest_first_and_defuses_formulas() -> None:
    import csv
    import io

    from lily.web.graph.impact import ImpactRow, to_csv

    rows = [ImpactRow("2", 2, "=HYPERLINK(\"x\")", "ns", "table"), ImpactRow("1", 1, "orders", "ns", "table",
                                                                           owners=("a", "b"), pii=True)]
    read = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [r["id"] for r in read] == ["1", "2"]
    assert read[0]["owners"] == "a; b" and read[0]["pii"] == "yes"
    assert read[1]["name"].startswith("'=")


def test_svg_export_escapes_names() -> None:
    from xml.etree import ElementTree

    from lily.web.graph.svg import render

    cands = [Candidate("r", "<root & co>", 0), Candidate("a", "a", 1)]
    sel = select("r", cands, [("r", "a")])
    info = {c.id: NodeInfo(c.id, c.label, "ns", "table", c.layer, "/") for c in cands}
    doc = render(draw("r", sel, info, [EdgeInfo("e", "r", "a")]), "t <1>")
    tree = ElementTree.fromstring(doc)  # well-formed
    texts = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}text")]
    assert "<root & co>" in texts
    assert len(list(tree.iter("{http://www.w3.org/2000/svg}rect"))) == 2
