"""Keccak-256 as Ethereum uses it (the original padding, not NIST SHA3-256's, hence not hashlib).

Only EIP-55 address checksums use it, over 40 bytes per address: a plain-Python permutation is fast
enough and saves a native dependency.
"""

from __future__ import annotations

_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)
_ROTATIONS = (  # by lane x + 5 * y
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
)
_MASK = (1 << 64) - 1
_RATE = 136  # bytes: 1600-bit state minus twice the 256-bit output
# rho and pi together: lane i moves to _PI_TARGET[i], rotated by _ROTATIONS[i]
_PI_TARGET = tuple(y + 5 * ((2 * x + 3 * y) % 5) for y in range(5) for x in range(5))
_PI = tuple(zip(range(25), _PI_TARGET, _ROTATIONS, strict=True))
_CHI = tuple((i, (i % 5 + 1) % 5 + 5 * (i // 5), (i % 5 + 2) % 5 + 5 * (i // 5)) for i in range(25))


def _permute(lanes: list[int]) -> list[int]:
    mask = _MASK
    for constant in _ROUND_CONSTANTS:
        c = [lanes[x] ^ lanes[x + 5] ^ lanes[x + 10] ^ lanes[x + 15] ^ lanes[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & mask) for x in range(5)]
        moved = [0] * 25
        for source, target, shift in _PI:
            lane = lanes[source] ^ d[source % 5]
            moved[target] = ((lane << shift) | (lane >> (64 - shift))) & mask if shift else lane
        lanes = [moved[i] ^ (~moved[j] & moved[k]) for i, j, k in _CHI]
        lanes[0] ^= constant
    return lanes


def keccak256(data: bytes) -> bytes:
    padded = bytearray(data)
    padded.append(0x01)
    padded.extend(b"\x00" * (-len(padded) % _RATE))
    padded[-1] |= 0x80
    lanes = [0] * 25
    for offset in range(0, len(padded), _RATE):
        for index in range(_RATE // 8):
            start = offset + 8 * index
            lanes[index] ^= int.from_bytes(padded[start : start + 8], "little")
        lanes = _permute(lanes)
    return b"".join(lanes[i].to_bytes(8, "little") for i in range(4))
