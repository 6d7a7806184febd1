"""IBAN: mod-97 and each country's length and layout, by python-stdnum."""

from __future__ import annotations

from stdnum import iban as stdnum_iban

from lily.classify import tags
from lily.classify.gates import DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, Recognizer

PATTERN = r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]+$"
SPAN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"


def mod97_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def validate(value: str) -> float:
    """1.0 for a valid IBAN; 0.9 when the mod-97 check holds but the length or layout is not the
    country's (generated test data often gets that wrong, and one random string in 97 passes the
    check: a column of them cannot)."""
    if stdnum_iban.is_valid(value):
        return 1.0
    return 0.9 if mod97_ok(value) else 0.0


RECOGNIZER = Recognizer(
    entity=tags.IBAN, id="iban.mod97", pattern=PATTERN, validate=validate, tier=CHECKSUM, gate=DIGIT, length=(15, 42),
    hint=hint(("iban",), stems=("iban",),
              weak_tokens=("account", "bank_account", "konto", "compte", "cuenta", "conto", "rekening",
                           "conta", "kontonummer", "rib")),
)
