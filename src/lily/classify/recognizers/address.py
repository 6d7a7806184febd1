"""STREET_ADDRESS: a house number next to a street word ("123 Main Street", "7, rue de Briand",
"Hauptstrasse 12", "Sterresingel 35", "Calle Mayor 5 Piso 3") counts fully; a house number next to
words, or a street word without a number, counts half. Without a name hint most values must count
fully. Long values are prose, left to the free-text scan."""

from __future__ import annotations

import re
import unicodedata

from lily.classify import tags
from lily.classify.data.streets import STREET_ENDINGS, STREET_WORDS, UNIT_WORDS
from lily.classify.fold import bare
from lily.classify.gates import DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import SHAPE, Recognizer

_TOKEN = re.compile(r"[^\W_][\w.'/-]*")
_HOUSE_NUMBER = re.compile(r"^(?:\d{1,5}[a-z]?(?:[-/]\d{1,5}[a-z]?)?|s/n|sn|n[o°º]?\d{1,5})\.?$")
_MAX_WORDS = 16


def _street_word(token: str) -> bool:
    bare = token.rstrip(".,")
    if bare in STREET_WORDS:
        return True
    return len(bare) > 5 and bare.endswith(STREET_ENDINGS)


# Addresses written without spaces between words name their administrative units and numbers with
# characters of their own: Japanese 都道府県・市区町村・丁目・番地・号, Chinese 省市区县路街号, Korean
# 시도구군동읍면로길, Thai ถนน (ถ.), ซอย (ซ.), หมู่, ตำบล (ต.), อำเภอ (อ.), จังหวัด (จ.). Two of them and a
# digit make an address; one does after a house number and before a postcode that ends the value.
_UNIT_MARKS = re.compile(r"[都道府県市区町村郡省县镇乡路街号座區縣鄉鎮號巷弄樓]|丁目|番地?|[시도구군동읍면리로길](?=\s|\d|$)"
                         r"|ถนน|ถ\.|ซอย|ซ\.|หมู่|ตำบล|ต\.|อำเภอ|อ\.|จังหวัด|จ\.|แขวง|เขต")
_POSTCODE_LAST = re.compile(r"(?<!\d)\d{5,6}$")


def _unit_marks(value: str) -> int:
    return len(set(_UNIT_MARKS.findall(value)))


# "Vašátkova 4\n782 80 Spálené Poříčí", "Lienstubben 73, 9853 Mathisen", "משעול הסיפן 45, לקיה, 1165758":
# a street line with its house number, then the locality with its postcode. Streets named without
# a street word ("Vašátkova 4") count half alone; with the locality after them they are addresses.
_PARTS = re.compile(r"\s*[\n,]\s*")
_POSTCODE = re.compile(r"(?<!\d)(?:\d{3} \d{2}|\d{4,7})(?!\d)")


def _street_then_locality(value: str) -> bool:
    parts = [p for p in _PARTS.split(value) if p]
    if len(parts) >= 3 and _HOUSE_NUMBER.match(parts[0].lower()):  # "85/73\nBajaj Ganj\nLatur 423172"
        parts = [f"{parts[0]} {parts[1]}", *parts[2:]]
    if len(parts) < 2:
        return False
    street = parts[0].lower().split()  # by spaces: the vowel signs of Indic scripts are not \w
    if not 2 <= len(street) <= 6 or not any(_HOUSE_NUMBER.match(t) for t in street) \
            or not any(t[0].isalpha() and len(t) >= 3 for t in street):
        return False
    return _locality(" ".join(parts[1:]))


def _locality(text: str) -> bool:
    """A postcode and a place name, either way round ("782 80 Spálené Poříčí", "Latur 423172",
    "Aizawl-940460"), and nothing else. A place is a name: capitalised, or in a script without
    capitals ("34967 tests passed", "qty 1406 Pending" are not)."""
    code = _POSTCODE.search(text)
    if code is None:
        return False
    before, after = text[:code.start()].strip(" -"), text[code.end():].strip(" -")
    if before and after:
        if not (len(before) <= 3 and before.isupper()):  # a Greek "TK 76795", "CZ 241 69 Brno"
            return False
        before = ""
    names = (before or after).split()
    # "Březová nad Svitavou", "Frankfurt am Main": short words may join the name's words.
    return 1 <= len(names) <= 5 and not names[0][0].islower() \
        and all(_word(n) and (not n[0].islower() or len(n) <= 3) for n in names)


def _word(token: str) -> bool:
    """Letters (and the vowel signs of Indic scripts), an inner hyphen or apostrophe: "Q1" is not."""
    return token[0].isalpha() and all(unicodedata.category(ch)[0] in "LM" or ch in "-'." for ch in token)


