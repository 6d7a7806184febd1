"""PHONE: a phone layout (country code, parentheses, groups) that ``phonenumbers`` finds possible.

Digit strings without any layout are the same values as numeric ids, so they count half: a column
of them is a phone column only when its name says so. A number without a country code needs nine
digits (eight written as four pairs, as in Denmark or Norway): shorter ones are postcodes and codes. Layouts that are something else are refused
before phonenumbers is asked: dates, IPv4 addresses, networks and version strings, decimals, US
SSNs, ZIP+4 codes, ISBN groupings (a last group of one digit), a year and a serial ("2024-000123").
"""

from __future__ import annotations

import re

import phonenumbers

from lily.classify import tags
from lily.classify.gates import DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import INTEGER, SHAPE, STRING, Recognizer

PATTERN = r"^(?:[Tt][Ee][Ll]:|callto:)?\(?\+?[0-9 ()./-]+[0-9](?:\s*(?:x|X|ext\.?|EXT\.?|extension|#)\s*[0-9]+)?$"
# A leading "+" is its own branch: with it optional before a word boundary, "+34946564823" matched
# only from its "3" on and lost the country code that makes it a phone. A "/" separates groups too
# ("06-46/869 5896" in Hungary, "089/1234567" in Germany); dates it lets in fail ``validate``.
SPAN = (r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d{1,14}"
        r"|(?:\b00\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\b\d{1,14})(?:[ ./-]\d{2,14}){0,5}"
        r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?\b")

_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d{1,6}$", re.IGNORECASE)
_URI = re.compile(r"^(?:tel|callto):", re.IGNORECASE)  # RFC 3966 links, as CRMs and web forms export them
_NOT_PHONE = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"          # 2024-01-31
    r"|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$"        # 31/01/2024
    r"|^\d{1,3}(?:\.\d{1,3}){2,3}$"               # 10.0.12.7, 1.2.3.4
    r"|^\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}$"           # 192.168.1.0/24
    r"|^(?:19|20)\d\d[-/]\d{4,8}$"                 # 2024-000123: a year and a serial (order, invoice ids)
    r"|^[+-]?\d+\.\d+$"                           # 48.8566
    r"|^\d{3}-\d{2}-\d{4}$"                       # US SSN
    r"|^\d{5}-\d{4}$"                              # US ZIP+4
    r"|^\d{1,5}-\d{1,7}-\d{1,7}-\d$"              # ISBN-10 / ISBN-13 groupings
    r"|^97[89]-\d{1,5}-\d{1,7}-\d{1,7}-\d$"
)
_SEPARATORS = re.compile(r"[ ()./-]+")
# Regions tried for numbers written without a country code, most populous first among Lily's users.
REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "PT", "PL", "SE", "CA", "AU", "IN", "MX", "CH",
           "AT", "BE", "DK", "NO", "FI", "IE")


def _national_lengths() -> tuple[frozenset[int], frozenset[str]]:
    """Lengths of national significant numbers, and trunk prefixes, over ``REGIONS`` (phonenumbers' metadata)."""
    lengths: set[int] = set()
    prefixes: set[str] = set()
    for region in REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        lengths.update(metadata.general_desc.possible_length)
        if metadata.national_prefix:
            prefixes.add(metadata.national_prefix)
    return frozenset(lengths), frozenset(prefixes)


_LENGTHS, _TRUNKS = _national_lengths()


def possible(number: str) -> bool:
    """``number`` (digits, maybe a leading +) is a possible phone number: by its country code's rules
    when it has one, else by the lengths one of ``REGIONS`` allows, with or without its trunk prefix
    (what ``is_possible_number`` checks region by region, without parsing the number 22 times)."""
    if number.startswith("+"):
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
        except phonenumbers.NumberParseException:
            return False
    if len(number) in _LENGTHS:
        return True
    return any(number.startswith(trunk) and len(number) - len(trunk) in _LENGTHS for trunk in _TRUNKS)


def _written_in(region: str, digits: str) -> bool:
    """A bare national number is written with its region's trunk prefix ("0280 988 5165" in the UK),
    except in North America (trunk "1", usually left out) and where there is none (Spain, Italy)."""
    trunk = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
    return not trunk or trunk == "1" or digits.startswith(trunk)


