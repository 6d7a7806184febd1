"""IP_ADDRESS: IPv4 and IPv6 as the standard library parses them.

Four dotted numbers are also version strings (``1.2.3.4``, ``3.10.2.1``). One value cannot tell
them apart; a column can: versions keep every part small, while addresses — public or private,
``10.0.12.7``, ``192.168.1.20`` — spread their octets. The column check measures that share.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from lily.classify import tags
from lily.classify.gates import DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import CHECKSUM, Recognizer

PATTERN = r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$|^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?\]?$"
V4_SPAN = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
V6_SPAN = r"(?i:(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})"

# A first octet that real networks use for small subnets too (10.0.0.5): never version-like.
_NETWORK_FIRST = frozenset({"10", "127", "172", "192", "169"})


def validate_v4(value: str) -> float:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return 0.0
    return 1.0


def validate_v6(value: str) -> float:
    text = value.strip("[]").split("%", 1)[0]
    if text.count(":") < 2:
        return 0.0
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return 0.0
    return 1.0


def version_like(value: str) -> bool:
    """Every part below 32 and a first part no network would start a small subnet with."""
    parts = value.split(".")
    return parts[0] not in _NETWORK_FIRST and all(len(p) <= 2 and int(p) < 32 for p in parts)


def version_check(values: Sequence[str]) -> tuple[float, dict[str, object]]:
    """Penalise columns most of whose IPv4 addresses look like four-part versions."""
    v4 = [v for v in values if "." in v and ":" not in v]
    if not v4:
        return 0.0, {}
    share = sum(1 for v in v4 if version_like(v)) / len(v4)
    penalty = -10.0 * min(1.0, max(0.0, (share - 0.2) / 0.4)) * len(v4) / len(values)
    return penalty, {"version_like": round(share, 4)}


def validate(value: str) -> float:
    return validate_v6(value) if ":" in value else validate_v4(value)


RECOGNIZER = Recognizer(
    entity=tags.IP_ADDRESS, id="ip.v4+v6", pattern=PATTERN, validate=validate, tier=CHECKSUM, gate=DIGIT, length=(3, 60),
    column_check=version_check,
    hint=hint(("ip", "ipv4", "ipv6", "ip_addr", "ipaddr", "ipaddress", "remote_addr", "remote_ip", "client_ip",
               "src_ip", "dst_ip", "source_ip", "dest_ip", "host_ip", "peer_ip", "ip_address",
               "x_forwarded_for"),
              stems=("ipaddr", "ipv4", "ipv6", "ip_addr"),
              negative_tokens=("version", "ver", "build", "release", "range", "subnet", "cidr", "netmask",
                               "count", "country", "city", "asn", "isp")),
)
