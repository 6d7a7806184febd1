"""Word lists the recognizers consult, kept as Python data so the package needs no data files."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())
