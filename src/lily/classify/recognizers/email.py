"""EMAIL: an address's shape is specific enough to need no name (a column of emails is found whatever it
is called); the validator only refuses what the prefilter is too loose to see."""

from __future__ import annotations

import re

from lily.classify import tags
from lily.classify.gates import AT
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, Recognizer

_ONE = r"[^@\s;,<>]+@[A-Za-z0-9.-]+\.[A-Za-z]+"
# An address may come with its display name, as mail headers and their exports write it
# ("Ann Lee <ann@x.org>", "\"Lee, Ann\" <ann@x.org>").
_NAMED = rf"(?:\"[^\"]*\"|[^\"<>@;,]*)\s*<{_ONE}>"
# A mailto: link, or a list of addresses (a CRM's cc field, "a@x.org; b@y.org") is still emails.
PATTERN = rf"^(?:[Mm][Aa][Ii][Ll][Tt][Oo]:)?(?:{_ONE}|{_NAMED})(?:\s*[;,]\s*(?:{_ONE}|{_NAMED}))*$"
_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_LIST = re.compile(r"\s*[;,]\s*(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")  # a separator outside quotes
_DISPLAY_NAME = re.compile(r"^(?:\"[^\"]*\"|[^\"<>@]*?)\s*<([^<>]*)>$")
_EXACT = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"\.[a-z]{2,63}$", re.IGNORECASE)
SPAN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}\b"


def validate(value: str) -> float:
    addresses = _LIST.split(_MAILTO.sub("", value.strip()))
    return min(_one(named[1] if (named := _DISPLAY_NAME.match(a)) else a) for a in addresses)


def _one(value: str) -> float:
    if not _EXACT.match(value):
        return 0.0
    local, _, domain = value.rpartition("@")
    if not local or len(local) > 64 or len(domain) > 253:
        return 0.0
    if local.startswith(".") or local.endswith(".") or ".." in local or ".." in domain:
        return 0.0
    return 1.0


RECOGNIZER = Recognizer(
    entity=tags.EMAIL, id="email", pattern=PATTERN, validate=validate, tier=CHECKSUM, gate=AT, length=(6, 254),
    hint=hint(("email", "mail", "courriel", "correo", "emailadres", "mailadres", "epost", "eposta", "sahkoposti",
               "e_posta", "epasts", "e_pasts", "epastas", "el_pastas", "eposti", "pochta", "poshta",
               "poshcha", "imeil", "imeyl"),
              stems=("email", "e_mail", "courriel", "correo_e", "posta_elettronica")),
)
