"""CREDIT_CARD: the Luhn checksum and the issuer's prefix and length (IIN ranges)."""

from __future__ import annotations

from lily.classify import tags
from lily.classify.gates import NUMERIC
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, INTEGER, STRING, Recognizer

PATTERN = r"^[0-9][0-9 -]+[0-9]$"
SPAN = r"\b(?:\d[ -]?){11,18}\d\b"

# (lowest prefix, highest prefix, lengths): Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay,
# Maestro, Mir. Prefixes compare as integers of their own width.
_RANGES: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("4", "4", frozenset({13, 16, 19})),
    ("51", "55", frozenset({16})),
    ("2221", "2720", frozenset({16})),
    ("34", "34", frozenset({15})),
    ("37", "37", frozenset({15})),
    ("6011", "6011", frozenset({16, 17, 18, 19})),
    ("644", "649", frozenset({16, 17, 18, 19})),
    ("65", "65", frozenset({16, 17, 18, 19})),
    ("300", "305", frozenset({14, 15, 16, 17, 18, 19})),
    ("36", "36", frozenset({14, 15, 16, 17, 18, 19})),
    ("38", "39", frozenset({14, 15, 16, 17, 18, 19})),
    ("3528", "3589", frozenset({16, 17, 18, 19})),  # not 15: IMEIs start 35 and pass Luhn too
    ("2131", "2131", frozenset({15})),
    ("1800", "1800", frozenset({15})),
    ("62", "62", frozenset({16, 17, 18, 19})),
    ("50", "50", frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    ("56", "69", frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    ("2200", "2204", frozenset({16, 17, 18, 19})),
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def issuer_ok(digits: str) -> bool:
    length = len(digits)
    return any(length in lengths and low <= digits[: len(low)] <= high for low, high, lengths in _RANGES)


def validate(value: str) -> float:
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or len(set(digits)) < 2:
        return 0.0
    return 1.0 if issuer_ok(digits) and luhn_ok(digits) else 0.0


RECOGNIZER = Recognizer(
    entity=tags.CREDIT_CARD, id="card.luhn+iin", pattern=PATTERN, validate=validate, tier=CHECKSUM, gate=NUMERIC, length=(12, 23),
    kinds=frozenset({STRING, INTEGER}),
    hint=hint(("card", "cc", "pan", "ccnum", "cc_number", "credit", "kreditkarte", "tarjeta", "carta",
               "cartao", "carte", "visa", "mastercard", "amex"),
              stems=("creditcard", "credit_card", "cardnumber", "card_number", "card_no", "card_num",
                     "kreditkarte", "carte_bancaire", "carte_credit", "tarjeta", "carta_di_credito",
                     "cartao"),
              negative_tokens=("holder", "name", "owner", "brand", "issuer", "expiry", "exp", "expires",
                               "expiration", "cvv", "cvc", "cvv2", "security", "code", "pin", "network",
                               "scheme", "bin", "fee", "limit", "balance", "points", "count")),
)
