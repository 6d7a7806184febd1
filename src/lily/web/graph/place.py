"""Coordinate assignment across the layers: each node pulled towards its neighbours, the order kept.

For one layer with its order fixed, the best positions given targets ``d`` (where the neighbours
are) and minimum gaps ``s`` between consecutive nodes are the least-squares fit
``min Σ w·(y - d)²`` subject to ``y[i+1] - y[i] >= s[i]``. Shifting each node by the gaps before it
(``z = y - offset``) turns that into an isotonic regression (z non-decreasing), solved exactly in
linear time by pool-adjacent-violators. Alternating sweeps down and up the layers straighten edges;
no two nodes of a layer can overlap, whatever the targets.
"""

from __future__ import annotations

from collections.abc import Sequence

PASSES = 8


def isotonic(targets: Sequence[float], weights: Sequence[float]) -> list[float]:
    """The non-decreasing sequence closest to ``targets`` in weighted least squares (PAV)."""
    blocks: list[list[float]] = []  # [weighted sum, weight, length]
    for t, w in zip(targets, weights, strict=True):
        blocks.append([t * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, wt, k = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += wt
            blocks[-1][2] += k
    out: list[float] = []
    for s, wt, k in blocks:
        out += [s / wt] * int(k)
    return out


def _fit(layer: Sequence[int], target: Sequence[float], gap: Sequence[float], weight: Sequence[float],
         y: list[float]) -> None:
    offsets, acc = [], 0.0
    for i, v in enumerate(layer):
        if i:
            acc += gap[layer[i - 1]] + gap[v]
        offsets.append(acc)
    z = isotonic([target[i] - offsets[i] for i in range(len(layer))], [weight[v] for v in layer])
    for i, v in enumerate(layer):
        y[v] = z[i] + offsets[i]


def assign(layers: Sequence[Sequence[int]], succ: Sequence[Sequence[int]], pred: Sequence[Sequence[int]],
           half: Sequence[float], weight: Sequence[float]) -> list[float]:
    """Positions across the layers for nodes ``0..n-1``: consecutive nodes of a layer at least
    ``half[a] + half[b]`` apart (half a node's extent plus half the gap around it)."""
    n = len(half)
    y = [0.0] * n
    for layer in layers:
        _fit(layer, [0.0] * len(layer), half, weight, y)  # packed tight, centred on 0
    for p in range(PASSES):
        down = p % 2 == 0
        indices = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for i in indices:
            layer = layers[i]
            near = pred if down else succ
            far = succ if down else pred
            target = []
            for v in layer:
                # Pull mostly towards the fixed side, a little towards the other, so both ends of a
                # node's edges count once the sweeps settle.
                ns, os_ = near[v], far[v]
                if ns and os_ and p >= 2:
                    target.append(0.75 * sum(y[u] for u in ns) / len(ns) + 0.25 * sum(y[u] for u in os_) / len(os_))
                elif ns:
                    target.append(sum(y[u] for u in ns) / len(ns))
                elif os_:
                    target.append(sum(y[u] for u in os_) / len(os_))
                else:
                    target.append(y[v])
            _fit(layer, target, half, weight, y)
    return y
