"""Where pipeline metadata goes: OpenLineage events (``LineageSink``) and catalog operations
(``MetadataSink``). Each has an in-memory implementation for tests; HTTP posts OpenLineage to Lily
(or any OpenLineage endpoint) exactly like an OpenLineage client would."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import httpx

from lily.model import MetadataEvent


@runtime_checkable
class LineageSink(Protocol):
    def emit(self, event: dict[str, Any]) -> None:
        """Deliver one OpenLineage RunEvent; raise on failure."""
        ...


@runtime_checkable
class MetadataSink(Protocol):
    def publish(self, events: Sequence[MetadataEvent], *, run_id: str | None = None) -> None:
        """Apply (or queue) catalog operations describing what a step wrote; ``run_id`` is the run
        that wrote it (a correlation id for the catalog's change records)."""
        ...


class InMemoryLineageSink:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []

    def emit(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)


class HttpLineageSink:
    """POSTs each event to ``<base_url>/api/v1/lineage`` with ``Authorization: Bearer <api_key>``."""

    def __init__(self, base_url: str, api_key: str | None = None, *, client: httpx.Client | None = None,
                 timeout: float = 10.0) -> None:
        self._url = base_url.rstrip("/") + "/api/v1/lineage"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client(timeout=timeout)

    def emit(self, event: dict[str, Any]) -> None:
        response = self._client.post(self._url, json=event, headers=self._headers)
        response.raise_for_status()

    def close(self) -> None:
        self._client.close()


class InMemoryMetadataSink:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.batches: list[list[MetadataEvent]] = []
        self.run_ids: list[str | None] = []

    def publish(self, events: Sequence[MetadataEvent], *, run_id: str | None = None) -> None:
        with self._lock:
            self.batches.append(list(events))
            self.run_ids.append(run_id)
