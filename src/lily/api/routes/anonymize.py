"""Decryption of ``encrypt`` tokens (docs/medallion.md): admin only, every call audited.

``POST /api/v1/anonymize/decrypt`` with ``{"values": [token, ...]}`` answers ``{"values": [plaintext, ...]}``
in the same order; a value that is not a token of the tenant's keys refuses the whole call (422).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.schemas import RequestModel
from lily.model import Principal

router = APIRouter(prefix=V1, tags=["anonymize"])

# A token of a value is about 4/3 of its size plus a header: 8 KiB holds any value a column keeps in
# practice; 1000 values bound what one call can disclose and how long it holds a worker.
MAX_VALUES = 1000
MAX_TOKEN = 8192
Token = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TOKEN)]


class DecryptIn(RequestModel):
    values: list[Token] = Field(min_length=1, max_length=MAX_VALUES, description="tokens written by `encrypt`")


class DecryptOut(BaseModel):
    values: list[str] = Field(description="the plaintexts, in the order of the tokens")


@router.post("/anonymize/decrypt", response_model=DecryptOut)
async def decrypt_values(body: DecryptIn, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                         rid: str = Depends(request_id)) -> DecryptOut:
    from lily.anonymize import DecryptionError, load_keyring
    from lily.medallion.decryption import decrypt_audited

    def run() -> list[str]:
        keys = load_keyring(principal.tenant_id, app.settings.data_dir)
        return decrypt_audited(app.store, keys, body.values, tenant_id=principal.tenant_id, actor=principal.actor,
                               at=datetime.now(UTC), correlation_id=rid or None)

    try:
        return DecryptOut(values=await run_in_threadpool(run))
    except DecryptionError as exc:
        raise HTTPException(422, str(exc)) from exc
