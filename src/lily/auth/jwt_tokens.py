"""Short-lived access tokens (HS256 JWT)."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ISSUER = "lily"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


def issue_access_token(key: str, *, user_id: uuid.UUID, tenant_id: str, username: str, role: str,
                       now: datetime, minutes: int) -> str:
    claims = {
        "iss": ISSUER, "sub": str(user_id), "tid": tenant_id, "name": username, "role": role, "typ": "access",
        "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


@dataclass(frozen=True)
class AccessClaims:
    """The claims Lily relies on, checked for type and shape."""

    user_id: uuid.UUID
    tenant_id: str
    role: str
    name: str


def decode_access_token(key: str, token: str) -> AccessClaims:
    """Verified claims, or InvalidToken (bad signature, expired, wrong algorithm or type, or a claim
    of the wrong shape: a token signed with the right key is still input, never a cause of a 5xx)."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "tid", "role"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    return AccessClaims(user_id=_uuid(claims["sub"], "sub"), tenant_id=_text(claims["tid"], "tid", 64),
                        role=_text(claims["role"], "role", 40),
                        name=_text(claims.get("name", claims["sub"]), "name", 200))


def _text(value: object, claim: str, longest: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise InvalidToken(f"malformed token: claim {claim!r} must be a string of 1 to {longest} characters")
    return value


def _uuid(value: object, claim: str) -> uuid.UUID:
    if isinstance(value, str) and len(value) <= 64:
        with contextlib.suppress(ValueError):
            return uuid.UUID(value)
    raise InvalidToken(f"malformed token: claim {claim!r} must be a UUID")
