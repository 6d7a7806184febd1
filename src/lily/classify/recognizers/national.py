"""NATIONAL_ID: national identity and social-security numbers whose check digits python-stdnum verifies,
one recognizer per number (the evidence names which), plus the UK National Insurance number's layout.

Each pattern is the number's written form, so only values shaped like it reach the checksum; a
column of random digits passes any one of these checks for at most about one value in ten, far below
what a verdict needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module

from lily.classify import tags
from lily.classify.gates import DIGIT, NUMERIC
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, INTEGER, STRING, Recognizer

HINT = hint(("nin", "nino", "nir", "insee", "idnr", "steuerid", "steuer_id", "steuernummer", "dni", "nie", "nif",
             "cf", "bsn", "cpf", "pesel", "cpr", "hetu", "sin", "ahv", "avs", "vnr", "svnr", "cnp", "pps", "ppsn",
             "aadhaar", "aadhar", "curp", "ric", "tin", "ssn", "rc", "fodselsnummer", "personnummer",
             "personal_number", "id_number", "id_no", "id_card", "idcard", "national_id", "nationalid",
             "identity_number", "citizen_id", "tax_id", "taxid", "tax_number", "sofinummer", "rijksregisternummer",
             "numero_secu", "secu", "nss", "cedula", "documento", "dni_nie", "cpf_cnpj", "identificacion"),
            stems=("national_id", "nationalid", "national_ins", "national_number", "social_security",
                   "socialsecurity", "securite_sociale", "codice_fiscale", "codicefiscale", "personnummer",
                   "fodselsnummer", "burgerservice", "steuer_id", "steueridentifikation", "identifikationsnummer",
                   "personalausweis", "identity_card", "identity_doc", "citizen", "henkilotunnus",
                   "rodne_cislo", "rijksregister", "sozialversicherung", "versicherungsnummer"),
            negative_tokens=("type", "country", "issuer", "expiry", "issued"))

_NINO = re.compile(r"^([A-Z]{2}) ?\d{2} ?\d{2} ?\d{2} ?([A-Z]?)$")
_NINO_FIRST = frozenset("ABCEGHJKLMNOPRSTWXYZ")
_NINO_SECOND = frozenset("ABCEGHJKLMNPRSTWXYZ")
_NINO_BARRED = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def validate_nino(value: str) -> float:
    """1.0 for an allocatable UK NINO; for a prefix or suffix HMRC reserves (test data and temporary
    numbers use those), 0.75 when written in the spaced layout, 0.5 compact: the layout is the evidence."""
    text = value.strip().upper()
    found = _NINO.match(text)
    if not found:
        return 0.0
    prefix, suffix = found[1], found[2]
    if (prefix[0] in _NINO_FIRST and prefix[1] in _NINO_SECOND and prefix not in _NINO_BARRED
            and suffix in ("A", "B", "C", "D")):
        return 1.0
    if not suffix:
        return 0.0
    return 0.75 if " " in text else 0.5


def _stdnum(module: str) -> Callable[[str], float]:
    is_valid = import_module(f"stdnum.{module}").is_valid

    def validate(value: str) -> float:
        try:
            return 1.0 if is_valid(value) else 0.0
        except Exception:  # stdnum refuses some odd inputs by raising rather than answering False
            return 0.0

    return validate


# (stdnum module or "gb.nino", written lengths, written form as an anchored RE2 pattern, kinds); numbers that may be
# stored as integers are written with digits and separators only, which is their gate.
_NUMBERS: tuple[tuple[str, tuple[int, int], str, frozenset[str]], ...] = (
    ("fr.nir", (15, 21), r"^[12378] ?\d{2} ?\d{2} ?(?:\d{2}|2[AaBb]) ?\d{3} ?\d{3} ?\d{2}$", frozenset({STRING, INTEGER})),
    ("de.idnr", (11, 14), r"^[1-9]\d ?\d{3} ?\d{3} ?\d{3}$", frozenset({STRING, INTEGER})),
    ("es.dni", (9, 10), r"^\d{8}-?[A-Za-z]$", frozenset({STRING})),
    ("es.nie", (9, 11), r"^[XYZxyz]-?\d{7}-?[A-Za-z]$", frozenset({STRING})),
    ("it.codicefiscale", (16, 16),
     r"^(?i:[a-z]{6}[0-9lmnpqrstuv]{2}[a-z][0-9lmnpqrstuv]{2}[a-z][0-9lmnpqrstuv]{3}[a-z])$", frozenset({STRING})),
    ("nl.bsn", (9, 11), r"^\d{4}\.?\d{2}\.?\d{3}$", frozenset({STRING, INTEGER})),
    ("gb.nino", (8, 13), r"^(?i:[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-z]?)$", frozenset({STRING})),
    ("br.cpf", (11, 14), r"^\d{3}\.?\d{3}\.?\d{3}-?\d{2}$", frozenset({STRING, INTEGER})),
    ("pl.pesel", (11, 11), r"^\d{11}$", frozenset({STRING, INTEGER})),
    ("se.personnummer", (10, 13), r"^(?:19|20)?\d{6}[-+]?\d{4}$", frozenset({STRING})),
    ("ca.sin", (9, 11), r"^\d{3}[ -]?\d{3}[ -]?\d{3}$", frozenset({STRING, INTEGER})),
    ("at.vnr", (10, 11), r"^\d{4} ?\d{6}$", frozenset({STRING, INTEGER})),
    ("ch.ssn", (13, 16), r"^756\.?\d{4}\.?\d{4}\.?\d{2}$", frozenset({STRING, INTEGER})),
    ("fi.hetu", (11, 11), r"^\d{6}[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y]$", frozenset({STRING})),
    ("no.fodselsnummer", (11, 12), r"^\d{6} ?\d{5}$", frozenset({STRING, INTEGER})),
    ("ro.cnp", (13, 13), r"^[1-9]\d{12}$", frozenset({STRING, INTEGER})),
    ("be.nn", (11, 15), r"^\d{2}\.?\d{2}\.?\d{2}-?\d{3}\.?\d{2}$", frozenset({STRING, INTEGER})),
    ("dk.cpr", (11, 11), r"^\d{6}-\d{4}$", frozenset({STRING})),
    ("ie.pps", (8, 9), r"^\d{7}[A-Wa-w][A-Ia-iWw]?$", frozenset({STRING})),
    ("in_.aadhaar", (12, 14), r"^[2-9]\d{3} ?\d{4} ?\d{4}$", frozenset({STRING, INTEGER})),
    ("mx.curp", (18, 18), r"^(?i:[a-z]{4}\d{6}[hmx][a-z]{5}[0-9a-z]\d)$", frozenset({STRING})),
    ("cn.ric", (18, 18), r"^\d{17}[\dXx]$", frozenset({STRING, INTEGER})),
    ("cz.rc", (10, 11), r"^\d{6}/\d{3,4}$", frozenset({STRING})),
)


def recognizers() -> tuple[Recognizer, ...]:
    return tuple(
        Recognizer(entity=tags.NATIONAL_ID, id=f"stdnum:{module}" if module != "gb.nino" else "gb.nino.layout",
                   pattern=pattern, validate=validate_nino if module == "gb.nino" else _stdnum(module),
                   tier=CHECKSUM, hint=HINT, kinds=kinds,
                   gate=NUMERIC if INTEGER in kinds else DIGIT, length=length)
        for module, length, pattern, kinds in _NUMBERS
    )
