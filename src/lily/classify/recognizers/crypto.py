"""CRYPTO_WALLET: Bitcoin addresses by their checksums (base58check for legacy and script addresses,
bech32 / bech32m for segwit ones) and Ethereum addresses by EIP-55's mixed-case checksum. An all-lower
or all-upper Ethereum address carries no checksum, unless its checksum spelling is all lower case (a
few letters whose hash nibbles are all below 8): its shape alone counts three quarters."""

from __future__ import annotations

import hashlib

from lily.classify import tags
from lily.classify.gates import TOKEN
from lily.classify.keccak import keccak256
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, Recognizer

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {ch: i for i, ch in enumerate(_BASE58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {ch: i for i, ch in enumerate(_BECH32)}
_BECH32_CONSTANTS = (1, 0x2BC830A3)  # bech32, bech32m

PATTERN = r"^(?:[13][1-9A-HJ-NP-Za-km-z]+|[bB][cC]1[0-9A-Za-z]+|0[xX][0-9a-fA-F]+)$"
SPAN = r"\b(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{8,87}|0x[0-9a-fA-F]{40})\b"


def base58check_ok(address: str) -> bool:
    number = 0
    for ch in address:
        index = _BASE58_INDEX.get(ch)
        if index is None:
            return False
        number = number * 58 + index
    raw = number.to_bytes(25, "big") if number.bit_length() <= 200 else b""
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    if len(address) - len(address.lstrip("1")) != len(raw) - len(raw.lstrip(b"\0")):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


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


def bech32_ok(address: str) -> bool:
    if address != address.lower() and address != address.upper():
        return False
    text = address.lower()
    hrp, _, data = text.rpartition("1")
    if hrp != "bc" or len(data) < 6:
        return False
    values = [_BECH32_INDEX.get(ch, -1) for ch in data]
    if -1 in values:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _polymod(expanded + values) in _BECH32_CONSTANTS


def eip55_checksum(address: str) -> str:
    """The EIP-55 spelling of a 0x-prefixed Ethereum address."""
    body = address[2:].lower()
    digest = keccak256(body.encode()).hex()
    return "0x" + "".join(ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(body))


def validate(value: str) -> float:
    if value[:2] in ("0x", "0X"):
        body = value[2:]
        if len(body) != 40:
            return 0.0
        if len(set(body.lower())) <= 4:
            return 0.0
        if eip55_checksum(value) == "0x" + body:
            return 1.0  # its checksum spelling (all lower case when no letter's hash nibble is >= 8)
        return 0.75 if body == body.lower() or body == body.upper() else 0.0
    if value[:3].lower() == "bc1":
        return 1.0 if 14 <= len(value) <= 90 and bech32_ok(value) else 0.0
    return 1.0 if 26 <= len(value) <= 35 and base58check_ok(value) else 0.0


RECOGNIZER = Recognizer(
    entity=tags.CRYPTO_WALLET, id="crypto.checksum", pattern=PATTERN, validate=validate, tier=CHECKSUM, gate=TOKEN, length=(26, 90),
    hint=hint(("wallet", "btc", "bitcoin", "eth", "ethereum", "crypto", "xbt", "wallet_address",
               "btc_address", "eth_address", "payout_address", "deposit_address", "receiving_address"),
              stems=("wallet", "bitcoin", "ethereum", "crypto"),
              negative_tokens=("balance", "amount", "currency", "network", "chain", "price", "fee")),
)
