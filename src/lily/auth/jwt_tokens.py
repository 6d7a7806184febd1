"""Short-lived access tokens (HS256 JWT)."""

from __future__ import annotations

import uuid
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


def decode_access_token(key: str, token: str) -> dict[str, object]:
    """Verified claims, or InvalidToken (bad signature, expired, wrong algorithm or type)."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "tid", "role"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    return claims
