"""Decryption of ``encrypt`` tokens, audited: the one way back to plaintext (the admin API route and
``lily anonymize decrypt`` both come here).

The audit record is written before any plaintext is returned, and for refused calls too: it names the
actor, the tenant, how many values and the correlation id, never a token or a plaintext (a token is
as good as its plaintext to whoever holds the key).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa

from lily.anonymize import DecryptionError, KeyRing, decrypt
from lily.store import Store
from lily.store.feed import write_audit

ACTION = "anonymize.decrypt"


def decrypt_audited(store: Store, keys: KeyRing, values: Sequence[str], *, tenant_id: str, actor: str, at: datetime,
                    correlation_id: str | None = None) -> list[str]:
    """The plaintexts of ``values``, in order; :class:`DecryptionError` (audited as refused) when any
    is not a token of one of ``keys``."""
    try:
        opened = decrypt(pa.array(list(values), pa.string()), keys).to_pylist()
    except DecryptionError:
        _audit(store, tenant_id, actor, len(values), "refused", at, correlation_id)
        raise
    _audit(store, tenant_id, actor, len(values), "decrypted", at, correlation_id)
    return [str(v) for v in opened]


def _audit(store: Store, tenant_id: str, actor: str, count: int, outcome: str, at: datetime,
           correlation_id: str | None) -> None:
    with store.write() as conn:
        write_audit(conn, tenant_id, actor, ACTION, at=at, entity_type="tenant", entity_id=tenant_id,
                    correlation_id=correlation_id, details={"values": count, "outcome": outcome})
