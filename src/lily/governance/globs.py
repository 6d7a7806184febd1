"""Tag glob matching shared by propagation (edge block lists) and security rules.

Classification tags are matched case-insensitively: ``PII.*`` matches ``pii.Email``. Warehouses
treat tag names case-insensitively too, and a governance officer typing ``pii.*`` must not silently
miss ``PII.email``. Patterns use :mod:`fnmatch` syntax (``*``, ``?``, ``[seq]``); ``*`` also
crosses dots, so ``PII.*`` matches ``PII.contact.email``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.casefold()))


def tag_matches(tag: str, pattern: str) -> bool:
    """True when ``tag`` matches the glob ``pattern`` (case-insensitive)."""
    return _compiled(pattern).match(tag.casefold()) is not None


def any_match(tag: str, patterns: Iterable[str]) -> bool:
    return any(tag_matches(tag, p) for p in patterns)
