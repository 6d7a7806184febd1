"""A Monte Carlo alert re-opened after ``fixed`` re-opens the incident (hardening issue): through the
signed webhook, the inbox and the worker, with the real sample as the base of every update.

An update is a duplicate only when everything, its own time included, matches: ``investigating``
again with a later ``updated_time`` is a new update; the very same update sent again is not.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lily.inbound.sources.monte_carlo import sign
from lily.store.incidents import incident_id
from tests.inbound.samples import MONTECARLO, load
from tests.inbound_flow.conftest import Flow, make_flow

SAMPLE = "montecarlo_webhook_anomaly_incident_abbrev.json"
SECRET = load(MONTECARLO / "montecarlo_signature_test_vectors_DERIVED.json")["secret"]
URL = "/api/v1/webhooks/monte-carlo"
# The sample has no time of its own: it is observed when received (now). The updates come after it.
START = datetime.now(UTC)


def later(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def flow(database_url: str, tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(database_url, tmp_path)
    resp = f.env.client.put("/api/v1/sources/monte-carlo/config", headers=f.headers, json={"secret": SECRET})
    assert resp.status_code == 200, resp.text
    yield f
    f.worker.close()
    f.runtime.close()
    f.env.client.close()
    f.env.store.dispose()


def status_update(feedback: str, updated_time: str) -> dict[str, Any]:
    """The sample as Monte Carlo sends a status update of the same incident (PROTOCOLS §3)."""
    body = copy.deepcopy(load(MONTECARLO / SAMPLE))
    body["type"] = "incident_status_update"
    body["payload"] |= {"alert_feedback": feedback, "updated_time": updated_time}
    return body


def send(flow: Flow, body: bytes | dict[str, Any]) -> dict[str, Any]:
    """POST signed with the tenant's secret (Monte Carlo's reference form), then let the worker run."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    resp = flow.env.client.post(URL, content=raw, params={"tenant": "default"},
                                headers={"Content-Type": "application/json", "x-mcd-signature": sign(raw, SECRET)})
    assert resp.status_code == 200, resp.text
    flow.drain()
    return resp.json()


def incident(flow: Flow) -> dict[str, Any]:
    iid = incident_id("default", "monte_carlo", load(MONTECARLO / SAMPLE)["payload"]["incident_id"])
    resp = flow.env.client.get(f"/api/v1/incidents/{iid}", headers=flow.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_open_fixed_investigating_reopens_the_incident(flow: Flow) -> None:
    assert send(flow, (MONTECARLO / SAMPLE).read_bytes())["accepted"] == 1  # the real payload, as sent
    assert send(flow, status_update("fixed", later(60)))["accepted"] == 1
    assert incident(flow)["status"] == "resolved"
    reopened = send(flow, status_update("investigating", later(120)))
    assert (reopened["accepted"], reopened["duplicates"]) == (1, 0)
    body = incident(flow)
    assert body["status"] == "investigating"  # open again, as Monte Carlo shows it
    assert [e["set"].get("status") for e in body["timeline"]] == ["open", "resolved", "investigating"]
    assert body["updates"] == 3 and body["last_observed_at"].startswith(later(120)[:19])


def test_a_reopen_repeating_an_earlier_status_is_new_and_a_redelivery_is_not(flow: Flow) -> None:
    send(flow, (MONTECARLO / SAMPLE).read_bytes())
    acknowledged = json.dumps(status_update("investigating", later(30))).encode()
    send(flow, acknowledged)
    send(flow, status_update("fixed", later(60)))
    # The same status as the acknowledgement, later: a re-open, not a redelivery of it.
    again = send(flow, status_update("investigating", later(120)))
    assert (again["accepted"], again["duplicates"]) == (1, 0)
    body = incident(flow)
    assert body["status"] == "investigating"
    assert [e["set"].get("status") for e in body["timeline"]] == ["open", "investigating", "resolved", "investigating"]
    # A redelivery (everything equal, its time too) is still a duplicate: stored once, applied once.
    redelivered = send(flow, acknowledged)
    assert (redelivered["accepted"], redelivered["duplicates"]) == (0, 1)
    assert incident(flow)["timeline"] == body["timeline"]
    assert len(flow.rows()) == 4


def test_a_redelivery_applied_again_adds_no_entry(flow: Flow) -> None:
    """Past the inbox (a replay): the timeline entry's id includes the time, so it is the same entry."""
    send(flow, (MONTECARLO / SAMPLE).read_bytes())
    send(flow, status_update("fixed", later(60)))
    before = incident(flow)
    fixed = next(r for r in flow.rows() if b"fixed" in r["payload"])
    resp = flow.env.client.post(f"/api/v1/events/{fixed['id']}/replay", headers=flow.headers)
    assert resp.status_code == 202, resp.text
    flow.drain()
    after = incident(flow)
    assert after["timeline"] == before["timeline"] and after["status"] == "resolved"
