"""Valid identifiers Faker does not make: crypto addresses, German tax ids, driving licences, notes."""

from __future__ import annotations

import hashlib
import random

from stdnum.de import idnr
from stdnum.iso7064 import mod_11_10

from lily.classify.recognizers.crypto import eip55_checksum

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def base58check(payload: bytes) -> str:
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _BASE58[digit] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def bitcoin_legacy(rng: random.Random) -> str:
    return base58check(bytes([rng.choice((0x00, 0x05))]) + rng.randbytes(20))


def _polymod(values: list[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(generators):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _to_5bit(data: bytes) -> list[int]:
    acc, bits, out = 0, 0, []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def bitcoin_segwit(rng: random.Random) -> str:
    """A bech32 (v0, 20-byte program) or bech32m (v1, 32-byte taproot) address."""
    version = rng.choice((0, 1))
    data = [version, *_to_5bit(rng.randbytes(20 if version == 0 else 32))]
    constant = 1 if version == 0 else 0x2BC830A3
    expanded = [ord(c) >> 5 for c in "bc"] + [0] + [ord(c) & 31 for c in "bc"]
    polymod = _polymod(expanded + data + [0] * 6) ^ constant
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join(_BECH32[d] for d in data + checksum)


def ethereum(rng: random.Random) -> str:
    return eip55_checksum("0x" + rng.randbytes(20).hex())


def crypto_wallet(rng: random.Random) -> str:
    return rng.choice((bitcoin_legacy, bitcoin_segwit, ethereum))(rng)


def german_tax_id(rng: random.Random) -> str:
    """A valid Steuer-IdNr: ten digits where exactly one digit repeats, then the check digit."""
    while True:
        digits = [str(rng.randint(1, 9))] + [str(rng.randint(0, 9)) for _ in range(9)]
        body = "".join(digits)
        counts = sorted((body.count(d) for d in set(body)), reverse=True)
        if counts[0] in (2, 3) and (len(counts) < 2 or counts[1] == 1):
            number = body + mod_11_10.calc_check_digit(body)
            if idnr.is_valid(number):
                return number


def driving_licence(rng: random.Random, locale: str) -> str:
    digits = "0123456789"
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    forms = {
        "en_US": lambda: rng.choice((pick(letters, 1) + pick(digits, 7), pick(digits, 9),
                                     f"{pick(letters, 1)}{pick(digits, 3)}-{pick(digits, 4)}-{pick(digits, 4)}")),
        "en_GB": lambda: pick(letters, 5) + pick(digits, 6) + pick(letters, 2) + pick(digits, 1) + pick(letters, 2),
        "de_DE": lambda: pick(letters, 1) + pick(digits, 3) + pick(letters + digits, 6) + pick(digits, 1),
        "fr_FR": lambda: pick(digits, 12),
        "es_ES": lambda: pick(digits, 8) + pick(letters, 1),
        "it_IT": lambda: pick(letters, 2) + pick(digits, 7) + pick(letters, 1),
        "nl_NL": lambda: pick(digits, 10),
        "pt_BR": lambda: pick(digits, 11),
    }
    return forms.get(locale, forms["en_US"])()
