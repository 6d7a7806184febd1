"""Accent folding, so "Straße", "teléfono" and "Müller" compare equal to their plain spellings."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letters NFKD leaves alone, spelled the way name and street lists spell them.
_SPECIAL = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "\u0131": "i", "þ": "th"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ``text`` and drop its diacritics."""
    lowered = text.lower().translate(_SPECIAL)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def bare(text: str) -> str:
    """``fold(text)`` without the vowel signs and other marks of Indic and South-East Asian scripts:
    regular expressions' ``\\w`` does not match them, so a word of those scripts would be cut into
    pieces ("मार्ग" in "जोशी मार्ग 12")."""
    folded = fold(text)
    if folded.isascii():
        return folded
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith("M"))
