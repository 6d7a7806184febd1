"""Named value formats for ``invalid_count``: a full-match regular expression each, ASCII only.

The patterns use ``[0-9]`` rather than ``\\d`` so every engine (RE2 in DuckDB, Java in Spark,
Python's ``re`` in the tests) reads them the same way. ``date`` also requires a real calendar day.
"""

from __future__ import annotations

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"

FORMATS: dict[str, str] = {
    # HTML's "valid e-mail address", with at least one dot in the domain.
    "email": rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "date": r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}",  # no year 0
    "ipv4": rf"{_OCTET}(?:\.{_OCTET}){{3}}",
    "phone_e164": r"\+[1-9][0-9]{6,14}",
    "integer": r"[+-]?[0-9]+",
    "decimal": r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)",
    "url": r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][^\s]*)?",
}
CALENDAR_FORMATS = frozenset({"date"})
