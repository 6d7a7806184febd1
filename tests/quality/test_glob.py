"""lily.quality.glob: a translated pattern accepts exactly what the regex accepts, in DuckDB itself."""

from __future__ import annotations

import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.quality.formats import FORMATS
from lily.quality.glob import as_glob

_CLASSES = ["A-Z", "a-z", "0-9", "0-9a-f", "A-Fa-f0-9", "XYZ", "a-c0-2"]
_PATTERNS = st.lists(st.one_of(st.sampled_from(list("Ab9")), st.sampled_from([f"[{c}]" for c in _CLASSES])),
                     min_size=1, max_size=3).flatmap(
    lambda atoms: st.tuples(*[st.tuples(st.just(a), st.sampled_from(["", "{1}", "{2}"])) for a in atoms]))
# Strings near the patterns' alphabets, plus what must never match: non-ASCII, glob and regex
# metacharacters, newlines, the empty string.
_TEXT = st.text(alphabet=st.sampled_from(list("AZazb9f0Fg-[]*?\\\n é∅ÄXY")), max_size=7)


def _pattern(parts: tuple[tuple[str, str], ...]) -> str:
    return "".join(atom + count for atom, count in parts)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=150, deadline=None)
@given(parts=_PATTERNS, values=st.lists(_TEXT, min_size=1, max_size=30))
def test_glob_accepts_what_the_regex_accepts(con: duckdb.DuckDBPyConnection, parts: tuple[tuple[str, str], ...],
                                             values: list[str]) -> None:
    pattern = _pattern(parts)
    glob = as_glob(pattern)
    if glob is None:  # more than MAX_CLASSES classes: stays a regex
        return
    rows = con.execute("SELECT v GLOB ?, regexp_matches(v, ?) FROM unnest(?::VARCHAR[]) t(v)",
                       [glob, f"^(?:{pattern})\\z", values]).fetchall()
    for value, (by_glob, by_regex) in zip(values, rows, strict=True):
        assert by_glob == by_regex == bool(re.fullmatch(pattern, value)), (pattern, glob, value)


def test_only_the_narrow_family_translates() -> None:
    assert as_glob("[A-Z]{2}") == "[A-Z][A-Z]"
    assert as_glob("FR[0-9]{2}") == "FR[0-9][0-9]"
    for pattern in ("[A-Z]+", "[A-Z]{2,3}", "[^A-Z]", "a.b", "[A-z]", "[Z-A]", "[-A]", "[A-]", "[A-Z]{0}", "",
                    "(?:AB)", "A|B", "[0-9a-f]{8}", "é", *FORMATS.values()):
        assert as_glob(pattern) is None, pattern
