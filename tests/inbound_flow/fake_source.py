"""A made-up source, whole in one file: "Pipes", a pipeline tool that reports each finished run.

It shows (and ``test_one_file_source`` proves) that adding a source is this file plus one line,
``register(fake_source.SOURCE)``: nothing else in Lily is edited. A report::

    {"run": "r-7", "pipeline": "daily_orders", "finished": "2026-01-05T10:00:00Z",
     "reads": ["postgres://db:5432/shop.public.raw_orders"], "writes": ["postgres://db:5432/shop.public.orders"]}

and a body is one report or ``{"reports": [...]}``. Relays sign the body (``x-pipes-signature``: hex
HMAC-SHA256 with the tenant's secret) or send a bearer key. The pipelines live in the namespace the
tenant configures (``PipesOptions``). A report that arrives after a later run's is skipped.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lily.inbound.sources.base import (
    InvalidSignatureError,
    MissingSignatureError,
    NoSecretError,
    ParseError,
    header,
    optional_list,
    parse_timestamp,
    require_object,
    require_str,
    sha256_hex,
)
from lily.inbound.sources.contract import Auth, CatalogView, Enriched, Source, listed_under
from lily.model import AddLineage, AssetRef, AssetType, MetadataEvent, UpsertAsset

NAME = "pipes"
SIGNATURE_HEADER = "x-pipes-signature"


class PipesOptions(BaseModel):
    """A tenant's options: where its pipelines (jobs) are named."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field("pipes", min_length=1, max_length=200)


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    if not secret:
        raise NoSecretError("no Pipes secret is configured")
    received = (header(headers, SIGNATURE_HEADER) or "").strip().lower()
    if not received:
        raise MissingSignatureError(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(received.encode(), sign(body, secret).encode()):
        raise InvalidSignatureError(f"{SIGNATURE_HEADER} does not match the body")


def split(payload: Any) -> list[Any]:
    if isinstance(payload, dict) and isinstance(payload.get("reports"), list):
        return list(payload["reports"])
    return [payload]


def check(item: Any, tenant_id: str) -> None:
    """What a report is stored under, refused at once (422) when missing."""
    del tenant_id
    report = require_object(item, "")
    require_str(report, "run", "")
    require_str(report, "pipeline", "")
    parse_timestamp(report.get("finished"), "finished")


def idempotency_key(item: Any) -> str:
    return sha256_hex(NAME, str(item.get("pipeline")), str(item.get("run")))


def partition_key(item: Any) -> str:
    return str(item.get("pipeline") or "") if isinstance(item, dict) else ""


def event_type(item: Any, checked: Any) -> str:
    del item, checked
    return "run.finished"


def parse(payload: Any, *, received_at: datetime | None = None, options: Any = None) -> list[MetadataEvent]:
    del received_at  # a report carries its own time
    namespace = (options if isinstance(options, PipesOptions) else PipesOptions()).namespace
    report = require_object(payload, "")
    run = require_str(report, "run", "")
    finished = parse_timestamp(report.get("finished"), "finished")
    job = AssetRef(namespace=namespace, name=require_str(report, "pipeline", ""))
    reads = [_dataset(uri, f"reads[{i}]") for i, uri in enumerate(optional_list(report, "reads", ""))]
    writes = [_dataset(uri, f"writes[{i}]") for i, uri in enumerate(optional_list(report, "writes", ""))]
    ops: list[MetadataEvent] = [UpsertAsset(ref=job, type=AssetType.JOB,
                                            attributes={"last_run": run, "last_finished": finished.isoformat()})]
    ops += [UpsertAsset(ref=ref, type=AssetType.TABLE) for ref in reads + writes]
    ops += [AddLineage(source=read, target=write, job=job, run_id=run) for read in reads for write in writes]
    return ops


def _dataset(uri: Any, path: str) -> AssetRef:
    """``scheme://authority/name`` → the OpenLineage namespace and name."""
    if not isinstance(uri, str) or "://" not in uri or "/" not in uri.split("://", 1)[1]:
        raise ParseError(path, "expected scheme://authority/name")
    scheme, rest = uri.split("://", 1)
    authority, name = rest.split("/", 1)
    return AssetRef(namespace=f"{scheme}://{authority}", name=name)


def enrich(operations: list[MetadataEvent], catalog: CatalogView) -> Enriched:
    """A report older than the job's last one is late: it must not roll the job's last run back."""
    job = operations[0]
    assert isinstance(job, UpsertAsset)
    stored = catalog.attributes([job.ref]).get(job.ref, {}).get("last_finished")
    incoming = job.attributes["last_finished"]
    if stored and datetime.fromisoformat(stored) > datetime.fromisoformat(incoming):
        return Enriched([], note=f"late Pipes report skipped: a run finished at {stored} is stored")
    return Enriched(operations)


SOURCE = Source(
    name=NAME, title="Pipes", auth=Auth.EITHER, verify=verify, signature_header=SIGNATURE_HEADER,
    split=split, count=listed_under("reports"), check=check, idempotency_key=idempotency_key,
    partition_key=partition_key, event_type=event_type, parse=parse, enrich=enrich, config=PipesOptions,
)
