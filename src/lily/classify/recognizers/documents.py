"""PASSPORT and DRIVER_LICENSE: document numbers have no public checksum and look like any code, so
they need the column's name plus a document-number shape: letters and digits, at least a third of them digits, in the
lengths the issuing countries use (passports 6-10 characters, spaces set aside, as Russia writes its
"8134 668216"; driving licences 5-20)."""

from __future__ import annotations

import re

from lily.classify import tags
from lily.classify.gates import DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import INTEGER, NAMED, STRING, Recognizer

PASSPORT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ]*[A-Za-z0-9]$"
LICENSE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 -]*[A-Za-z0-9]$"
_SPACERS = re.compile(r"[ -]")


def _document(value: str, low: int, high: int, min_digits: int) -> float:
    compact = _SPACERS.sub("", value)
    digits = sum(ch.isdigit() for ch in compact)
    if not low <= len(compact) <= high or digits < min_digits or digits * 10 < len(compact) * 3:
        return 0.0
    return 1.0 if len(set(compact)) >= 4 else 0.0


def validate_passport(value: str) -> float:
    return _document(value, 6, 10, 5)


def validate_license(value: str) -> float:
    return _document(value, 5, 20, 4)


_NEGATIVE = ("country", "expiry", "expires", "expiration", "exp", "issue", "issued", "issuing", "authority",
             "photo", "image", "scan", "file", "state", "class", "category", "plate", "key", "software",
             "product", "seat", "seats", "server", "agreement", "fee", "cost", "points", "restriction",
             "restrictions", "endorsement", "office", "date", "type", "holder_name", "name")

PASSPORT = Recognizer(
    entity=tags.PASSPORT, id="passport.shape", pattern=PASSPORT_PATTERN, validate=validate_passport, tier=NAMED,
    gate=DIGIT, length=(6, 12),
    kinds=frozenset({STRING, INTEGER}),
    hint=hint(("passport", "passport_no", "passport_number", "passport_num", "passport_id", "reisepass",
               "reisepassnummer", "passnummer", "passeport", "pasaporte", "passaporto", "paspoort",
               "passaporte", "passnr", "pass_nr", "pass_no", "passi", "paszport"),
              stems=("passport", "reisepass", "passeport", "pasaporte", "passaporto", "paspoort",
                     "passaporte", "paszport"),
              negative_tokens=_NEGATIVE),
)

DRIVER_LICENSE = Recognizer(
    entity=tags.DRIVER_LICENSE, id="driver_license.shape", pattern=LICENSE_PATTERN, validate=validate_license,
    tier=NAMED, gate=DIGIT, length=(5, 24), kinds=frozenset({STRING, INTEGER}),
    hint=hint(("dl", "dl_no", "dl_number", "dl_num", "dl_id", "dln", "cnh", "rijbewijs", "rijbewijsnummer",
               "fuhrerschein", "fuehrerschein", "fuhrerscheinnummer", "korkort", "korekort", "ajokortti",
               "licence_number", "license_number", "licence_no", "license_no", "licencia", "permis",
               "patente"),
              stems=("driver_lic", "drivers_lic", "driverlic", "driverslic", "driving_lic", "drivinglic",
                     "fuhrerschein", "fuehrerschein", "permis_de_conduire", "permis_conduire",
                     "carnet_de_conducir", "carnet_conducir", "licencia_de_conducir", "licencia_conducir",
                     "patente_di_guida", "patente_guida", "rijbewijs", "prawo_jazdy", "carteira_de_motorista",
                     "carta_de_conducao"),
              negative_tokens=_NEGATIVE),
)
