"""The registry of sources, and what a declaration must hold."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from lily.inbound.sources import SOURCES, Auth, Source, get_source, monte_carlo, register, unregister
from lily.inbound.sources.contract import count_listed, listed_under

SRC = Path(__file__).resolve().parents[2] / "src" / "lily"


def test_registry_has_every_source_and_each_satisfies_the_contract() -> None:
    assert set(SOURCES) == {"openlineage", "monte_carlo", "s3", "generic"}
    for name, source in SOURCES.items():
        assert isinstance(source, Source)
        assert name == source.name
        parameters = inspect.signature(source.parse).parameters
        assert parameters["received_at"].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters["options"].default is None
        # verify is called through the contract, and only where a signature is taken
        assert (source.verify is not None) is source.auth.signed


def test_registry_is_read_only_and_lookup_names_known_sources() -> None:
    assert get_source("monte_carlo") is monte_carlo.SOURCE
    with pytest.raises(TypeError):
        SOURCES["x"] = monte_carlo.SOURCE  # type: ignore[index]
    with pytest.raises(KeyError, match="known: generic, monte_carlo, openlineage, s3"):
        get_source("kafka")


def _parse(payload: object, *, received_at: object = None, options: object = None) -> list[object]:
    return []


def _declare(**more: object) -> Source:
    return Source(name=str(more.pop("name", "made_up")), split=lambda p: [p], idempotency_key=str,
                  partition_key=lambda item: "", parse=_parse, **more)  # type: ignore[arg-type]


def test_a_declaration_is_checked_when_made() -> None:
    with pytest.raises(ValueError, match="declare verify"):
        _declare(auth=Auth.SIGNATURE)
    with pytest.raises(ValueError, match="declare verify"):
        _declare(auth=Auth.EITHER, verify=lambda body, headers, secret: None)  # no signature header
    for bad in ("", "Made-Up", "1st", "x" * 33):
        with pytest.raises(ValueError, match="source name"):
            _declare(name=bad)
    assert _declare().title == "made_up"  # defaults: bearer, no check, no enrich, no config
    assert _declare().auth is Auth.BEARER and _declare().options({"a": 1}) is None


def test_register_refuses_a_second_source_under_a_known_name() -> None:
    source = _declare()
    try:
        assert register(source) is source and get_source("made_up") is source
        register(source)  # the same declaration again is no conflict
        with pytest.raises(ValueError, match="another source"):
            register(_declare())
    finally:
        unregister("made_up")
    assert "made_up" not in SOURCES


def test_counts_before_split() -> None:
    assert count_listed([1, 2]) == 2 and count_listed({"a": [1]}) == 1
    assert listed_under("Records")({"Records": [1, 2, 3]}) == 3 and listed_under("Records")({"Records": 1}) == 1


def test_the_accept_path_enrich_configs_and_routes_name_no_source() -> None:
    """Adding a source is one file: nothing shared branches on a source's name."""
    shared = [SRC / "inbound" / f for f in ("accept.py", "enrich.py", "configs.py")]
    shared += [SRC / "api" / "accepting.py", SRC / "api" / "routes" / "events.py"]
    names = "|".join(re.escape(f'"{name}"') for name in SOURCES)
    for path in shared:
        text = path.read_text()
        assert not re.search(r"source(_name)?\s*==|\.name\s*==", text), path
        assert not re.search(names, text), path
