"""Runtime settings: ``LILY_*`` environment variables and ``.env``, with embedded defaults.

Secrets that are not configured are generated on first use and kept in ``<data_dir>/secrets.json``
with 0600 permissions, so a restart keeps tokens valid and encrypted values readable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LILY_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".lily")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file <data_dir>/lily.db"
    )
    host: str = "127.0.0.1"
    port: int = 8000

    jwt_secret: SecretStr | None = None
    encryption_key: SecretStr | None = None  # Fernet key for target secrets at rest
    access_token_minutes: int = 60
    refresh_token_days: int = 7

    # An API key's last_used_at is written at most once per this many seconds per key and process,
    # in the background (docs/api.md).
    api_key_use_interval_s: float = Field(60.0, ge=0)

    rate_limit_per_minute: int = 1200  # per API key / user, token bucket refill rate
    rate_limit_burst: int = 200
    # Abuse resistance (docs/security.md). Requests refused for their credentials (token, API key,
    # webhook signature) draw on a budget per source address; past it they get 429, while requests
    # with valid credentials from the same address still pass.
    auth_failures_per_minute: int = Field(60, ge=1)
    auth_failure_burst: int = Field(20, ge=1)
    # Sign-in backoff: the failure count that starts the first lock (per user / per address), that
    # lock's seconds (doubling per further failure) and the longest lock (also the time a counter takes to
    # drain by one failure).
    login_free_attempts: int = Field(5, ge=1)
    login_address_free_attempts: int = Field(20, ge=1)
    login_backoff_base_s: float = Field(1.0, gt=0)
    login_backoff_cap_s: float = Field(900.0, gt=0)
    # Passwords checked at once (argon2id: 64 MiB and ~0.15 s of CPU each); more sign-ins get 503.
    login_max_concurrent: int = Field(4, ge=1)
    # Reverse proxies (comma-separated addresses or CIDR networks) whose X-Forwarded-For names the
    # client. Empty: the TCP peer is the client and X-Forwarded-For is ignored.
    trusted_proxies: str = ""
    max_body_bytes: int = 5 * 1024 * 1024
    # Other browser apps allowed to call the API (CORS), comma-separated origins such as
    # "https://app.example.com". Empty (the default): no cross-origin access. The web UI needs none.
    cors_origins: str = ""
    max_page_size: int = 500

    # Pipelines (docs/pipelines.md): the lake, scheduled runs inside `lily serve`, OpenLineage output.
    lake_root: str | None = None  # default (also when empty) <data_dir>/lake
    lake_url: str | None = None  # s3://bucket/prefix (AWS_* settings) or a directory; overrides lake_root
    engine: str = "duckdb"  # where the log pipeline computes: duckdb (in process) or spark (the `spark` extra)
    spark_master: str = "local[*]"  # with engine=spark: the Spark master URL
    pipeline_schedule: str = ""  # cron, e.g. "0 2 * * *" (02:00 UTC processes yesterday); empty: off
    pipeline_schedule_poll_s: float = 30.0
    pipeline_tenant: str = "default"  # the tenant that owns the lake: its runs and catalog entries
    lineage_url: str | None = None  # pipelines POST OpenLineage to <url>/api/v1/lineage
    processes_dir: str | None = None  # declared lineage process files (docs/contracts.md); unset: none
    processes_poll_s: float = 30.0  # how often the directory is re-read
    contracts_monitor: bool = True  # evaluate contracts on change and on schedule, freshness incidents
    contracts_poll_s: float = 1.0  # the monitor reads the change feed this often (short, lean reads)
    contracts_interval_s: float = 300.0  # every contract evaluated and freshness judged this often
    # Retention (docs/deployment.md): ages in days (0 keeps for ever), pruned in the background in
    # small transactions by `lily serve` or the scheduler's leader.
    retention_applied_events_days: float = 7.0  # inbox rows (raw payloads) of applied events
    retention_failed_events_days: float = 30.0  # failed and dead events, kept for inspection
    retention_changes_days: float = 30.0  # the change feed (never past a consumer's offset)
    retention_deliveries_days: float = 30.0  # finished deliveries (applied, superseded, dead)
    retention_audit_days: float = 365.0
    retention_runs_days: float = 0.0  # run history (each job's latest run is kept); 0: for ever
    retention_interval_s: float = 3600.0
    pipelines_dir: str | None = None  # declared pipeline files (docs/medallion.md); default (also when empty) ./pipelines
    api_key: SecretStr | None = None  # bearer key sent with lineage_url

    # Connectors (docs/connectors.md): S3 / PostgreSQL discovery and S3 → SQS, run by `lily serve`.
    connectors_file: str | None = None  # default (also when empty) ./connectors.yaml
    connector_schedule_poll_s: float = 30.0

    # Governance: propagation limits (docs/governance.md), in-process workers, outbound retries.
    propagation_max_depth: int = 25
    propagation_max_fanout: int = 5000
    propagation_time_budget_s: float | None = 5.0  # per round; deferred origins run next round
    propagation_batch_size: int = 500
    workers_in_process: bool = True  # `lily serve` runs propagation + outbound threads
    worker_poll_s: float = 0.5  # fallback poll; commits through Store.apply wake workers at once
    outbound_retry_base_s: float = 1.0
    outbound_retry_cap_s: float = 300.0
    outbound_max_attempts: int = 8
    outbound_max_elapsed_s: float | None = 24 * 3600.0
    outbound_lease_s: float = 15.0  # renewed every third while a delivery runs (lily.outbound.lease)

    # Cron work (pipeline and connector schedules, process files, the contract monitor): in the
    # serving process, or false when `lily scheduler` runs it apart (docs/deployment.md).
    scheduler_in_process: bool = True
    scheduler_leader_poll_s: float = Field(2.0, gt=0)  # a follower `lily scheduler` tries to lead this often
    reconcile_schedule: str = ""  # cron (UTC) of `lily reconcile` run by `lily scheduler`'s leader; empty: off

    demo: bool = False
    log_json: bool = True

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lily.db').as_posix()}"

    @property
    def resolved_lake_root(self) -> Path:
        return (Path(self.lake_root) if self.lake_root else self.data_dir / "lake").expanduser().resolve()

    @property
    def resolved_lake(self) -> str | Path:
        """The lake: ``lake_url`` when set (an ``s3://`` URL is kept as it is), else the local root."""
        if self.lake_url and self.lake_url.startswith("s3://"):
            return self.lake_url
        return Path(self.lake_url).expanduser().resolve() if self.lake_url else self.resolved_lake_root

    @property
    def resolved_pipelines_dir(self) -> Path:
        return Path(self.pipelines_dir or "./pipelines").expanduser()

    @cached_property
    def _generated(self) -> dict[str, str]:
        return load_or_create_secrets(self.data_dir / "secrets.json")

    def jwt_key(self) -> str:
        return self.jwt_secret.get_secret_value() if self.jwt_secret else self._generated["jwt_secret"]

    def fernet_key(self) -> str:
        if self.encryption_key:
            return self.encryption_key.get_secret_value()
        return self._generated["encryption_key"]


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def load_or_create_secrets(path: Path) -> dict[str, str]:
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "jwt_secret": secrets.token_urlsafe(48),
        "encryption_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    write_private(path, json.dumps(values))
    return values
