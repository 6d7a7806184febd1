"""What request handlers need from the running process, built once per application."""

from __future__ import annotations

from dataclasses import dataclass, field

from lily.api.ratelimit import RateLimiter
from lily.auth.service import AuthService
from lily.observability import Metrics
from lily.settings import Settings
from lily.store import Store


@dataclass
class AppContext:
    settings: Settings
    store: Store
    auth: AuthService
    metrics: Metrics = field(default_factory=Metrics)
    limiter: RateLimiter | None = None
    # Per source address: requests refused for their credentials (docs/security.md).
    auth_failures: RateLimiter | None = None

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = RateLimiter(self.settings.rate_limit_per_minute / 60.0, self.settings.rate_limit_burst)
        if self.auth_failures is None:
            self.auth_failures = RateLimiter(self.settings.auth_failures_per_minute / 60.0,
                                             self.settings.auth_failure_burst)
