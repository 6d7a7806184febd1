"""Column-name hints: what a column's name says about its content, in the languages Lily meets.

A name is normalised to lower-case ``snake_case`` tokens without accents ("customerEMail" ->
"customer_e_mail", "Teléfono móvil" -> "telefono_movil"). Each entity has strong hints (the name
alone would convince a person), weak ones (ambiguous, such as a bare "name") and negative ones
("email_sent", "ip_version", "product_name"): a negative token cancels the hint, so a name never
fires without values that support it, and a misleading name adds nothing. A few recognizers whose
values alone can look like something else also have contrary tokens: a name that says what else the
column is ("city" for words that are also surnames, "lot_code" for digit groups laid out like a
phone number) counts against the entity, as a telling name counts for it; only as the name's head
("team_lead" is a person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lily.classify.fold import fold

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Tokens that turn a hint into metadata about the entity rather than the entity itself.
GLOBAL_NEGATIVE = (
    "sent", "verified", "verify", "valid", "validated", "validation", "confirmed", "flag", "is", "has",
    "count", "cnt", "total", "type", "status", "domain", "provider", "hash", "hashed", "md5", "sha1",
    "sha256", "digest", "version", "ver", "format", "fmt", "len", "length", "enabled", "optin", "opt",
    "consent", "template", "prefix", "suffix", "masked", "mask", "token", "tokenized", "encrypted",
    "bounced", "bounce", "opened", "clicked", "unsubscribed", "subscribed", "pref", "preference",
    "allowed", "required", "visible", "changed", "updated", "last4", "id_type", "regex", "pattern",
)


# Cyrillic and Greek column names, romanised as people type them ("Телефон" -> "telefon", "Дата
# рождения" -> "data_rozhdeniya", "Επώνυμο" -> "eponymo"), so the hints below read them too; without
# this they normalised to nothing. Applied after ``fold`` (lower case, no accents).
_ROMAN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye", "ж": "zh",
    "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
})


@lru_cache(maxsize=4096)
def normalize(name: str) -> str:
    """``name`` as lower-case, accent-free snake_case (Cyrillic and Greek romanised)."""
    spaced = _CAMEL.sub("_", name.strip())
    return _NON_ALNUM.sub("_", fold(spaced).translate(_ROMAN)).strip("_")


def _tokens(*words: str) -> str:
    return r"(?:^|_)(?:" + "|".join(words) + r")(?:_|$)"


# Words that make no noun of their own after another: "city_name" is a city, "lot_no" a lot.
_GENERIC_TAIL = ("name", "names", "nm", "no", "nr", "num", "number", "code", "id", "ref", "value", "val", "text",
                 "txt", "label", "title", "desc", "description", "type", "kind", "category")


def _head(*words: str) -> str:
    """One of ``words`` as the name's head: its last token, or followed by generic words only.
    "team_lead" holds a person, though "team" names something else; "team" and "team_name" do not."""
    return r"(?:^|_)(?:" + "|".join(words) + r")(?:_(?:" + "|".join(_GENERIC_TAIL) + r"))*$"


def _any(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts if p))


@dataclass(frozen=True)
class Hint:
    """Patterns over a normalised column name: strong, weak and negative."""

    strong: re.Pattern[str]
    weak: re.Pattern[str] | None = None
    negative: re.Pattern[str] | None = None
    contrary: re.Pattern[str] | None = None

    def strength(self, normalized: str) -> tuple[float, str | None]:
        """1.0 for a strong hint, 0.5 for a weak one, 0 for none or a cancelled one, -1.0 for a name whose
        head says the column is something else ("city", "customer_city", "lot_code"; not "team_lead")
        unless a strong hint says otherwise; and what matched."""
        if not normalized:
            return 0.0, None
        found = self.strong.search(normalized)
        if self.contrary is not None and not found and (against := self.contrary.search(normalized)):
            return -1.0, "not " + against.group(0).strip("_")
        if _GLOBAL_NEGATIVE.search(normalized):
            return 0.0, None
        if self.negative is not None and self.negative.search(normalized):
            return 0.0, None
        if found:
            return 1.0, found.group(0).strip("_")
        found = self.weak.search(normalized) if self.weak is not None else None
        if found:
            return 0.5, found.group(0).strip("_")
        return 0.0, None


_GLOBAL_NEGATIVE = re.compile(_tokens(*GLOBAL_NEGATIVE))


def hint(strong_tokens: tuple[str, ...] = (), stems: tuple[str, ...] = (), weak_tokens: tuple[str, ...] = (),
         negative_tokens: tuple[str, ...] = (), contrary_tokens: tuple[str, ...] = ()) -> Hint:
    """A hint from whole tokens (``ip`` must be its own token) and stems (``birth`` anywhere)."""
    strong = _any(_tokens(*strong_tokens) if strong_tokens else "", "|".join(stems))
    weak = re.compile(_tokens(*weak_tokens)) if weak_tokens else None
    negative = re.compile(_tokens(*negative_tokens)) if negative_tokens else None
    contrary = re.compile(_head(*contrary_tokens)) if contrary_tokens else None
    return Hint(strong=strong, weak=weak, negative=negative, contrary=contrary)


NO_HINT = Hint(strong=re.compile(r"(?!)"))
