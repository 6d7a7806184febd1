"""Per-tenant source configuration: webhook secrets (Fernet-encrypted at rest) and parse options.

Read on every webhook and by every worker, so values are cached for a few seconds; a change made
through the admin API is visible everywhere within ``ttl`` seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from lily.store import Store, inbox
from lily.store.feed import write_audit

MAX_CACHED = 10_000  # (tenant, source) entries


@dataclass(frozen=True)
class SourceConfig:
    secret: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    updated_by: str | None = None


class SourceConfigs:
    def __init__(self, store: Store, fernet_key: str, ttl: float = 5.0) -> None:
        self.store = store
        self._fernet = Fernet(fernet_key.encode())
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, SourceConfig]] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str, source: str) -> SourceConfig:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get((tenant_id, source))
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        with self.store.read() as conn:
            row = inbox.get_source_config(conn, tenant_id, source)
        config = SourceConfig()
        if row is not None:
            config = SourceConfig(secret=self._decrypt(row["secret_encrypted"]), options=row["options"] or {},
                                  updated_at=row["updated_at"], updated_by=row["updated_by"])
        with self._lock:
            # Bounded: an unauthenticated webhook names any tenant it likes, and each name would
            # otherwise stay cached for good. Clearing only costs the next reads.
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[(tenant_id, source)] = (now, config)
        return config

    def put(self, tenant_id: str, source: str, *, secret: str | None, keep_secret: bool,
            options: dict[str, Any], actor: str, correlation_id: str | None = None) -> SourceConfig:
        """Store the config; ``keep_secret`` leaves the stored secret as it is (``secret`` is ignored)."""
        now = datetime.now(UTC)
        with self.store.write() as conn:
            current = inbox.get_source_config(conn, tenant_id, source)
            if keep_secret:
                encrypted = current["secret_encrypted"] if current else None
            else:
                encrypted = self._fernet.encrypt(secret.encode()).decode() if secret else None
            inbox.put_source_config(conn, tenant_id, source, secret_encrypted=encrypted, options=options,
                                    actor=actor, at=now)
            write_audit(conn, tenant_id, actor, "source.configure", at=now, entity_type="source",
                        entity_id=source, correlation_id=correlation_id,
                        details={"secret_configured": encrypted is not None,
                                 "secret_changed": not keep_secret, "options": sorted(options)})
        with self._lock:
            self._cache.pop((tenant_id, source), None)
        return self.get(tenant_id, source)

    def _decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            # A rotated key without re-encryption: treat as unconfigured rather than accept anything.
            raise RuntimeError("cannot decrypt a stored webhook secret: wrong encryption key") from None
