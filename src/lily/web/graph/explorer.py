"""The lineage explorer's graph: its URL state, and the drawing of a chosen neighbourhood.

Pure: the route (lily.web.routes.lineage) reads the store and hands over what it found; this module
decides what each node and edge looks like and where it goes (lily.web.graph.layout), and returns
cytoscape elements with ``preset`` positions, so the browser only draws.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from lily.web.graph.layout import Layout, layered
from lily.web.graph.neighbourhood import CAP, MAX_CAP, Selection

MAX_DEPTH = 5
LEVELS = ("dataset", "column")
LABEL_MAX = 27


def _int(values: Sequence[str], default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(values[-1]))) if values else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Params:
    """Everything the explorer shows is decided by these, all kept in the URL."""

    level: str = "dataset"
    up: int = 1
    down: int = 1
    cap: int = CAP
    expand: tuple[str, ...] = ()  # ``x``: nodes clicked open
    more: Mapping[int, int] = field(default_factory=dict)  # ``more``: "+N more" clicks per layer
    search: Mapping[int, str] = field(default_factory=dict)  # ``q=layer:text``
    # Whose propagation path to light: a classification id (one path), or a tag name (the paths of
    # every propagated copy of that tag in the neighbourhood).
    tag: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, Sequence[str]], default_level: str = "dataset") -> Params:
        level = (query.get("level") or [default_level])[-1]
        if "depth" in query and not ({"up", "down"} & set(query)):  # the lineage API's own words
            direction = (query.get("direction") or ["both"])[-1]
            depth = [*query["depth"]]
            query = {**query, "up": depth if direction in ("up", "upstream", "both") else ["0"],
                     "down": depth if direction in ("down", "downstream", "both") else ["0"]}
        more: dict[int, int] = {}
        for v in query.get("more", []):
            with_layer = _int([v], 0, -MAX_DEPTH - 50, MAX_DEPTH + 50)
            if with_layer:
                more[with_layer] = more.get(with_layer, 0) + 1
        search: dict[int, str] = {}
        for v in query.get("q", []):
            layer, _, text = v.partition(":")
            if text.strip() and layer.lstrip("-").isdigit():
                search[int(layer)] = text.strip()[:100]
        expand = tuple(dict.fromkeys(x for x in query.get("x", []) if x))[:50]
        return cls(level=level if level in LEVELS else default_level,
                   up=_int(query.get("up", []), 1, 0, MAX_DEPTH), down=_int(query.get("down", []), 1, 0, MAX_DEPTH),
                   cap=_int(query.get("cap", []), CAP, 1, MAX_CAP), expand=expand, more=more, search=search,
                   tag=(query.get("tag") or [None])[-1] or None)

    def query(self, **changes: Any) -> str:
        """This state (with ``changes``) as a query string, defaults left out."""
        p = replace(self, **changes)
        items: list[tuple[str, Any]] = [("level", p.level), ("up", p.up), ("down", p.down)]
        if p.cap != CAP:
            items.append(("cap", p.cap))
        items += [("x", x) for x in p.expand]
        items += [("more", layer) for layer, n in sorted(p.more.items()) for _ in range(n)]
        items += [("q", f"{layer}:{text}") for layer, text in sorted(p.search.items())]
        if p.tag:
            items.append(("tag", p.tag))
        return urlencode(items)


@dataclass(frozen=True)
class NodeInfo:
    id: str
    name: str
    system: str  # the namespace
    type: str
    layer: int
    href: str  # the asset page
    pii: bool = False
    incidents: int = 0


@dataclass(frozen=True)
class EdgeInfo:
    id: str
    source: str
    target: str
    masking: bool = False  # a masking transformation: drawn dashed and orange
    blocked: tuple[str, ...] = ()  # tags that do not propagate across it


def short(text: str, limit: int = LABEL_MAX) -> str:
    """``text`` cut to ``limit`` characters from the left, at a dot or slash if one is near: the end
    of a qualified name (schema.table, folder/object) is what tells two nodes apart."""
    if len(text) <= limit:
        return text
    tail = text[-(limit - 1):]
    cut = min((i for i, ch in enumerate(tail) if ch in "./" and i < len(tail) - 4), default=-1)
    return "…" + (tail[cut + 1:] if 0 <= cut <= limit // 2 else tail)


@dataclass(frozen=True)
class Drawing:
    layout: Layout
    nodes: list[dict[str, Any]]  # cytoscape elements: {data, position, classes}
    edges: list[dict[str, Any]]

    def elements(self) -> list[dict[str, Any]]:
        return self.nodes + self.edges


def path_pairs(path: Sequence[str]) -> list[tuple[str, str]]:
    """Consecutive hops of a propagation path, repeats collapsed (two columns of one table are one
    dataset hop)."""
    steps = [k for k, _ in itertools.groupby(path)]
    return list(itertools.pairwise(steps))


def draw(root: str, selection: Selection, info: Mapping[str, NodeInfo], edges: Sequence[EdgeInfo], *,
         expanded: Sequence[str] = (), paths: Sequence[Sequence[str]] = ()) -> Drawing:
    """Cytoscape elements for the selection, positioned by the layered layout."""
    shown = [n for n in selection.shown if n in info]
    shown_set = set(shown)
    on_path = {pair for path in paths for pair in path_pairs(path)}
    path_nodes = {n for path in paths for n in path}
    drawn_edges = sorted((e for e in edges if e.source in shown_set and e.target in shown_set
                          and e.source != e.target), key=lambda e: e.id)
    link_pairs = list(dict.fromkeys(selection.links))
    more_ids = {m.id for m in selection.more}
    pairs = [(e.source, e.target) for e in drawn_edges] + link_pairs
    layout = layered([*shown, *more_ids], pairs)

    nodes: list[dict[str, Any]] = []
    for nid in shown:
        n = info[nid]
        badges = (["PII"] if n.pii else []) + ([f"⚠ {n.incidents}"] if n.incidents else [])
        classes = ["asset", n.type]
        classes += [c for c, on in (("root", nid == root), ("pii", n.pii), ("incident", n.incidents > 0),
                                    ("expanded", nid in expanded), ("path", nid in path_nodes)) if on]
        p = layout.positions[nid]
        nodes.append({"data": {"id": nid, "label": short(n.name) + "\n" + short(" · ".join([n.system, *badges])),
                               "name": n.name, "system": n.system, "type": n.type, "layer": n.layer,
                               "href": n.href, "pii": n.pii, "incidents": n.incidents},
                      "position": {"x": p.x, "y": p.y}, "classes": " ".join(classes)})
    for m in selection.more:
        p = layout.positions[m.id]
        label = f"+{m.hidden} more" + (f"\n(not matching “{short(m.query, 18)}”)" if m.query else "")
        nodes.append({"data": {"id": m.id, "label": label, "layer": m.layer, "hidden": m.hidden, "query": m.query},
                      "position": {"x": p.x, "y": p.y}, "classes": "more"})
    out_edges: list[dict[str, Any]] = []
    for i, e in enumerate(drawn_edges):
        classes = [c for c, on in (("masking", e.masking), ("blocking", bool(e.blocked)),
                                   ("path", (e.source, e.target) in on_path), ("back", i in layout.reversed)) if on]
        data: dict[str, Any] = {"id": e.id, "source": e.source, "target": e.target}
        if e.masking:
            data["label"] = "masked"
        if e.blocked:
            data["blocked"] = ", ".join(e.blocked)
        out_edges.append({"data": data, "classes": " ".join(classes)})
    for s, t in link_pairs:
        out_edges.append({"data": {"id": f"link:{s}>{t}", "source": s, "target": t}, "classes": "link"})
    return Drawing(layout, nodes, out_edges)
