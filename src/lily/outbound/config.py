"""Target connection configs: what a tenant declares per target, validated strictly per kind.

A target has a public ``config`` (returned by the API) and ``secrets`` (encrypted at rest with
Fernet, never returned). Secret-looking keys in ``config`` are refused so a password cannot end up
in plain text by mistake.

Which catalog objects a target governs: objects whose target kind matches (Snowflake objects live in
``snowflake://`` namespaces, etc.) and whose namespace is listed in ``namespaces`` (empty = every
namespace of that kind). A PostgreSQL target connects to one database, so ``database`` can further
restrict it to OpenLineage names ``<database>.<schema>.<table>``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
)

from lily.model.policy import ObjectKey, TargetKind

_SECRET_WORDS = re.compile(r"pass|secret|token|dsn|private|credential|connect_params|api_key", re.I)
# extra="forbid", and JSON booleans and numbers only (lax pydantic would take "yes" or "5"): what
# the API's schema for target configs says (lily.api.schemas_governance).
_STRICT = ConfigDict(extra="forbid")


class _Common(BaseModel):
    model_config = _STRICT
    namespaces: list[str] = Field(default_factory=list)

    @field_validator("namespaces")
    @classmethod
    def _strip(cls, v: list[str]) -> list[str]:
        out = [n.strip().rstrip("/") for n in v]
        if any(not n for n in out):
            raise ValueError("namespaces must be non-empty strings")
        return out


class PostgresConfig(_Common):
    managed_roles: list[str] = Field(min_length=1)
    governed_schema: str = "lily_governed"
    label_comments: StrictBool = True
    database: str | None = None  # only objects named <database>.<schema>.<table>
    connect_timeout_s: StrictInt = Field(default=5, ge=1, le=120)


class PostgresSecrets(BaseModel):
    model_config = _STRICT
    dsn: str = Field(min_length=1)


class SnowflakeConfig(_Common):
    policy_schema: str = "LILY.GOVERNANCE"
    tag_schema: str | None = None
    # "recording": statements are captured in memory instead of sent (tests, dry runs).
    connection: Literal["connector", "recording"] = "connector"


class DatabricksConfig(_Common):
    function_schema: str = "main.lily_governance"
    connection: Literal["connector", "recording"] = "connector"


class ConnectorSecrets(BaseModel):
    model_config = _STRICT
    connect_params: dict[str, Any] = Field(default_factory=dict)


class WebhookSubscriber(BaseModel):
    model_config = _STRICT
    url: str = Field(pattern=r"^https?://")


class WebhookConfig(_Common):
    subscribers: dict[str, WebhookSubscriber] = Field(min_length=1)
    timeout_s: StrictFloat = Field(default=5.0, gt=0, le=60)


class WebhookSecrets(BaseModel):
    model_config = _STRICT
    subscribers: dict[str, str] = Field(default_factory=dict)  # subscriber name -> signing secret


CONFIGS: dict[TargetKind, tuple[type[_Common], type[BaseModel]]] = {
    TargetKind.POSTGRES: (PostgresConfig, PostgresSecrets),
    TargetKind.SNOWFLAKE: (SnowflakeConfig, ConnectorSecrets),
    TargetKind.DATABRICKS: (DatabricksConfig, ConnectorSecrets),
    TargetKind.WEBHOOK: (WebhookConfig, WebhookSecrets),
}


class ConfigError(ValueError):
    """A target config or secret set is invalid (the message says what and where)."""


def _describe(err: ValidationError, where: str) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in (where, *e["loc"]))
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: unknown setting" if e["type"] == "extra_forbidden" else f"{loc}: {msg}")
    return "; ".join(parts)


def validate(kind: TargetKind, config: dict[str, Any], secrets: dict[str, Any]) -> tuple[_Common, BaseModel]:
    """Typed (config, secrets) for ``kind``; ``ConfigError`` names the offending setting."""
    for key in config:
        if _SECRET_WORDS.search(key):
            raise ConfigError(f"config.{key}: looks like a secret; put it in 'secrets' (encrypted, never returned)")
    config_model, secrets_model = CONFIGS[kind]
    try:
        cfg = config_model.model_validate(config)
    except ValidationError as e:
        raise ConfigError(_describe(e, "config")) from None
    try:
        sec = secrets_model.model_validate(secrets)
    except ValidationError as e:
        raise ConfigError(_describe(e, "secrets")) from None
    if isinstance(cfg, WebhookConfig):
        missing = sorted(set(cfg.subscribers) - set(getattr(sec, "subscribers", {})))
        if missing:
            raise ConfigError(f"secrets.subscribers: no signing secret for {', '.join(missing)}")
    if isinstance(cfg, SnowflakeConfig | DatabricksConfig) and cfg.connection == "connector" \
            and not getattr(sec, "connect_params", None):
        raise ConfigError("secrets.connect_params: required when connection is 'connector'")
    return cfg, sec


def _same_namespace(a: str, b: str) -> bool:
    """Namespaces compare without a trailing slash, and ``postgres``/``postgresql`` are one scheme."""
    def norm(n: str) -> str:
        n = n.rstrip("/")
        return "postgres://" + n[len("postgresql://"):] if n.lower().startswith("postgresql://") else n
    return norm(a) == norm(b)


def accepts(kind: TargetKind, config: _Common, key: ObjectKey) -> bool:
    """Whether a target of ``kind`` with ``config`` governs the object ``key``."""
    if key.target != kind:
        return False
    if config.namespaces and not any(_same_namespace(key.namespace, n) for n in config.namespaces):
        return False
    database = getattr(config, "database", None)
    return not database or (len(key.parts) >= 3 and key.parts[0] == database)