# Central European streets are adjectives or possessives of a name, written alone before the
# number: "Jirčanská 520", "Sulická 8", "Mickiewiczova 277", "Draškovićeva 2c" (folded endings);
# a column of them reads as addresses, one such value only leans that way.
_NAMED_STREET_ENDINGS = ("ska", "cka", "ova", "eva")
# ... or a preposition and a name: "U Vápenice 5", "Pod Kesnerkou 24", "Na Příčné Mezi 291".
_STREET_PREPOSITIONS = frozenset({"u", "k", "ke", "na", "nad", "pod", "za", "pri", "pred", "v", "ve"})


def _flat_after_number(tokens: list[str]) -> bool:
    """A house number, then a flat or office and its number: "Justo Fuentes 424 Of. 935"."""
    first = next((i for i, t in enumerate(tokens) if _HOUSE_NUMBER.match(t)), None)
    if not first or tokens[first - 1].rstrip(".") in UNIT_WORDS:  # none, a number first, or "Room 333 Floor 7"
        return False
    return any((t.rstrip(".") in UNIT_WORDS or t == "of.") and _HOUSE_NUMBER.match(n)
               for t, n in zip(tokens[first + 1:], tokens[first + 2:], strict=False))


def validate(value: str) -> float:
    if not 5 <= len(value) <= 200 or "@" in value:
        return 0.0
    if not value.isascii() and any(ch.isdigit() for ch in value):
        marks = _unit_marks(value)  # one mark is enough before a postcode: "085/83 ถนนยางสวย ลำพูน 63180"
        if marks >= 2 or (marks and _POSTCODE_LAST.search(value) and value[0].isdigit()):
            return 1.0
    tokens = _TOKEN.findall(bare(value))
    if not 2 <= len(tokens) <= _MAX_WORDS:
        return 0.0
    alpha = [t for t in tokens if t[0].isalpha()]
    if not alpha:
        return 0.0
    numbered = any(_HOUSE_NUMBER.match(t) for t in tokens)
    street = any(_street_word(t) for t in alpha)
    if numbered and (street or _street_then_locality(value) or _flat_after_number(tokens)):
        return 1.0
    if street and len(alpha) >= 2:
        return 0.5
    words = [t for t in alpha if len(t) >= 3 and t.rstrip(".") not in UNIT_WORDS]
    # "Rašínská 862", "Einsteinova 27": Central European streets are often one name, then a number
    # (a number first is a postcode: "60837 Rastatt").
    alone = len(tokens) == 2 and tokens[0] in words and len(tokens[0]) >= 4 and bool(_HOUSE_NUMBER.match(tokens[1]))
    if alone and len(tokens[0]) >= 6 and tokens[0].endswith(_NAMED_STREET_ENDINGS):
        return 0.75  # not more: surnames end so too ("Kučerová 607")
    if 3 <= len(tokens) <= 5 and tokens[0] in _STREET_PREPOSITIONS and bool(_HOUSE_NUMBER.match(tokens[-1])) \
            and all(w[0].isupper() for w in value.split()[:-1]):
        return 0.75
    return 0.5 if numbered and (len(words) >= 2 or alone) else 0.0


RECOGNIZER = Recognizer(
    entity=tags.STREET_ADDRESS, id="address.street+number", pattern=None, validate=validate, tier=SHAPE,
    gate=DIGIT, outside_gate=0.5, length=(5, 200),
    identifier=False,
    hint=hint(("address", "addr", "street", "adresse", "adres", "direccion", "indirizzo", "endereco",
               "strasse", "anschrift", "domicile", "domicilio", "residence", "straat", "rue", "calle",
               "via", "rua", "address1", "address2", "addressline", "addressline1", "line1", "line2",
               "address_line", "street_address", "postal_address", "mailing_address", "home_address",
               "billing_address", "shipping_address", "delivery_address", "hausnummer", "house_number",
               "adresa", "osoite", "gatuadress", "adressa", "alamat", "adresas", "adrese", "aadress", "adresi",
               "ulica", "ulice", "utca", "sokak", "cadde", "diefthinsi", "dieythynsi"),
              stems=("address", "street", "strasse", "adresse", "direccion", "indirizzo", "endereco",
                     "anschrift", "straat", "adres"),
              negative_tokens=("email", "e", "mail", "ip", "ipv4", "ipv6", "mac", "web", "url", "wallet",
                               "btc", "bitcoin", "eth", "ethereum", "crypto", "memory", "mem", "hardware",
                               "network", "net", "server", "host", "remote", "contract", "ip_address",
                               "email_address", "mac_address", "wallet_address", "token_address", "hex",
                               "bluetooth", "wifi", "node", "peer", "sip", "callback", "reply")),
)
