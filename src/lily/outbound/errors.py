"""Which delivery errors are worth retrying.

A target that is down, restarting, overloaded or unreachable will likely accept the same statements
later; bad SQL, a missing object or a refused privilege will fail the same way every time, so those
go to the dead letters at once for a person to look at. Unknown errors are retried (bounded by the
retry budget): giving up on a transient error loses enforcement, retrying a permanent one only costs
a few attempts.
"""

from __future__ import annotations

from lily.outbound.targets.base import ApplyError

# PostgreSQL SQLSTATE classes that are transient: connection exceptions, insufficient resources,
# operator intervention (shutdown, cancel), transaction rollback (serialization failure, deadlock).
_PG_TRANSIENT_CLASSES = {"08", "53", "57", "40"}


def is_retryable(error: BaseException) -> bool:
    cause = error.cause if isinstance(error, ApplyError) else error
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a core dependency
        psycopg = None  # type: ignore[assignment]
    if psycopg is not None and isinstance(cause, psycopg.Error):
        if isinstance(cause, psycopg.OperationalError) and not getattr(cause, "sqlstate", None):
            return True  # could not connect at all
        state = getattr(cause, "sqlstate", None) or ""
        return state[:2] in _PG_TRANSIENT_CLASSES
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a core dependency
        httpx = None  # type: ignore[assignment]
    if httpx is not None:
        if isinstance(cause, httpx.HTTPStatusError):
            code = cause.response.status_code
            return code >= 500 or code in (408, 425, 429)
        if isinstance(cause, httpx.TransportError):
            return True
    return True
