"""The nesting-depth check against an independent recursive oracle: the same verdict for every
document and limit, whichever stage decides (byte count, orjson, walk), and a path that leads to a
container just past the limit."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.inbound.sources.base import PayloadError
from lily.inbound.sources.nesting import (
    SERIALIZABLE_DEPTH,
    check_depth,
    format_path,
    too_deep_path,
    within_depth,
)


def oracle_depth(value: Any) -> int:
    """Containers on the deepest path, by plain recursion (scalar 0, ``{}`` 1)."""
    if isinstance(value, dict):
        return 1 + max((oracle_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((oracle_depth(v) for v in value), default=0)
    return 0


def at(value: Any, path: list[str | int]) -> Any:
    for key in path:
        value = value[key]
    return value


scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5)
# Strings full of brackets: the byte count must never let a deep document through.
bracket_strings = st.text(alphabet="{}[]\"\\a", max_size=8)
documents = st.recursive(scalars | bracket_strings,
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                                       max_size=4),
                         max_leaves=40)


def chain(levels: int, leaf: Any = 1) -> Any:
    """``levels`` containers, alternating objects and arrays."""
    value = leaf
    for index in range(levels):
        value = {"k": value} if index % 2 else [value]
    return value


@settings(max_examples=400, deadline=None)
@given(document=documents, limit=st.integers(1, 12))
def test_verdict_matches_the_oracle(document: Any, limit: int) -> None:
    raw = orjson.dumps(document)
    expected = oracle_depth(document) <= limit
    assert within_depth(document, limit) is expected  # orjson stage
    assert within_depth(document, limit, raw) is expected  # byte-count stage first (small bodies)
    path = too_deep_path(document, limit)
    assert (path is None) is expected
    if path is not None:
        assert len(path) == limit  # the container at the path is level limit + 1
        assert isinstance(at(document, path), dict | list)


@settings(max_examples=100, deadline=None)
@given(levels=st.integers(1, 300), limit=st.integers(1, 120), padding=st.integers(0, 5000))
def test_deep_chains_match_the_oracle(levels: int, limit: int, padding: int) -> None:
    """Chains deeper than orjson serializes too; padding pushes bodies past the byte-count stage."""
    document = {"pad": "x" * padding, "deep": chain(levels)}
    raw = orjson.dumps(document) if levels < SERIALIZABLE_DEPTH else None
    expected = 1 + levels <= limit
    assert within_depth(document, limit, raw) is expected
    if expected:
        check_depth(document, limit, raw)
    else:
        with pytest.raises(PayloadError) as info:
            check_depth(document, limit, raw)
        assert info.value.status == 422
        assert str(info.value).startswith(f"JSON nested deeper than {limit} levels: level {limit + 1} at deep")


def test_the_oracle_itself() -> None:
    assert [oracle_depth(v) for v in (1, {}, [], {"a": [1]}, [[], [[]]], chain(7))] == [0, 1, 1, 2, 3, 7]


def test_serializable_depth_is_orjsons() -> None:
    orjson.dumps(chain(SERIALIZABLE_DEPTH))
    with pytest.raises(TypeError):
        orjson.dumps(chain(SERIALIZABLE_DEPTH + 1))


def test_limit_is_capped_at_what_orjson_serializes() -> None:
    document = chain(SERIALIZABLE_DEPTH + 1)
    assert not within_depth(document, 10_000)
    assert within_depth(chain(SERIALIZABLE_DEPTH), 10_000)


def test_envelope_levels_do_not_count() -> None:
    batch = [chain(5), chain(6)]
    check_depth(batch, 6, envelope=1)
    with pytest.raises(PayloadError) as info:
        check_depth(batch, 5, envelope=1)
    assert str(info.value) == "JSON nested deeper than 5 levels: level 6 at [1].k[0].k[0].k"


def test_the_path_is_the_first_in_document_order() -> None:
    document = {"a": {"b": 1}, "c": {"d": {"e": {}}}, "f": {"g": {"h": {}}}}
    assert too_deep_path(document, 3) == ["c", "d", "e"]


def test_walk_needs_no_recursion() -> None:
    """orjson parses 1,024 levels; the walk that names the path must not hit Python's recursion limit."""
    document = orjson.loads(b"[" * 1000 + b"]" * 1000)
    path = too_deep_path(document, 64)
    assert path == [0] * 64


def test_path_format() -> None:
    assert format_path(["job", "facets", "x", 0, "y"]) == "job.facets.x[0].y"
    assert format_path(["k" * 100]) == "k" * 40 + "…"
    assert format_path(["job"] + ["a"] * 20) == "job.a.a.a.a.a.a.a…"
    assert format_path([0, "a"]) == "[0].a"


def test_small_bodies_are_decided_by_counting_brackets() -> None:
    """Fewer ``{``/``[`` bytes than the limit: no serialization at all."""

    class Unserializable:
        pass

    # orjson would raise on this value; the count stage decides first, from the bytes.
    assert within_depth({"a": Unserializable()}, 5, b'{"a": {}}')
