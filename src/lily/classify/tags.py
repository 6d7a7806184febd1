"""Entities the classifier knows and the Lily tags each one becomes in the catalog."""

from __future__ import annotations

EMAIL = "EMAIL"
PHONE = "PHONE"
CREDIT_CARD = "CREDIT_CARD"
IBAN = "IBAN"
US_SSN = "US_SSN"
IP_ADDRESS = "IP_ADDRESS"
PERSON_NAME = "PERSON_NAME"
STREET_ADDRESS = "STREET_ADDRESS"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
PASSPORT = "PASSPORT"
DRIVER_LICENSE = "DRIVER_LICENSE"
GPS_COORDINATES = "GPS_COORDINATES"
CRYPTO_WALLET = "CRYPTO_WALLET"
NATIONAL_ID = "NATIONAL_ID"

_PERSONAL = "GDPR.personal"

# The first tag is the entity's own (ColumnResult.tag); GDPR.personal marks every one as personal data,
# and cards also carry the PCI tag the demo catalog already uses for card numbers.
ENTITY_TAGS: dict[str, tuple[str, ...]] = {
    EMAIL: ("PII.email", _PERSONAL),
    PHONE: ("PII.phone", _PERSONAL),
    CREDIT_CARD: ("PII.credit_card", "PCI.card_number", _PERSONAL),
    IBAN: ("PII.iban", _PERSONAL),
    US_SSN: ("PII.ssn", _PERSONAL),
    IP_ADDRESS: ("PII.ip_address", _PERSONAL),
    PERSON_NAME: ("PII.name", _PERSONAL),
    STREET_ADDRESS: ("PII.address", _PERSONAL),
    DATE_OF_BIRTH: ("PII.date_of_birth", _PERSONAL),
    PASSPORT: ("PII.passport", _PERSONAL),
    DRIVER_LICENSE: ("PII.driver_license", _PERSONAL),
    GPS_COORDINATES: ("PII.location", _PERSONAL),
    CRYPTO_WALLET: ("PII.crypto_wallet", _PERSONAL),
    NATIONAL_ID: ("PII.national_id", _PERSONAL),
}


def tags_for(entities: list[str]) -> tuple[str, ...]:
    """The tags of several entities, in order, each once (a free-text column can hold many)."""
    seen: dict[str, None] = {}
    for entity in entities:
        for tag in ENTITY_TAGS[entity]:
            seen.setdefault(tag, None)
    return tuple(seen)
