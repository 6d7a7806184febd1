"""US_SSN: area 001-899 except 666, group 01-99, serial 0001-9999, and not one of the numbers the
Social Security Administration voided after they were printed in advertising.

Written ``123-45-6789`` the layout is specific enough to count alone; nine bare digits are any
numeric id, so that form needs the column's name.
"""

from __future__ import annotations

from lily.classify import tags
from lily.classify.gates import NUMERIC
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, INTEGER, NAMED, STRING, Recognizer

PATTERN = r"^\d{3}[- ]\d{2}[- ]\d{4}$"
DIGITS_PATTERN = r"^\d{9}$"
SPAN = r"\b\d{3}-\d{2}-\d{4}\b"

_VOID = frozenset({"078051120", "219099999", "123456789"})


def rules_ok(digits: str) -> bool:
    if len(digits) != 9 or not digits.isdigit() or digits in _VOID:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area != "000" and area != "666" and area < "900" and group != "00" and serial != "0000"


def validate(value: str) -> float:
    return 1.0 if rules_ok(value.replace("-", "").replace(" ", "")) else 0.0


HINT = hint(("ssn", "ssnumber", "ss_number", "ss_no", "socsec"),
            stems=("social_security", "socialsecurity", "social_sec"))

RECOGNIZER = Recognizer(entity=tags.US_SSN, id="ssn.rules", pattern=PATTERN, validate=validate,
                        tier=CHECKSUM, hint=HINT, gate=NUMERIC, length=(11, 11))
DIGITS = Recognizer(entity=tags.US_SSN, id="ssn.rules.digits", pattern=DIGITS_PATTERN, validate=validate,
                    tier=NAMED, hint=HINT, gate=NUMERIC, length=(9, 9), kinds=frozenset({STRING, INTEGER}))
