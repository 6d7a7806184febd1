"""Which part of a lineage neighbourhood to show: a cap per layer, "+N more", search inside a layer.

Every peer's users complained about graphs that show everything, so each layer (a distance from the
root: negative upstream, positive downstream) shows at most ``cap`` nodes (more after "+N more" is
clicked), preferring nodes the user pinned (the root, expanded nodes and their neighbours) and nodes
joined to what the layer nearer the root shows. A node whose every link to the root is hidden stays
hidden (it would float unattached) unless the user searched its layer. What is left out is counted
by one "+N more" node per layer, linked to the shown node that hides the most of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

CAP = 25  # nodes per layer before "+N more"
MAX_CAP = 500


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    label: str
    layer: int  # signed distance from the root: < 0 upstream, 0 the root, > 0 downstream


@dataclass(frozen=True, slots=True)
class More:
    layer: int
    hidden: int
    query: str | None  # the layer's search, if any (the hidden count then includes non-matches)

    @property
    def id(self) -> str:
        return f"more:{self.layer}"


@dataclass(frozen=True, slots=True)
class Selection:
    shown: list[str]  # candidate ids, in layer order then as ranked
    more: list[More]
    # Links (source, target) that keep placeholders and searched nodes attached to the drawing;
    # drawn dashed, they are not lineage edges.
    links: list[tuple[str, str]]


def _matches(label: str, query: str | None) -> bool:
    return not query or query.casefold() in label.casefold()


def _layer_order(layers: Iterable[int]) -> list[int]:
    # Outwards from the root: 1, -1, 2, -2, ... so each layer knows what its inner neighbour shows.
    return sorted((layer for layer in layers if layer != 0), key=lambda layer: (abs(layer), -layer))


def select(root: str, candidates: Sequence[Candidate], edges: Iterable[tuple[str, str]], *, cap: int = CAP,
           pinned: Iterable[str] = (), pages: Mapping[int, int] | None = None,
           search: Mapping[int, str] | None = None) -> Selection:
    """Choose what to draw. ``pages[layer]`` is how many times "+N more" was clicked in that layer
    (each shows ``cap`` more); ``search[layer]`` narrows a layer to labels containing the text."""
    pages, search = pages or {}, search or {}
    cap = max(1, min(cap, MAX_CAP))
    by_layer: dict[int, list[Candidate]] = {}
    for c in candidates:
        if c.id != root:
            by_layer.setdefault(c.layer, []).append(c)
    near: dict[str, set[str]] = {}
    for s, t in edges:
        near.setdefault(s, set()).add(t)
        near.setdefault(t, set()).add(s)
    pins = ({c.id for c in candidates} & set(pinned)) | {root}

    kept: dict[int, list[str]] = {0: [root]}
    more: dict[int, More] = {}
    links: list[tuple[str, str]] = []
    for layer in _layer_order(by_layer):
        inner = layer - 1 if layer > 0 else layer + 1
        inner_kept = set(kept.get(inner, ()))
        query = search.get(layer) or None
        pool = by_layer[layer]
        linked = {c.id for c in pool if near.get(c.id, set()) & inner_kept}
        eligible = [c for c in pool if c.id in pins or (_matches(c.label, query) and (query or c.id in linked))]
        eligible.sort(key=lambda c: (c.id not in pins, c.id not in linked, c.label.casefold(), c.id))
        limit = cap * (1 + max(0, pages.get(layer, 0)))
        chosen = [c.id for c in eligible if c.id in pins]
        chosen += [c.id for c in eligible if c.id not in pins][:max(0, limit - len(chosen))]
        kept[layer] = chosen
        chosen_set = set(chosen)
        # A searched node with no shown neighbour nearer the root hangs off that layer's "+N more"
        # (or the root), so it is drawn in its place and not adrift; a pinned one is attached to the
        # node it was expanded from, which is always shown.
        fallback = more[inner].id if inner in more else root
        for cid in chosen:
            if cid not in linked and not near.get(cid, set()) & pins:
                links.append((fallback, cid) if layer > 0 else (cid, fallback))
        hidden = [c.id for c in pool if c.id not in chosen_set]
        if hidden:
            m = More(layer, len(hidden), query)
            more[layer] = m
            votes = Counter(n for h in hidden for n in near.get(h, ()) if n in inner_kept)
            anchor = min(votes, key=lambda n: (-votes[n], n)) if votes else fallback
            links.append((anchor, m.id) if layer > 0 else (m.id, anchor))
    shown = [cid for layer in sorted(kept) for cid in kept[layer]]
    return Selection(shown, [more[layer] for layer in sorted(more)], links)
