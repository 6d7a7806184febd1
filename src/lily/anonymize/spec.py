"""What an anonymization operator does to a column, as declared in a pipeline file."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OperatorKind = Literal["replace", "redact", "mask", "hash", "encrypt"]


class OperatorSpec(BaseModel):
    """One operator and its parameters (unused parameters are ignored by the other kinds).

    ``deterministic`` only changes ``encrypt``: AES-SIV (same value, same ciphertext, so the column
    stays joinable) instead of AES-GCM with a random nonce. ``hash`` is always deterministic.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    kind: OperatorKind
    placeholder: str | None = None
    keep_last: int = Field(default=4, ge=0)
    mask_char: str = "*"
    deterministic: bool = False

    @field_validator("mask_char")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("mask_char must be exactly one character")
        return value


def anonymization_tag(spec: OperatorSpec) -> str:
    """The tag an anonymized column carries, e.g. ``anonymized.hash``."""
    return f"anonymized.{spec.kind}"


def placeholder_for(spec: OperatorSpec, entity: str | None) -> str:
    """``replace``'s text: the spec's placeholder, else ``<ENTITY>``, else ``<REDACTED>``."""
    if spec.placeholder is not None:
        return spec.placeholder
    return f"<{entity.upper()}>" if entity else "<REDACTED>"
