"""Abuse resistance in the API: sign-in backoff per user and per address, the failure budget per
source address (which never refuses valid credentials), the webhook signature checked before the
tenant's budget, source addresses behind proxies, malformed JWT claims, bounded search input."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lily.api.deps import client_address
from lily.api.ratelimit import RateLimiter
from lily.auth import secrets as auth_secrets
from lily.auth.throttle import BackoffPolicy, LoginThrottle
from lily.inbound.sources.monte_carlo import sign
from lily.model import Role
from lily.store.search import MAX_QUERY_WORDS, query_words
from tests.api.conftest import Env, make_env

SECRET = "monte-carlo-webhook-secret-0123456789"
MC = "/api/v1/webhooks/monte-carlo"
MC_BODY = b'{"payload": {"incident_id": "inc-1", "status": "open", "updated_time": "2026-03-01T00:00:00Z"}}'


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, free: int = 3, address_free: int = 5, base: float = 1.0, cap: float = 8.0
             ) -> LoginThrottle:
    return LoginThrottle(BackoffPolicy(free, base, cap), BackoffPolicy(address_free, base, cap), clock=clock)


def fail(t: LoginThrottle, user: str = "ana", address: str = "10.0.0.1") -> Any:
    assert t.begin("default", user, address) is None
    return t.failed("default", user, address)


# ------------------------------------------------------------------------------ backoff policy

def test_free_attempts_then_doubling_locks_up_to_the_cap() -> None:
    clock = Clock()
    t = throttle(clock)
    locks = []
    for _ in range(8):
        outcome = fail(t)
        locks.append(outcome.user_lock)
        refusal = t.begin("default", "ana", "10.0.0.1")
        if outcome.user_lock:
            assert refusal is not None and refusal.scope == "user" and refusal.retry_after == outcome.user_lock
        else:
            assert refusal is None
            t.abandoned("default", "ana", "10.0.0.1")
        clock.now += outcome.user_lock  # wait out the lock
    assert locks == [0, 0, 1, 2, 4, 8, 8, 8]


def test_success_clears_the_user_but_not_the_address() -> None:
    clock = Clock()
    t = throttle(clock, free=3, address_free=4)
    for _ in range(3):
        fail(t)
    assert t.begin("default", "ana", "10.0.0.1") is not None  # locked: the right password waits too
    clock.now += 1
    assert t.begin("default", "ana", "10.0.0.1") is None
    t.succeeded("default", "ana", "10.0.0.1")
    assert t.users.failures(t.user_key("default", "ana"), clock.now) == 0
    # The address keeps its three failures: the next one (another user) reaches its free four.
    assert fail(t, user="bob").address_lock == 1


def test_counters_drain_one_failure_per_cap() -> None:
    clock = Clock()
    t = throttle(clock, free=3, cap=8)
    fail(t)
    fail(t)
    clock.now += 8
    assert fail(t).user_lock == 0  # one drained: two failures, not three
    clock.now += 100
    assert t.users.failures(t.user_key("default", "ana"), clock.now) == 0


def test_parallel_attempts_are_bounded_by_the_failures_left() -> None:
    t = throttle(Clock(), free=3, address_free=100)
    assert [t.begin("default", "ana", "10.0.0.1") is None for _ in range(4)] == [True, True, True, False]


def test_the_process_checks_a_bounded_number_of_passwords_at_once() -> None:
    t = LoginThrottle(BackoffPolicy(5, 1, 8), BackoffPolicy(20, 1, 8), max_in_flight=2, clock=Clock())
    assert t.begin("default", "a", "10.0.0.1") is None and t.begin("default", "b", "10.0.0.2") is None
    refusal = t.begin("default", "c", "10.0.0.3")
    assert refusal is not None and refusal.scope == "server"
    t.failed("default", "a", "10.0.0.1")
    assert t.begin("default", "c", "10.0.0.3") is None
    t.succeeded("default", "b", "10.0.0.2")
    t.abandoned("default", "c", "10.0.0.3")
    assert t.in_flight == 0


def test_tenant_and_username_do_not_collide() -> None:
    assert LoginThrottle.user_key("a:b", "c") != LoginThrottle.user_key("a", "b:c")


def test_tables_are_bounded() -> None:
    limiter = RateLimiter(1.0, 5, clock=Clock(), max_keys=100)
    for i in range(1000):
        limiter.acquire(f"k{i}")
    assert len(limiter) <= 100
    t = throttle(Clock())
    t.users.max_keys = t.addresses.max_keys = 100
    for i in range(1000):
        fail(t, user=f"u{i}", address=f"10.0.{i // 250}.{i % 250}")
    assert len(t.users) <= 100 and len(t.addresses) <= 100


def test_a_flood_of_new_users_does_not_evict_a_locked_one() -> None:
    clock = Clock()
    t = throttle(clock, free=1, address_free=10_000, cap=900)
    t.users.max_keys = 100
    fail(t, user="victim")
    for i in range(1000):
        assert t.begin("default", f"u{i}", "10.0.0.2") is None
        t.abandoned("default", f"u{i}", "10.0.0.2")
    assert t.begin("default", "victim", "10.0.0.1") is not None


# ------------------------------------------------------------------------------ source address

def scope(peer: str, *forwarded: str) -> dict[str, Any]:
    return {"client": (peer, 1234), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_address(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert client_address(scope("203.0.113.9", "198.51.100.1"), "10.0.0.0/8") == "203.0.113.9"
    assert client_address(scope("10.0.0.5", "198.51.100.1"), "10.0.0.0/8") == "198.51.100.1"


def test_forwarded_for_is_read_from_the_nearest_hop() -> None:
    trusted = "10.0.0.0/8, 192.168.1.1"
    # The client put a fake address first; the proxies appended the real one and each other.
    assert client_address(scope("10.0.0.5", "1.1.1.1, 198.51.100.7, 192.168.1.1"), trusted) == "198.51.100.7"
    assert client_address(scope("10.0.0.5", "1.1.1.1", "198.51.100.7"), trusted) == "198.51.100.7"
    assert client_address(scope("10.0.0.5", "garbage, 192.168.1.1"), trusted) == "192.168.1.1"
    assert client_address(scope("10.0.0.5"), trusted) == "10.0.0.5"


def test_ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert client_address(scope("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_address(scope("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64"
    assert client_address(scope("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_address({"client": None, "headers": []}) == "unknown"


# ------------------------------------------------------------------------------------- sign-in

@pytest.fixture
def login_env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(database_url, tmp_path, login_free_attempts=3, login_address_free_attempts=6,
                 login_backoff_base_s=0.3, login_backoff_cap_s=5)
    yield e
    e.client.close()
    e.store.dispose()


def login(client: TestClient, password: str, username: str = "admin", **headers: str) -> Any:
    return client.post("/api/v1/auth/token", json={"tenant": "default", "username": username,
                                                   "password": password}, headers=headers)


def audit(env: Env, action: str) -> list[dict[str, Any]]:
    return env.client.get("/api/v1/audit", params={"action": action, "limit": 500},
                          headers=env.admin_headers).json()


def test_brute_force_locks_the_user_even_for_the_right_password_until_the_backoff_ends(
        login_env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    hashes = []
    verify = auth_secrets.verify_password
    monkeypatch.setattr(auth_secrets, "verify_password", lambda h, p: hashes.append(p) or verify(h, p))
    codes = [login(login_env.client, "wrong").status_code for _ in range(20)]
    assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}
    right = login(login_env.client, login_env.admin.password)
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    assert right.json()["detail"].startswith("too many failed sign-ins for this user; retry after")
    assert len(hashes) == 3  # refused attempts hash nothing
    time.sleep(0.35)
    assert login(login_env.client, login_env.admin.password).status_code == 200
    # Verified failures and the lockout are audited, the 429s are not.
    failed = audit(login_env, "auth.login_failed")
    assert len(failed) == 3 and {a["details"]["username"] for a in failed} == {"admin"}
    assert failed[0]["actor"] == "anonymous" and failed[0]["details"]["source"] == "testclient"
    lockouts = audit(login_env, "auth.lockout")
    assert [(a["details"]["scope"], a["details"]["seconds"]) for a in lockouts] == [("user", 0.3)]


def test_sign_ins_beyond_the_concurrent_checks_get_503(login_env: Env) -> None:
    throttle = login_env.client.app.state.ctx.auth.throttle
    throttle.in_flight = throttle.max_in_flight  # as if that many passwords were being checked
    busy = login(login_env.client, login_env.admin.password)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert busy.json()["detail"] == "too many sign-ins in progress; retry after 1 s"
    throttle.in_flight = 0
    assert login(login_env.client, login_env.admin.password).status_code == 200


def test_password_spray_is_throttled_per_address(login_env: Env) -> None:
    codes = [login(login_env.client, "Winter2026!", username=f"user{i}").status_code for i in range(30)]
    assert codes[:6] == [401] * 6 and set(codes[6:]) == {429}
    resp = login(login_env.client, "Winter2026!", username="user99")
    assert "from this address" in resp.json()["detail"]
    # Another address is not affected.
    other = TestClient(login_env.client.app, client=("198.51.100.20", 1))
    assert login(other, login_env.admin.password).status_code == 200


def test_spoofed_forwarded_for_does_not_escape_the_address_throttle(login_env: Env) -> None:
    client = TestClient(login_env.client.app, client=("203.0.113.5", 1))
    codes = [login(client, "x", username=f"u{i}", **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(10)]
    assert codes.count(401) == 6 and codes[6:] == [429] * 4


def test_trusted_proxy_forwarded_for_separates_clients(sqlite_url: str, tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path, login_address_free_attempts=2, trusted_proxies="203.0.113.0/24")
    client = TestClient(env.client.app, client=("203.0.113.5", 1))
    codes = [login(client, "x", username=f"u{i}", **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(6)]
    assert codes == [401] * 6
    assert audit(env, "auth.login_failed")[0]["details"]["source"] == "198.51.100.5"


# ------------------------------------------------------------------ failure budget per address

@pytest.fixture
def budget_env(sqlite_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(sqlite_url, tmp_path, auth_failure_burst=3, auth_failures_per_minute=1)
    yield e
    e.client.close()
    e.store.dispose()


def test_failed_authentications_are_limited_per_address_but_valid_credentials_pass(budget_env: Env) -> None:
    client = budget_env.client
    bad = [{"Authorization": "Bearer lily_000000000000_nope"}, {"X-API-Key": "garbage"}, {},
           {"Authorization": "Bearer a.b.c"}]
    codes = [client.get("/api/v1/assets", headers=h).status_code for h in bad]
    assert codes == [401, 401, 401, 429]
    refused = client.get("/api/v1/assets", headers=bad[0])
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "too many failed authentications from this address" in refused.json()["detail"]
    # Valid credentials from the same address: an uncached key, the admin's, a fresh JWT.
    assert client.get("/api/v1/assets", headers=budget_env.key(Role.VIEWER)).status_code == 200
    assert client.get("/api/v1/assets", headers=budget_env.admin_headers).status_code == 200
    other = TestClient(client.app, client=("198.51.100.30", 1))
    assert other.get("/api/v1/assets", headers=bad[0]).status_code == 401  # its own budget
    # Refresh tokens are credentials too.
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 20}).status_code == 429
    assert client.post("/api/v1/auth/revoke", json={"refresh_token": "x" * 20}).status_code == 429


def configure_monte_carlo(env: Env) -> None:
    resp = env.client.put("/api/v1/sources/monte-carlo/config", headers=env.admin_headers, json={"secret": SECRET})
    assert resp.status_code == 200, resp.text


def test_webhook_signature_is_checked_before_the_tenant_budget(budget_env: Env) -> None:
    configure_monte_carlo(budget_env)
    client = budget_env.client
    codes = [client.post(MC, content=MC_BODY, params={"tenant": "default"},
                         headers={"x-mcd-signature": "ab" * 64}).status_code for _ in range(10)]
    assert codes == [403] * 3 + [429] * 7
    # The tenant's webhook budget (2 here) was not touched by the failures.
    budget_env.client.app.state.ctx.limiter = RateLimiter(0.001, 2)
    signed = {"x-mcd-signature": sign(MC_BODY, SECRET, reference=False)}
    answers = [client.post(MC, content=MC_BODY, params={"tenant": "default"}, headers=signed) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "webhook rate limit of tenant 'default'" in answers[2].json()["detail"]
    assert int(answers[2].headers["retry-after"]) > 1


def test_unknown_webhook_tenants_and_missing_tenant_count_as_failures(budget_env: Env) -> None:
    client = budget_env.client
    codes = [client.post(MC, content=MC_BODY, params={"tenant": f"t{i}"}).status_code for i in range(3)]
    assert codes == [401] * 3
    assert client.post(MC, content=MC_BODY).status_code == 429


# ----------------------------------------------------------------------------------- JWT claims

def signed(env: Env, **claims: Any) -> dict[str, str]:
    now = int(datetime.now(UTC).timestamp())
    base = {"iss": "lily", "sub": str(uuid.uuid4()), "tid": "default", "role": "admin", "typ": "access",
            "name": "admin", "iat": now, "exp": now + 600}
    # Signed by hand: PyJWT's encode refuses some claim types, and the server must not rely on that.
    payload = json.dumps({**base, **claims}).encode()
    token = jwt.api_jws.encode(payload, env.settings.jwt_key(), algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_a_non_uuid_subject_is_refused_with_a_clear_message(sqlite_env: Env) -> None:
    resp = sqlite_env.client.get("/api/v1/auth/me", headers=signed(sqlite_env, sub="not-a-uuid"))
    assert resp.status_code == 401
    assert resp.json()["detail"] == "invalid credentials: malformed token: claim 'sub' must be a UUID"
    assert sqlite_env.client.get("/api/v1/auth/me", headers=signed(sqlite_env)).status_code == 200


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
CLAIM = JSON | st.uuids().map(str) | st.sampled_from([r.value for r in Role]) | st.just("default")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(claims=st.dictionaries(st.sampled_from(["sub", "tid", "role", "name", "exp", "iat", "nbf", "typ", "iss",
                                               "aud", "jti"]), CLAIM, max_size=6))
def test_no_claim_value_signed_with_the_real_key_causes_a_5xx(sqlite_env: Env, claims: dict[str, Any]) -> None:
    resp = sqlite_env.client.get("/api/v1/auth/me", headers=signed(sqlite_env, **claims))
    assert resp.status_code in (200, 401), (claims, resp.text)
    if resp.status_code == 401:
        assert resp.json()["detail"].startswith("invalid credentials: ")


def test_expired_jwt_is_still_refused(sqlite_env: Env) -> None:
    past = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    resp = sqlite_env.client.get("/api/v1/auth/me", headers=signed(sqlite_env, exp=past))
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]


# ------------------------------------------------------------------------------- internal errors

def test_internal_errors_are_logged_with_the_request_id(sqlite_env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(token: str) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(sqlite_env.client.app.state.ctx.auth, "principal_from_jwt", boom)
    client = TestClient(sqlite_env.client.app, raise_server_exceptions=False)
    with capture_logs() as logs:
        resp = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer a.b.c", "X-Request-ID": "rid-500"})
    assert resp.status_code == 500 and resp.headers["x-request-id"] == "rid-500"
    assert "rid-500" in resp.json()["detail"]
    assert any(e["event"] == "unhandled_error" and e["request_id"] == "rid-500" for e in logs)


# ---------------------------------------------------------------------------------- search input

def test_search_q_is_bounded_with_clear_messages(sqlite_env: Env) -> None:
    def search(q: str) -> Any:
        return sqlite_env.client.get("/api/v1/search", params={"q": q}, headers=sqlite_env.key(Role.VIEWER))

    too_long = search("a" * 50_001)
    assert too_long.status_code == 422 and "at most 1000 characters" in too_long.json()["detail"]
    wild = search("%a" * 17)
    assert wild.status_code == 422 and wild.json()["detail"] == "q may hold at most 16 % wildcards (it has 17)"
    assert search("%a" * 16).status_code == 200
    assert search("a" * 1000).status_code == 200
    schema = sqlite_env.client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]["parameters"]
    q = next(p for p in schema if p["name"] == "q")
    assert q["required"] is True and q["schema"]["minLength"] == 1 and q["schema"]["maxLength"] == 1000
    assert "pattern" in q["schema"]


def test_full_text_queries_use_a_bounded_number_of_distinct_words() -> None:
    assert query_words("cust customer CUSTOMER orders ord") == ["customer", "orders"]
    many = query_words(" ".join(f"w{i:03d}" for i in range(300)))
    assert len(many) == MAX_QUERY_WORDS
    assert query_words("a " * 250) == ["a"]


def test_assets_search_with_hundreds_of_words_answers(env: Env) -> None:
    q = " ".join("abcdefghijklmnopqrstuvwxyz"[i % 26] + str(i) for i in range(120))[:500]
    resp = env.client.get("/api/v1/assets", params={"q": q}, headers=env.admin_headers)
    assert resp.status_code == 200 and resp.json()["items"] == []
    created = env.client.post("/api/v1/assets", json={"type": "table", "namespace": "shop", "name": "customer_orders"},
                              headers=env.admin_headers)
    assert created.status_code == 201
    found = env.client.get("/api/v1/assets", params={"q": "cust customer ord orders "},
                           headers=env.admin_headers).json()["items"]
    assert [a["name"] for a in found] == ["customer_orders"]


def test_unknown_refresh_tokens_take_no_write_lock(sqlite_env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    store = sqlite_env.client.app.state.ctx.auth.store

    def no_write() -> Any:
        raise AssertionError("write transaction for an unknown refresh token")

    monkeypatch.setattr(store, "write", no_write)
    assert sqlite_env.client.post("/api/v1/auth/refresh", json={"refresh_token": "y" * 30}).status_code == 401
    assert sqlite_env.client.post("/api/v1/auth/revoke", json={"refresh_token": "y" * 30}).status_code == 204
