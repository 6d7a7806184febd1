"""Small charts drawn on the server as SVG geometry (no script library): the template writes the
elements, the stylesheet colours them by class (the policy forbids inline styles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT, PAD_X, PAD_Y = 560, 180, 36, 16
SERIES_CLASSES = 8  # .s0 … .s7 in lily.css


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # s0…s7: its colour
    points: str  # "x,y x,y …" for <polyline>
    dots: list[tuple[float, float, float, str]]  # x, y, value, date (each point's tooltip)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    grid: list[tuple[float, int]]  # y, score (0, 50, 100)
    first: str  # dates under the x axis
    last: str


def scores_over_time(results: Sequence[tuple[datetime, dict[str, float]]]) -> Chart | None:
    """One line per dimension, 0-100 on y, results in time order on x (evenly spaced: runs, not days)."""
    ordered = sorted((r for r in results if r[1]), key=lambda r: r[0])
    if not ordered:
        return None
    dims = sorted({d for _, scores in ordered for d in scores})
    span = max(len(ordered) - 1, 1)

    def x(i: int) -> float:
        return round(PAD_X + (WIDTH - 2 * PAD_X) * (i / span if len(ordered) > 1 else 0.5), 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * max(0.0, min(100.0, v)) / 100, 1)

    lines = []
    for k, dim in enumerate(dims):
        dots = [(x(i), y(s[dim]), s[dim], at.strftime("%Y-%m-%d %H:%M")) for i, (at, s) in enumerate(ordered)
                if dim in s]
        lines.append(Line(dim, f"s{k % SERIES_CLASSES}", " ".join(f"{a},{b}" for a, b, _, _ in dots), dots))
    return Chart(WIDTH, HEIGHT, lines, [(y(v), v) for v in (0, 50, 100)],
                 ordered[0][0].strftime("%Y-%m-%d"), ordered[-1][0].strftime("%Y-%m-%d"))
