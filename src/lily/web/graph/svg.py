"""The explorer's drawing as a standalone SVG file (the "Export SVG" button): the same positions the
browser draws, rendered on the server, so the export needs no script."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lily.web.graph.explorer import Drawing
from lily.web.graph.layout import NODE_H, NODE_W

PAD = 20.0
STYLE = """
.n rect { fill: #ffffff; stroke: #57606a; stroke-width: 1.2; }
.n.root rect { fill: #e7f0ff; stroke: #0a58ca; stroke-width: 2.5; }
.n.pii rect { stroke: #8250df; stroke-width: 2; }
.n.incident rect { stroke: #b42318; stroke-width: 2.5; }
.n.path rect { fill: #fff4d6; }
.n.more rect { fill: #f6f8fa; stroke-dasharray: 4 3; }
.n text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
.n text.sub { font-size: 10.5px; fill: #57606a; }
.e { fill: none; stroke: #8c959f; stroke-width: 1.4; }
.e.masking { stroke: #c2410c; stroke-dasharray: 6 4; stroke-width: 2; }
.e.path { stroke: #d97706; stroke-width: 3.5; }
.e.link { stroke: #c9d1d9; stroke-dasharray: 3 3; }
"""


def _path(points: list[tuple[float, float]]) -> str:
    # Straight from node side to node side through the bend points of a long edge.
    return "M" + " L".join(f"{x + PAD:.1f},{y + PAD:.1f}" for x, y in points)


def render(drawing: Drawing, title: str) -> str:
    pos = {n["data"]["id"]: (n["position"]["x"], n["position"]["y"]) for n in drawing.nodes}
    w, h = drawing.layout.width + 2 * PAD, drawing.layout.height + 2 * PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-label={quoteattr(title)}>',
           f"<title>{escape(title)}</title><style>{STYLE}</style>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c959f"/></marker></defs>']
    for i, e in enumerate(drawing.edges):
        d: dict[str, Any] = e["data"]
        (sx, sy), (tx, ty) = pos[d["source"]], pos[d["target"]]
        bends = drawing.layout.routes.get(i, [])
        start = (sx + NODE_W / 2, sy) if sx < tx else (sx - NODE_W / 2, sy)
        end = (tx - NODE_W / 2, ty) if sx < tx else (tx + NODE_W / 2, ty)
        out.append(f'<path class={quoteattr("e " + e["classes"])} d="{_path([start, *bends, end])}" '
                   'marker-end="url(#arrow)"/>')
    for n in drawing.nodes:
        d = n["data"]
        x, y = pos[d["id"]]
        lines = str(d["label"]).split("\n")
        out.append(f'<g class={quoteattr("n " + n["classes"])}>'
                   f'<rect x="{x - NODE_W / 2 + PAD:.1f}" y="{y - NODE_H / 2 + PAD:.1f}" width="{NODE_W:.0f}" '
                   f'height="{NODE_H:.0f}" rx="6"/>')
        for k, line in enumerate(lines[:2]):
            cls = ' class="sub"' if k else ""
            out.append(f'<text{cls} x="{x + PAD:.1f}" y="{y + PAD - 4 + 15 * k:.1f}" '
                       f'text-anchor="middle">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
