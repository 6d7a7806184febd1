"""Entities found inside free text: one regular expression per entity (understood both by Python and by
Arrow's RE2) and the check a match must pass, reused from the column recognizers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lily.classify import tags
from lily.classify.recognizers import card, crypto, email, iban, network, person, phone, ssn

# A dotted quad right after one of these words is a version ("firmware 1.2.3.4"), not an address.
_VERSION_BEFORE = re.compile(r"(?i)(?:\bversion|\bver|\bv|\brelease|\bbuild|\bfirmware|\bfw)[\s:.]*$")
# A bare number right after one of these words is an identifier or a quantity, not a phone ("number"
# and "no." are left out: "phone number 0280..." is a phone).
_ID_BEFORE = re.compile(
    r"(?i)(?:\border|\binvoice|\bid|\bref|\breference|\bticket|\bcase|\baccount|\bacct|\bsku|\btracking"
    r"|\bserial|\btransaction|\btxn|\bbatch|\blot|\bts|\btimestamp|\bepoch"
    r"|\bbuild|\bversion|\brelease|\bamount|\btotal|\bsum|\bprice|[$€£¥])[\s:.#=]*$")
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+)?"


@dataclass(frozen=True)
class SpanSpec:
    """``check(text, start, end)`` confirms a match; ``None`` when the expression is proof enough, which
    lets :func:`lily.classify.text.scrub_text` replace it inside Arrow without Python."""

    entity: str
    pattern: str
    check: Callable[[str, int, int], bool] | None
    strong: bool

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _CACHE.get(pattern)
    if found is None:
        found = _CACHE[pattern] = re.compile(pattern)
    return found


def _by(validate: Callable[[str], float], minimum: float = 1.0) -> Callable[[str, int, int], bool]:
    return lambda text, start, end: validate(text[start:end]) >= minimum


def _ipv4(text: str, start: int, end: int) -> bool:
    found = text[start:end]
    if network.validate_v4(found) != 1.0 or network.version_like(found):
        return False
    # Part of a longer token ("Chrome/30.0.839.0", "rv:1.9.0.20") or after the word version: a version.
    before, after = text[start - 1 : start], text[end : end + 2]
    if before in ("/", ":", ".", "-", "_") or before.isalnum() or (after[:1] == "." and after[1:].isdigit()):
        return False
    return not _VERSION_BEFORE.search(text[max(0, start - 12) : start])


def _ipv6(text: str, start: int, end: int) -> bool:
    return network.validate_v6(text[start:end]) == 1.0


_DATE_INSIDE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")


def _phone(text: str, start: int, end: int) -> bool:
    found = text[start:end]
    before, after = text[start - 1 : start], text[end : end + 2]
    # Inside a longer token ("Gecko/2024-01-05", "v1.2-3456789") or before a clock time: not a phone.
    if before in ("/", ":", ".", "-", "_", "#") or before.isalnum():
        return False
    if after[:1] in (":", "/") or (after[:1] in (".", ",") and after[1:].isdigit()) or after[:1].isalnum():
        return False
    if _DATE_INSIDE.search(found):
        return False
    score = phone.validate(found)
    if score == 1.0:
        return True
    # A bare digit string: a phone when it is a valid number somewhere and no word names it an id.
    return score == 0.5 and not _ID_BEFORE.search(text[max(0, start - 16) : start]) and phone.valid_bare(found)


def _person(text: str, start: int, end: int) -> bool:
    return person.validate(text[start:end]) == 1.0 and " " in text[start:end]


# Priority order: where two matches overlap, the earlier spec keeps its span.
SPECS: tuple[SpanSpec, ...] = (
    SpanSpec(tags.EMAIL, email.SPAN, None, strong=True),
    SpanSpec(tags.CRYPTO_WALLET, crypto.SPAN, _by(crypto.validate, 0.75), strong=True),
    SpanSpec(tags.IBAN, iban.SPAN, _by(iban.validate), strong=True),
    SpanSpec(tags.CREDIT_CARD, card.SPAN, _by(card.validate), strong=True),
    SpanSpec(tags.US_SSN, ssn.SPAN, _by(ssn.validate), strong=True),
    SpanSpec(tags.IP_ADDRESS, network.V4_SPAN, _ipv4, strong=False),
    SpanSpec(tags.IP_ADDRESS, network.V6_SPAN, _ipv6, strong=False),
    SpanSpec(tags.PHONE, phone.SPAN, _phone, strong=False),
    SpanSpec(tags.PERSON_NAME, rf"\b{_NAME_WORD}(?: {_NAME_WORD}){{1,2}}\b", _person, strong=False),
)

TEXT_ENTITIES: frozenset[str] = frozenset(spec.entity for spec in SPECS)
# Names in prose need more than patterns to be found reliably; callers ask for them explicitly.
DEFAULT_TEXT_ENTITIES: frozenset[str] = TEXT_ENTITIES - {tags.PERSON_NAME}
