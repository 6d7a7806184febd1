"""Login, refresh-token rotation, API keys and users, on top of the store."""

from __future__ import annotations

import functools
import math
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lily.auth import jwt_tokens, secrets
from lily.auth.key_use import KeyUseRecorder
from lily.auth.throttle import BackoffPolicy, LoginThrottle
from lily.model import Principal, PrincipalKind, Role
from lily.observability import log
from lily.settings import Settings
from lily.store import Store, accounts
from lily.store.feed import write_audit


class AuthError(Exception):
    """Credentials or token refused, answered 401. The message says why (expired, revoked, a
    malformed claim) except for a sign-in, which never tells a wrong tenant, user or password apart."""


class FailedLogin(AuthError):
    """A password checked and refused (or no such user); ``user_id`` is for the audit trail only."""

    def __init__(self, user_id: uuid.UUID | None) -> None:
        super().__init__("invalid credentials")
        self.user_id = user_id


class LoginThrottled(Exception):
    """Sign-in refused before the password is checked: too many recent failures for the user
    (``scope`` "user") or from the source address ("address"), answered 429; or too many
    passwords being checked at once ("server"), answered 503. Both with Retry-After."""

    def __init__(self, scope: str, retry_after: float) -> None:
        after = math.ceil(retry_after)
        if scope == "server":
            message = f"too many sign-ins in progress; retry after {after} s"
        else:
            whom = "for this user" if scope == "user" else "from this address"
            message = f"too many failed sign-ins {whom}; retry after {after} s"
        super().__init__(message)
        self.scope, self.retry_after = scope, retry_after


