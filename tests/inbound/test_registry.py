from __future__ import annotations

import inspect

import pytest

from lily.inbound.sources import SOURCES, Source, get_source, monte_carlo


def test_registry_has_every_source_and_each_satisfies_the_protocol() -> None:
    assert set(SOURCES) == {"openlineage", "monte_carlo", "s3", "generic"}
    for name, source in SOURCES.items():
        assert isinstance(source, Source)
        assert name == source.NAME
        parameters = inspect.signature(source.parse).parameters
        assert parameters["received_at"].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters["options"].default is None


def test_registry_is_read_only_and_lookup_names_known_sources() -> None:
    assert get_source("monte_carlo") is monte_carlo
    with pytest.raises(TypeError):
        SOURCES["x"] = monte_carlo  # type: ignore[index]
    with pytest.raises(KeyError, match="known: generic, monte_carlo, openlineage, s3"):
        get_source("kafka")
