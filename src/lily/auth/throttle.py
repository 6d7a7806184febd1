"""Sign-in throttling: exponential backoff per user and per source address, in memory.

Each *verified* failure (a password actually checked and wrong, or an unknown user) adds one to a
counter for the user (tenant + username) and one for the source address. A counter drains by one
every ``cap`` seconds, and a successful sign-in clears the user's (not the address's: an attacker
who owns one account must not be able to wipe the record of a password spray by signing in).
The failure that brings a counter to ``free``, and every one after it, locks that user or address
for ``base * 2 ** (count - free)`` seconds, at most ``cap`` (``free`` 5: the 5th failure locks for
``base``, the 6th for twice that). While either is locked, attempts are
refused before any password is hashed, so a locked attempt costs neither a hash nor a failure.

Concurrent attempts are bounded too: a key admits at most the failures it has left before its
next lock (at least one) in flight, so a burst of parallel requests cannot hash more passwords
than sequential ones could; and the process checks at most ``max_in_flight`` passwords at once
(each argon2id check takes 64 MiB and ~0.15 s of CPU), refusing more with scope "server".

The state is per process: several API processes each keep their own, so a deployment of N
processes allows up to N times the budgets. Restarting a process forgets it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 50_000  # per scope; past it, unlocked entries are forgotten first


@dataclass(frozen=True)
class BackoffPolicy:
    free: int  # the failure count that starts the first lock
    base: float  # seconds of the first lock; doubles with each further failure
    cap: float  # longest lock; also the seconds it takes the counter to drain by one

    def lock_for(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(failures - self.free, 60))


@dataclass
class _Entry:
    failures: int = 0
    drained_at: float = 0.0  # the counter drains by one every ``cap`` seconds from here
    seen: float = 0.0  # the last attempt (which entries to forget first)
    locked_until: float = 0.0
    in_flight: int = 0


class Backoff:
    """Failure counters with exponential lockouts for one kind of key (users, or addresses).
    Not thread-safe on its own: :class:`LoginThrottle` holds one lock over both of its scopes."""

    def __init__(self, policy: BackoffPolicy, max_keys: int = MAX_KEYS) -> None:
        self.policy = policy
        self.max_keys = max_keys
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def failures(self, key: str, now: float) -> int:
        entry = self._entries.get(key)
        if entry is None:
            return 0
        self._drain(entry, now)
        return entry.failures

    def wait(self, key: str, now: float) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        if entry.locked_until > now:
            return entry.locked_until - now
        self._drain(entry, now)
        room = max(1, self.policy.free - entry.failures)
        return 1.0 if entry.in_flight >= room else 0.0  # the attempts in flight settle within a second

    def begin(self, key: str, now: float) -> None:
        entry = self._entry(key, now)
        entry.in_flight += 1
        entry.seen = now

    def end(self, key: str, now: float, *, failed: bool) -> float:
        """Settle an attempt; the seconds of the lock a failure starts (0: none)."""
        entry = self._entry(key, now)
        entry.in_flight = max(0, entry.in_flight - 1)
        if not failed:
            return 0.0
        self._drain(entry, now)
        if entry.failures == 0:
            entry.drained_at = now
        entry.failures += 1
        lock = self.policy.lock_for(entry.failures)
        if lock > 0:
            entry.locked_until = now + lock
        return lock

    def clear(self, key: str) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.failures, entry.locked_until = 0, 0.0

    def _drain(self, entry: _Entry, now: float) -> None:
        """Take one failure off for every whole ``cap`` seconds since the counter last drained."""
        steps = int((now - entry.drained_at) // self.policy.cap)
        if steps > 0 and entry.failures:
            entry.failures = max(0, entry.failures - steps)
            entry.drained_at += steps * self.policy.cap

    def _entry(self, key: str, now: float) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self.max_keys:
                self._prune(now)
            entry = self._entries[key] = _Entry(drained_at=now, seen=now)
        return entry

    def _idle(self, entry: _Entry, now: float) -> bool:
        return entry.in_flight == 0 and entry.locked_until <= now

    def _prune(self, now: float) -> None:
        """Forget drained entries, then unlocked ones (oldest first), then the oldest half: a flood
        of new usernames must not evict the lock of the user under attack while room remains."""
        for entry in self._entries.values():
            self._drain(entry, now)
        for key in [k for k, e in self._entries.items() if self._idle(e, now) and e.failures == 0]:
            del self._entries[key]
        if len(self._entries) < self.max_keys:
            return
        unlocked = sorted((e.seen, k) for k, e in self._entries.items() if self._idle(e, now))
        for _, key in unlocked[: len(self._entries) - self.max_keys // 2]:
            del self._entries[key]
        if len(self._entries) >= self.max_keys:
            oldest = sorted((e.seen, k) for k, e in self._entries.items())
            for _, key in oldest[: len(oldest) // 2]:
                del self._entries[key]


@dataclass(frozen=True)
class Refusal:
    """Why an attempt may not proceed now: ``scope`` is "user", "address" or "server"."""

    scope: str
    retry_after: float


@dataclass(frozen=True)
class Outcome:
    """A settled failure: the counters after it and the locks it started (0: none)."""

    user_failures: int
    address_failures: int
    user_lock: float
    address_lock: float


class LoginThrottle:
    def __init__(self, user: BackoffPolicy, address: BackoffPolicy, max_in_flight: int = 4,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.users = Backoff(user)
        self.addresses = Backoff(address)
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.clock = clock
        self._lock = threading.Lock()

    @staticmethod
    def user_key(tenant: str, username: str) -> str:
        return f"{len(tenant)}:{tenant}:{username}"  # the length keeps (tenant, username) pairs apart

    def begin(self, tenant: str, username: str, address: str) -> Refusal | None:
        """Reserve an attempt, or say how long the user or the address (or everyone: scope
        "server") must wait. Cheap: call it before the password is hashed."""
        user = self.user_key(tenant, username)
        now = self.clock()
        with self._lock:
            for scope, backoff, key in (("user", self.users, user), ("address", self.addresses, address)):
                wait = backoff.wait(key, now)
                if wait > 0:
                    return Refusal(scope, wait)
            if self.in_flight >= self.max_in_flight:
                return Refusal("server", 1.0)  # a check takes a fraction of a second
            self.in_flight += 1
            self.users.begin(user, now)
            self.addresses.begin(address, now)
        return None

    def failed(self, tenant: str, username: str, address: str) -> Outcome:
        user = self.user_key(tenant, username)
        now = self.clock()
        with self._lock:
            self.in_flight -= 1
            user_lock = self.users.end(user, now, failed=True)
            address_lock = self.addresses.end(address, now, failed=True)
            return Outcome(self.users.failures(user, now), self.addresses.failures(address, now),
                           user_lock, address_lock)

    def succeeded(self, tenant: str, username: str, address: str) -> None:
        user = self.user_key(tenant, username)
        with self._lock:
            self._release(user, address)
            self.users.clear(user)

    def abandoned(self, tenant: str, username: str, address: str) -> None:
        """The attempt ended without a verdict (an internal error): free its slot, count nothing."""
        with self._lock:
            self._release(self.user_key(tenant, username), address)

    def _release(self, user: str, address: str) -> None:
        """Free an attempt's slot without counting a failure (the caller holds the lock)."""
        now = self.clock()
        self.in_flight -= 1
        self.users.end(user, now, failed=False)
        self.addresses.end(address, now, failed=False)
