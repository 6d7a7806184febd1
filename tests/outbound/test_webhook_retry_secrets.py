"""Webhook signing and delivery, retry policy, encrypted target configs."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from lily.model.policy import ObjectKey, ObjectPolicy, TargetKind
from lily.outbound.plan import plan
from lily.outbound.retry import RetryPolicy, decide
from lily.outbound.secrets import SecretError, decrypt_config, encrypt_config, generate_key, rotate
from lily.outbound.targets import WebhookTarget
from lily.outbound.targets.base import ApplyError
from lily.outbound.targets.webhook import (
    SIGNATURE_HEADER,
    Subscriber,
    classification_event,
    sign,
    verify_signature,
)

NOW = 1_700_000_000
KEY = ObjectKey(target=TargetKind.WEBHOOK, namespace="postgres://db:5432", name="shop.public.users")


def test_signature_round_trip_and_tamper_detection() -> None:
    body = b'{"type":"policy.changed"}'
    header = sign(body, "s3cret", NOW)
    assert header.startswith(f"t={NOW},v1=") and len(header.split("v1=")[1]) == 64
    assert verify_signature(body, header, "s3cret", now=NOW + 10)
    assert not verify_signature(body + b" ", header, "s3cret", now=NOW)  # body tampered
    assert not verify_signature(body, header, "other", now=NOW)  # wrong secret
    assert not verify_signature(body, header.replace(f"t={NOW}", f"t={NOW + 1}"), "s3cret", now=NOW)  # ts tampered
    assert not verify_signature(body, header, "s3cret", now=NOW + 301)  # replay outside tolerance
    assert not verify_signature(body, "garbage", "s3cret", now=NOW)
    rotated = f"{header},v1={'0' * 64}"  # several signatures during secret rotation: any may match
    assert verify_signature(body, rotated, "s3cret", now=NOW)


def test_webhook_render_and_apply_with_mock_transport() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200 if request.url.path == "/ok" else 500)

    subs = {"secops": Subscriber("https://hooks.example/ok", "k1"), "down": Subscriber("https://hooks.example/x", "k2")}
    target = WebhookTarget(subs, clock=lambda: NOW)
    after = ObjectPolicy(key=KEY, revoked_roles=frozenset({"interns"}), notify=frozenset({"secops"}))
    statements = target.render(plan(after, None))
    assert [s.destination for s in statements] == ["secops"]
    payload = orjson.loads(statements[0].text)
    assert payload["type"] == "policy.changed" and payload["data"]["changes"]["revokes"] == ["interns"]
    assert target.render(plan(after, None))[0].text == statements[0].text  # deterministic event id
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert target.apply(statements, client) == 1
        req = seen[0]
        assert verify_signature(req.content, req.headers[SIGNATURE_HEADER], "k1", now=NOW)
        event = classification_event(uuid.uuid4(), "x", "PII.email", "added", "direct", NOW)
        failing = target.render_event(event, ["down", "unknown"])
        assert [s.destination for s in failing] == ["down"]
        with pytest.raises(ApplyError):
            target.apply(failing, client)
    # removing the last notify still tells the subscriber that was listening
    assert [s.destination for s in target.render(plan(None, after, KEY))] == ["secops"]


def test_backoff_full_jitter_and_dead_letter() -> None:
    p = RetryPolicy(base_s=1, cap_s=60, max_attempts=5, max_elapsed_s=None)
    rng = random.Random(7)
    for attempt in range(1, 12):
        delays = [p.backoff(attempt, rng) for _ in range(200)]
        ceiling = min(60, 2 ** (attempt - 1))
        assert all(0 <= d <= ceiling for d in delays) and max(delays) > ceiling * 0.8
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    d1 = decide(p, 1, t0, t0, rng=random.Random(1))
    d2 = decide(p, 1, t0, t0, rng=random.Random(1))
    assert d1 == d2 and d1.retry and not d1.dead_letter and t0 <= d1.next_attempt_at <= t0 + timedelta(seconds=1)
    assert decide(p, 5, t0, t0).dead_letter
    assert decide(p, 1, t0, t0, retryable=False).reason == "error is not retryable"
    windowed = RetryPolicy(base_s=100, cap_s=100, max_attempts=50, max_elapsed_s=10)
    late = decide(windowed, 3, t0, t0 + timedelta(seconds=9), rng=random.Random(3))
    assert late.dead_letter and "window" in late.reason


def test_encrypted_target_config_and_rotation() -> None:
    old, new = generate_key(), generate_key()
    cfg = {"account": "org-acct", "user": "lily", "password": "p@ss"}
    token = encrypt_config(cfg, old)
    assert "p@ss" not in token and decrypt_config(token, old) == cfg
    with pytest.raises(SecretError):
        decrypt_config(token, new)
    rotated = rotate(token, [new, old])
    assert decrypt_config(rotated, new) == cfg
    with pytest.raises(SecretError):
        decrypt_config(token[:-4] + "AAAA", old)
