"""Login, refresh-token rotation, API keys and users, on top of the store."""

from __future__ import annotations

import functools
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lily.auth import jwt_tokens, secrets
from lily.model import Principal, PrincipalKind, Role
from lily.settings import Settings
from lily.store import Store, accounts
from lily.store.feed import write_audit


class AuthError(Exception):
    """Credentials or token refused (answered as 401 without saying which part was wrong)."""


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


# How long a verified API key is trusted without reading its row again. Producers post an event per
# request; revocation in this process takes effect at once (the entry is dropped), in other
# processes of a scaled-out deployment within this many seconds.
API_KEY_CACHE_SECONDS = 5.0


class AuthService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        # sha256 of the key -> (principal, key expiry, monotonic time the entry was made)
        self._keys: dict[str, tuple[Principal, datetime | None, float]] = {}
        self._keys_lock = threading.Lock()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    # ------------------------------------------------------------------ users
    def create_user(self, tenant_id: str, username: str, password: str, role: Role, actor: str,
                    correlation_id: str | None = None) -> uuid.UUID:
        with self.store.write() as conn:
            uid = accounts.create_user(conn, tenant_id, username, secrets.hash_password(password), role.value,
                                       self.now())
            write_audit(conn, tenant_id, actor, "user.create", at=self.now(), entity_type="user",
                        entity_id=str(uid), correlation_id=correlation_id, details={"role": role.value})
        return uid

    # ----------------------------------------------------------------- tokens
    def login(self, tenant_id: str, username: str, password: str) -> TokenPair:
        with self.store.read() as conn:
            user = accounts.get_user(conn, tenant_id, username)
        if user is None:
            secrets.verify_password(_dummy_hash(), password)  # same cost whether or not the user exists
            raise AuthError("invalid credentials")
        if user["disabled"] or not secrets.verify_password(user["password_hash"], password):
            raise AuthError("invalid credentials")
        with self.store.write() as conn:
            pair = self._issue(conn, user, family=uuid.uuid4())
            write_audit(conn, tenant_id, f"user:{username}", "auth.login", at=self.now(), entity_type="user",
                        entity_id=str(user["id"]))
        return pair

    def _issue(self, conn: Any, user: dict[str, Any], family: uuid.UUID) -> TokenPair:
        now = self.now()
        refresh = secrets.new_refresh_token()
        accounts.insert_refresh_token(conn, {
            "id": uuid.uuid4(), "tenant_id": user["tenant_id"], "user_id": user["id"], "family_id": family,
            "token_hash": secrets.digest(refresh), "issued_at": now,
            "expires_at": now + timedelta(days=self.settings.refresh_token_days),
        })
        access = jwt_tokens.issue_access_token(
            self.settings.jwt_key(), user_id=user["id"], tenant_id=user["tenant_id"], username=user["username"],
            role=user["role"], now=now, minutes=self.settings.access_token_minutes)
        return TokenPair(access, refresh, self.settings.access_token_minutes * 60)

    def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token is spent and a new pair issued. Presenting a spent token
        again means it leaked, so the whole login (token family) is revoked."""
        now = self.now()
        with self.store.write() as conn:
            row = accounts.get_refresh_token(conn, secrets.digest(refresh_token))
            if row is None or row["revoked_at"] is not None:
                raise AuthError("invalid refresh token")
            if _aware(row["expires_at"]) <= now:
                raise AuthError("refresh token expired")
            if row["used_at"] is not None or not accounts.mark_refresh_used(conn, row["id"], now):
                accounts.revoke_family(conn, row["family_id"], now)
                write_audit(conn, row["tenant_id"], "system", "auth.refresh_reuse_detected", at=now,
                            entity_type="user", entity_id=str(row["user_id"]))
                reuse = True
            else:
                reuse = False
                user = accounts.get_user_by_id(conn, row["user_id"])
                if user is None or user["disabled"]:
                    raise AuthError("invalid refresh token")
                pair = self._issue(conn, user, family=row["family_id"])
        if reuse:
            raise AuthError("refresh token reuse detected; session revoked")
        return pair

    def revoke(self, refresh_token: str) -> bool:
        now = self.now()
        with self.store.write() as conn:
            row = accounts.get_refresh_token(conn, secrets.digest(refresh_token))
            if row is None:
                return False
            accounts.revoke_family(conn, row["family_id"], now)
            write_audit(conn, row["tenant_id"], "system", "auth.revoke", at=now, entity_type="user",
                        entity_id=str(row["user_id"]))
        return True

    def principal_from_jwt(self, token: str) -> Principal:
        try:
            claims = jwt_tokens.decode_access_token(self.settings.jwt_key(), token)
        except jwt_tokens.InvalidToken as exc:
            raise AuthError(str(exc)) from exc
        try:
            role = Role(str(claims["role"]))
        except ValueError as exc:
            raise AuthError("unknown role") from exc
        return Principal(id=uuid.UUID(str(claims["sub"])), tenant_id=str(claims["tid"]), kind=PrincipalKind.USER,
                         name=str(claims.get("name") or claims["sub"]), role=role)

    # --------------------------------------------------------------- API keys
    def create_api_key(self, tenant_id: str, name: str, role: Role, actor: str, expires_days: int | None = None,
                       correlation_id: str | None = None) -> tuple[str, dict[str, Any]]:
        key, prefix = secrets.new_api_key()
        now = self.now()
        row = {"id": uuid.uuid4(), "tenant_id": tenant_id, "name": name, "prefix": prefix,
               "key_hash": secrets.digest(key), "role": role.value, "created_by": actor, "created_at": now,
               "expires_at": now + timedelta(days=expires_days) if expires_days else None}
        with self.store.write() as conn:
            accounts.insert_api_key(conn, row)
            write_audit(conn, tenant_id, actor, "token.create", at=now, entity_type="api_key",
                        entity_id=str(row["id"]), correlation_id=correlation_id,
                        details={"role": role.value, "name": name})
        public = {k: v for k, v in row.items() if k != "key_hash"}
        return key, public

    def cached_api_key(self, key: str) -> Principal | None:
        """The principal of ``key`` if it was verified in the last few seconds (no database read)."""
        entry = self._keys.get(secrets.digest(key))
        if entry is None:
            return None
        principal, expires_at, at = entry
        if time.monotonic() - at > API_KEY_CACHE_SECONDS or (expires_at is not None and expires_at <= self.now()):
            return None
        return principal

    def principal_from_api_key(self, key: str) -> Principal:
        cached = self.cached_api_key(key)
        if cached is not None:
            return cached
        prefix = secrets.split_api_key(key)
        if prefix is None:
            raise AuthError("malformed API key")
        with self.store.read() as conn:
            row = accounts.get_api_key_by_prefix(conn, prefix)
        digest = secrets.digest(key)
        if row is None or not secrets.same(row["key_hash"], digest):
            raise AuthError("invalid API key")
        if row["revoked_at"] is not None:
            raise AuthError("API key revoked")
        expires_at = _aware(row["expires_at"]) if row["expires_at"] is not None else None
        if expires_at is not None and expires_at <= self.now():
            raise AuthError("API key expired")
        principal = Principal(id=row["id"], tenant_id=row["tenant_id"], kind=PrincipalKind.API_KEY,
                              name=row["name"], role=Role(row["role"]))
        with self._keys_lock:
            if len(self._keys) > 10_000:  # bounded: many distinct keys only cost their reads again
                self._keys.clear()
            self._keys[digest] = (principal, expires_at, time.monotonic())
        return principal

    def revoke_api_key(self, tenant_id: str, key_id: uuid.UUID, actor: str,
                       correlation_id: str | None = None) -> bool:
        with self._keys_lock:  # a revoked key is refused from the next request on
            self._keys = {d: e for d, e in self._keys.items() if e[0].id != key_id}
        with self.store.write() as conn:
            done = accounts.revoke_api_key(conn, tenant_id, key_id, self.now())
            if done:
                write_audit(conn, tenant_id, actor, "token.revoke", at=self.now(), entity_type="api_key",
                            entity_id=str(key_id), correlation_id=correlation_id)
        return done


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything Lily writes is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@functools.cache
def _dummy_hash() -> str:
    return secrets.hash_password("lily-timing-equaliser")