def valid_bare(digits: str) -> bool:
    """``digits`` (no layout, no country code) is a valid number of one of ``REGIONS`` as written there.

    Stricter than :func:`possible`, as a bare digit string in prose is as likely an id: a valid number
    has a real area code and length (an epoch like 1704067200 has neither in the regions that write
    numbers without a trunk prefix)."""
    for region in REGIONS:
        if not _written_in(region, digits):
            continue
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(digits, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def _parts(value: str) -> tuple[str, bool, str, list[str]] | None:
    """The body without link prefix and extension, whether it has a country code, its digits and its
    groups; None for layouts that are something else or cannot be a phone number."""
    body = _EXTENSION.sub("", _URI.sub("", value.strip()))
    if _NOT_PHONE.match(body):
        return None
    digits = "".join(ch for ch in body if ch.isdigit())
    if not 7 <= len(digits) <= 15 or len(set(digits)) < 3:
        return None
    groups = [g for g in _SEPARATORS.split(body.lstrip("+")) if g]
    international = body.startswith(("+", "(+", "00"))
    if (international or len(groups) > 1) and (len(groups[-1]) < 2 or len(groups) > 7):
        return None
    if body.count("(") != body.count(")") or body.count("(") > 1:
        return None
    return body, international, digits, groups


def validate(value: str) -> float:
    """1.0 for a laid-out number that is possible, 0.5 for a bare digit string that is (as ambiguous
    as an id). Free text trusts exactly this; a column also weighs the layouts :func:`validate_in_column`
    adds."""
    parts = _parts(value)
    return 0.0 if parts is None else _judge(*parts)


def _judge(body: str, international: bool, digits: str, groups: list[str]) -> float:
    laid_out = international or len(groups) > 1
    if not international and len(digits) < 9 and not (len(digits) == 8 and len(groups) >= 4):
        # Postcodes (30763-431, 8929-121) and short codes; national numbers are longer, except the
        # eight digits of Denmark and Norway, also written bare or spaced ("4616 0855", "963 31 349"):
        # as ambiguous as ids, they count half.
        spaced = all(ch.isdigit() or ch == " " for ch in body)
        return 0.5 if len(digits) == 8 and spaced and possible(digits) else 0.0
    number = "+" + digits[2:] if body.startswith("00") else ("+" + digits if international else digits)
    if not possible(number):
        return 0.0
    return 1.0 if laid_out else 0.5


def _chinese_mobile(digits: str) -> bool:
    """Eleven digits from 13 to 19 that China's plan assigns to a mobile carrier: how Chinese systems
    store a mobile number, bare. Random eleven-digit ids are such a number one time in seventeen."""
    if len(digits) != 11 or digits[0] != "1" or digits[1] < "3":
        return False
    number = phonenumbers.parse(digits, "CN")
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE and \
        phonenumbers.is_valid_number(number)


def validate_in_column(value: str) -> float:
    """:func:`validate`, and in a column: a bare Chinese mobile number counts fully (a column of them
    is unlike any id column), and half for layouts a phone column holds beside proven numbers but that
    prove nothing alone: a local number of seven or eight digits in groups ("891 41 77", "(356) 88907"),
    and a known country code followed by a length its plan does not allow (a typo, or a plan that
    changed)."""
    parts = _parts(value)
    if parts is None:
        return 0.0
    verdict = _judge(*parts)
    if verdict == 0.5 and value.isdigit() and _chinese_mobile(value):
        return 1.0
    if verdict:
        return verdict
    body, international, digits, groups = parts
    if international:
        code = digits[2:] if body.startswith("00") else digits
        known = any(phonenumbers.region_code_for_country_code(int(code[:size])) != "ZZ" for size in (1, 2, 3))
        return 0.5 if known and len(groups) > 1 else 0.0
    # Groups of a subscriber number are short before the last; a postcode leads with five ("30763-431").
    return 0.5 if len(digits) in (7, 8) and len(groups) > 1 and max(map(len, groups[:-1])) <= 4 else 0.0


RECOGNIZER = Recognizer(
    entity=tags.PHONE, id="phone.layout", pattern=PATTERN, validate=validate_in_column, tier=SHAPE, gate=DIGIT, length=(7, 40),
    kinds=frozenset({STRING, INTEGER}),
    hint=hint(("tel", "cell", "fax", "gsm", "msisdn", "handy", "portable", "mobile", "mobil", "movil",
               "celular", "cellulare", "telefon", "telefono", "telefone", "telephone", "phone", "tlf",
               "telefoon", "puhelin", "telemovel", "mob", "cellphone", "telepon", "handphone", "no_hp",
               "nomor_hp", "tilefono"),
              stems=("phone", "telef", "teleph", "telf", "mobile_n", "mobilnummer", "rufnummer",
                     "numero_tel", "contact_number", "contact_no", "handynummer"),
              negative_tokens=("country", "code", "area", "ext", "extension", "carrier", "model", "os",
                               "app", "device", "brand", "plan"),
              # Codes of things laid out in digit groups: a lot code "12-3456-789", a plate "58844 786 43".
              contrary_tokens=("lot", "batch", "serial", "part", "sku", "order", "invoice", "tracking", "parcel",
                               "shipment", "plate", "license_plate", "isbn", "ean", "upc", "gtin", "barcode",
                               "zip", "postcode", "postal", "plz", "cep", "build", "release", "product", "item",
                               "article", "ticket", "case", "claim", "policy", "contract", "vin", "imei")),
)
