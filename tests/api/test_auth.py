"""Sign-in, refresh-token rotation and revocation, API keys, refused JWTs, rate limits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from lily.auth.jwt_tokens import issue_access_token
from lily.model import Role
from tests.api.conftest import Env, make_env


def login(env: Env, password: str | None = None, tenant: str = "default", username: str = "admin"):
    return env.client.post("/api/v1/auth/token", json={"tenant": tenant, "username": username,
                                                      "password": password or env.admin.password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_and_use_access_token(env: Env) -> None:
    resp = login(env)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = env.client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["role"] == "admin" and me.json()["tenant_id"] == "default"


def test_wrong_password_unknown_user_and_wrong_tenant_are_401(env: Env) -> None:
    assert login(env, password="nope").status_code == 401
    assert login(env, username="ghost").status_code == 401
    assert login(env, tenant="other").status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(env: Env) -> None:
    first = login(env).json()
    second = env.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert env.client.get("/api/v1/auth/me", headers=bearer(rotated["access_token"])).status_code == 200
    # Replaying the spent token is refused and burns the rotated one too.
    replay = env.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and "reuse" in replay.json()["detail"]
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401


def test_revoke_signs_out(env: Env) -> None:
    pair = login(env).json()
    assert env.client.post("/api/v1/auth/revoke", json={"refresh_token": pair["refresh_token"]}).status_code == 204
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_expired_and_forged_and_tampered_jwts_are_refused(env: Env) -> None:
    key = env.settings.jwt_key()
    uid = uuid.uuid4()
    expired = issue_access_token(key, user_id=uid, tenant_id="default", username="admin", role="admin",
                                 now=datetime.now(UTC) - timedelta(hours=2), minutes=60)
    forged = issue_access_token("not-the-server-secret" * 2, user_id=uid, tenant_id="default", username="admin",
                                role="admin", now=datetime.now(UTC), minutes=60)
    valid = login(env).json()["access_token"]
    claims = jwt.decode(valid, options={"verify_signature": False})
    header, _, sig = valid.split(".")
    escalated = jwt.encode({**claims, "tid": "other"}, "x" * 32, algorithm="HS256").split(".")[1]
    tampered = f"{header}.{escalated}.{sig}"
    unsigned = jwt.encode({**claims}, None, algorithm="none")
    for token in (expired, forged, tampered, unsigned, "garbage"):
        resp = env.client.get("/api/v1/auth/me", headers=bearer(token))
        assert resp.status_code == 401, token


def test_api_keys_are_shown_once_hashed_and_revocable(env: Env) -> None:
    created = env.client.post("/api/v1/tokens", json={"name": "ci", "role": "viewer"}, headers=env.admin_headers)
    assert created.status_code == 201
    key = created.json()["key"]
    assert env.client.get("/api/v1/auth/me", headers=bearer(key)).json()["role"] == "viewer"
    listed = env.client.get("/api/v1/tokens", headers=env.admin_headers).json()
    assert all("key" not in k and "key_hash" not in k for k in listed)
    with env.store.read() as conn:
        from sqlalchemy import select

        from lily.store.tables import api_keys
        stored = conn.execute(select(api_keys.c.key_hash)).scalars().all()
    assert key not in stored
    revoke = env.client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=env.admin_headers)
    assert revoke.status_code == 204
    assert env.client.get("/api/v1/auth/me", headers=bearer(key)).status_code == 401


def test_users_get_their_role(env: Env) -> None:
    resp = env.client.post("/api/v1/users", json={"username": "ana", "password": "s3cret-pass", "role": "data_analyst"},
                           headers=env.admin_headers)
    assert resp.status_code == 201
    token = login(env, username="ana", password="s3cret-pass").json()["access_token"]
    assert env.client.get("/api/v1/assets", headers=bearer(token)).status_code == 200
    assert env.client.post("/api/v1/assets", json={"type": "table", "namespace": "n", "name": "t"},
                           headers=bearer(token)).status_code == 403
    dup = env.client.post("/api/v1/users", json={"username": "ana", "password": "s3cret-pass", "role": "viewer"},
                          headers=env.admin_headers)
    assert dup.status_code == 409


def test_rate_limit_answers_429_with_retry_after(sqlite_url: str, tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path)
    env.client.app.state.ctx.limiter.rate = 0.5
    env.client.app.state.ctx.limiter.burst = 3
    headers = env.key(Role.VIEWER)
    codes = [env.client.get("/api/v1/assets", headers=headers).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    resp = env.client.get("/api/v1/assets", headers=headers)
    assert int(resp.headers["retry-after"]) >= 1
    # Another key has its own bucket.
    assert env.client.get("/api/v1/assets", headers=env.key(Role.VIEWER)).status_code == 200


def test_mutations_are_audited_with_request_id(env: Env) -> None:
    resp = env.client.post("/api/v1/assets", json={"type": "table", "namespace": "n", "name": "t"},
                           headers={**env.admin_headers, "X-Request-ID": "req-123"})
    assert resp.headers["x-request-id"] == "req-123"
    audit = env.client.get("/api/v1/audit", headers=env.admin_headers).json()
    assert any(a["correlation_id"] == "req-123" and a["actor"] == "api_key:bootstrap-admin" for a in audit)
    changes = env.client.get("/api/v1/changes", headers=env.admin_headers).json()["items"]
    assert changes and all(c["correlation_id"] == "req-123" for c in changes)


def test_a_revoked_api_key_is_refused_on_the_next_request_although_it_was_cached(env: Env) -> None:
    created = env.client.post("/api/v1/tokens", json={"name": "producer", "role": "ml_engineer"},
                              headers=env.admin_headers).json()
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert env.client.get("/api/v1/auth/me", headers=headers).status_code == 200  # now verified and cached
    assert env.client.delete(f"/api/v1/tokens/{created['id']}", headers=env.admin_headers).status_code == 204
    refused = env.client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_api_key_cache_expires_so_other_processes_revocations_apply(env: Env,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import lily.auth.service as service
    from lily.store.accounts import revoke_api_key

    created = env.client.post("/api/v1/tokens", json={"name": "producer", "role": "viewer"},
                              headers=env.admin_headers).json()
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert env.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with env.store.write() as conn:  # revoked by another process: this one's cache does not know
        revoke_api_key(conn, "default", uuid.UUID(created["id"]), datetime.now(UTC))
    assert env.client.get("/api/v1/auth/me", headers=headers).status_code == 200  # trusted while cached
    monkeypatch.setattr(service, "API_KEY_CACHE_SECONDS", 0.0)
    assert env.client.get("/api/v1/auth/me", headers=headers).status_code == 401
