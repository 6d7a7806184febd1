"""DATE_OF_BIRTH: a calendar date in a common layout within the last 130 years, in a column whose name
says birth. Dates alone are order dates, sign-up dates, timestamps: the name is required."""

from __future__ import annotations

import re
from datetime import date

from lily.classify import tags
from lily.classify.gates import DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import DATE, NAMED, STRING, Recognizer

PATTERN = r"^[0-9A-Za-z ,./:+-]+$"

_MONTHS = {m: i + 1 for i, names in enumerate((
    "jan january janvier enero gennaio januar januari janeiro", "feb february fevrier febrero febbraio februar februari fevereiro",
    "mar march mars marzo marz maart marco", "apr april avril abril aprile",
    "may mai mayo maggio mei maio", "jun june juin junio giugno juni junho",
    "jul july juillet julio luglio juli julho", "aug august aout agosto augustus",
    "sep sept september septembre septiembre settembre setembro", "oct october octobre octubre ottobre oktober outubro",
    "nov november novembre noviembre novembro", "dec december decembre diciembre dicembre dezember dezembro",
)) for m in names.split()}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WORDY = re.compile(r"^(?:(\d{1,2})[ -]?([a-z]+)\.?[ -,]*(\d{4})|([a-z]+)\.? (\d{1,2}),? (\d{4}))$")
FIRST_YEAR = 1895
LAST_YEAR = 2030


def _real(year: int, month: int, day: int) -> bool:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse(value: str) -> bool:
    """``value`` is a real calendar date in one of the usual layouts."""
    text = value.strip().lower()
    if len(text) > 40:
        return False
    found = _ISO.match(text) or _COMPACT.match(text)
    if found:
        return _real(int(found[1]), int(found[2]), int(found[3]))
    found = _DMY.match(text)
    if found:
        first, second, year = int(found[1]), int(found[2]), int(found[3])
        return _real(year, second, first) or _real(year, first, second)
    found = _WORDY.match(text)
    if found:
        if found[1]:
            day, month, year = found[1], found[2], found[3]
        else:
            month, day, year = found[4], found[5], found[6]
        number = _MONTHS.get(month)
        return number is not None and _real(int(year), number, int(day))
    return False


def validate(value: str) -> float:
    return 1.0 if parse(value) else 0.0


RECOGNIZER = Recognizer(
    entity=tags.DATE_OF_BIRTH, id="date_of_birth.date", pattern=PATTERN, validate=validate, tier=NAMED, gate=DIGIT, length=(6, 40),
    kinds=frozenset({STRING, DATE}), identifier=False,
    hint=hint(("dob", "bday", "born", "birthday", "birthdate", "geburtsdatum", "geburtstag", "gebdat",
               "fdato", "fodselsdato", "fodelsedatum", "syntymaaika"),
              stems=("birth", "geburt", "naissance", "nacimiento", "nascita", "geboorte", "nascimento",
                     "fodsel", "fodelse", "syntyma", "urodzenia", "date_of_b",
                     # Turkish, Czech, Slovak, Croatian/Serbian, Slovene, Hungarian, Indonesian,
                     # Romanian, Lithuanian, Latvian, Estonian, Russian and Greek (transliterated)
                     "dogum", "narozeni", "narodenia", "rodenja", "rojstva", "szuletes", "lahir",
                     "nasterii", "gimimo", "dzimsanas", "sunni", "rozhdeni", "narodzh", "razhdan", "gennis"),
              negative_tokens=("place", "city", "country", "location", "town", "lieu", "ort", "luogo",
                               "lugar", "plaats", "local", "name", "weight", "order", "certificate",
                               "cert", "nation", "nationality", "rate", "year", "month")),
)