@dataclass(frozen=True)
class LoginAttempt:
    """A reserved sign-in attempt (see :meth:`AuthService.start_login`)."""

    tenant_id: str
    username: str
    source: str  # the client's address as the API determined it


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
        # last_used_at of API keys, written in the background (started by the API's lifespan).
        self.key_use = KeyUseRecorder(store, interval=settings.api_key_use_interval_s)
        self.throttle = LoginThrottle(
            BackoffPolicy(settings.login_free_attempts, settings.login_backoff_base_s, settings.login_backoff_cap_s),
            BackoffPolicy(settings.login_address_free_attempts, settings.login_backoff_base_s,
                          settings.login_backoff_cap_s),
            max_in_flight=settings.login_max_concurrent)

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
    def start_login(self, tenant_id: str, username: str, source: str) -> LoginAttempt:
        """Reserve a sign-in attempt, or raise :class:`LoginThrottled` while the user or the source
        address is locked out. In memory only (no hash, no I/O): callable on the event loop."""
        refusal = self.throttle.begin(tenant_id, username, source)
        if refusal is not None:
            raise LoginThrottled(refusal.scope, refusal.retry_after)
        return LoginAttempt(tenant_id, username, source)

    def login(self, attempt: LoginAttempt, password: str, correlation_id: str | None = None) -> TokenPair:
        """Check the password of a reserved attempt and settle it: a failure is counted toward the
        lockouts and audited; a success clears the user's failures and issues a token pair."""
        try:
            user = self._verified_user(attempt.tenant_id, attempt.username, password)
        except FailedLogin as exc:
            self._record_failure(attempt, exc.user_id, correlation_id)
            raise
        except BaseException:
            self.throttle.abandoned(attempt.tenant_id, attempt.username, attempt.source)
            raise
        self.throttle.succeeded(attempt.tenant_id, attempt.username, attempt.source)
        with self.store.write() as conn:
            pair = self._issue(conn, user, family=uuid.uuid4())
            write_audit(conn, attempt.tenant_id, f"user:{attempt.username}", "auth.login", at=self.now(),
                        entity_type="user", entity_id=str(user["id"]), correlation_id=correlation_id,
                        details={"source": attempt.source})
        return pair

    def _record_failure(self, attempt: LoginAttempt, user_id: uuid.UUID | None,
                        correlation_id: str | None) -> None:
        """Count the failure, then audit it and any lockout it starts. Only verified failures get
        here (a throttled attempt is refused before), so the rows per address and user are bounded
        by the backoff itself. An audit write that fails is logged: the caller still gets its 401."""
        outcome = self.throttle.failed(attempt.tenant_id, attempt.username, attempt.source)
        who = {"username": attempt.username, "source": attempt.source}
        user_ref = str(user_id) if user_id else None
        log.warning("login_failed", tenant=attempt.tenant_id, **who, user_failures=outcome.user_failures,
                    address_failures=outcome.address_failures, user_lock_s=outcome.user_lock,
                    address_lock_s=outcome.address_lock)
        now = self.now()
        try:
            with self.store.write() as conn:
                write_audit(conn, attempt.tenant_id, "anonymous", "auth.login_failed", at=now, entity_type="user",
                            entity_id=user_ref, correlation_id=correlation_id,
                            details={**who, "user_failures": outcome.user_failures,
                                     "address_failures": outcome.address_failures})
                if outcome.user_lock:
                    write_audit(conn, attempt.tenant_id, "system", "auth.lockout", at=now, entity_type="user",
                                entity_id=user_ref, correlation_id=correlation_id,
                                details={**who, "scope": "user", "seconds": outcome.user_lock})
                if outcome.address_lock:
                    write_audit(conn, attempt.tenant_id, "system", "auth.lockout", at=now, entity_type="address",
                                entity_id=attempt.source, correlation_id=correlation_id,
                                details={**who, "scope": "address", "seconds": outcome.address_lock})
        except Exception:
            log.exception("login_failure_audit_failed", tenant=attempt.tenant_id, **who)

    def _verified_user(self, tenant_id: str, username: str, password: str) -> dict[str, Any]:
        with self.store.read() as conn:
            user = accounts.get_user(conn, tenant_id, username)
        # One hash whether the user exists, is disabled or not: the time does not tell which.
        verified = secrets.verify_password(user["password_hash"] if user else _dummy_hash(), password)
        if user is None or user["disabled"] or not verified:
            raise FailedLogin(user["id"] if user else None)
        return user

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
        if not self._known_refresh_token(refresh_token):
            raise AuthError("invalid refresh token")
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
        if not self._known_refresh_token(refresh_token):
            return False
        now = self.now()
        with self.store.write() as conn:
            row = accounts.get_refresh_token(conn, secrets.digest(refresh_token))
            if row is None:
                return False
            accounts.revoke_family(conn, row["family_id"], now)
            write_audit(conn, row["tenant_id"], "system", "auth.revoke", at=now, entity_type="user",
                        entity_id=str(row["user_id"]))
        return True

    def _known_refresh_token(self, refresh_token: str) -> bool:
        """Whether the token exists, from a read: unknown tokens (guesses, garbage) are refused
        without taking the database's write lock, which the inbound path is waiting for."""
        with self.store.read() as conn:
            return accounts.get_refresh_token(conn, secrets.digest(refresh_token)) is not None

    def principal_from_jwt(self, token: str) -> Principal:
        try:
            claims = jwt_tokens.decode_access_token(self.settings.jwt_key(), token)
        except jwt_tokens.InvalidToken as exc:
            raise AuthError(str(exc)) from exc
        try:
            role = Role(claims.role)
        except ValueError as exc:
            raise AuthError(f"unknown role {claims.role!r}") from exc
        return Principal(id=claims.user_id, tenant_id=claims.tenant_id, kind=PrincipalKind.USER,
                         name=claims.name, role=role)

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
        """The principal of ``key`` if it was verified in the last few seconds (no database read),
        its use noted for ``last_used_at`` (in memory)."""
        entry = self._keys.get(secrets.digest(key))
        if entry is None:
            return None
        principal, expires_at, at = entry
        if time.monotonic() - at > API_KEY_CACHE_SECONDS or (expires_at is not None and expires_at <= self.now()):
            return None
        self.key_use.used(principal.id)
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
        self.key_use.used(principal.id)
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
