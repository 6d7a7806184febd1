from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lily.inbound.sources import monte_carlo
from lily.inbound.sources.monte_carlo_mapping import MonteCarloMapping
from lily.model import ChangeSet, MetadataEvent
from lily.store import ApplyResult, Store
from lily.store.accounts import create_tenant
from tests.inbound.samples import MONTECARLO
from tests.marquez.conftest import module_database_url  # noqa: F401  (shared module-scoped database fixture)

INCIDENT = "f83867b6-8f25-428b-807c-08518f63384c"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", T0)
        create_tenant(conn, "globex", "Globex", T0)
    yield s
    s.dispose()


def sample(name: str) -> dict[str, Any]:
    return json.loads((MONTECARLO / name).read_bytes())


def apply(store: Store, *ops: MetadataEvent, tenant: str = "acme", at: datetime = T0) -> ApplyResult:
    return store.apply(ChangeSet(tenant_id=tenant, actor="test", operations=list(ops), at=at))


def webhook(store: Store, payload: dict[str, Any], received_at: datetime, *,
            mapping: MonteCarloMapping | None = None, tenant: str = "acme") -> ApplyResult:
    """What the inbound worker does with one Monte Carlo webhook: parse, then apply."""
    ops = monte_carlo.parse(payload, received_at=received_at, options=mapping)
    return apply(store, *ops, tenant=tenant, at=received_at)


def update(incident: str = INCIDENT, **fields: Any) -> dict[str, Any]:
    """A Monte Carlo incident update (PROTOCOLS §3 update-event table): fields inside ``payload``."""
    return {"account": {"id": "9a59c6f1-203a-4c72-8cd7-132db7f21b92"}, "action": "incident",
            "type": "incident_status_update", "version": "v0.1",
            "payload": {"incident_id": incident, **fields}}
