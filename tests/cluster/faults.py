"""The fault test's parts: the mixed stream (built by benchmarks/inbound_real.py's payload builders),
a sender that retries as producers do, a thread of faults at random (seeded) moments, and the checks
run after recovery, on the store and on the PostgreSQL warehouse the outbound worker governs.

Shared by the cluster (PostgreSQL + NATS) and the SQLite default (``lily serve``) runs."""

from __future__ import annotations

import itertools
import logging
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import psycopg
from sqlalchemy import text

from lily.demo import PG
from lily.model import key_id
from lily.store import Store
from tests.governance_flow.helpers import Warehouse, pii_rule, run

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import inbound_real  # the benchmarks' real payload builders (`from inbound import ...` inside)

log = logging.getLogger("lily.tests.faults")

TABLES = 3  # src_i.email -> dst_i.email in the warehouse, lineage between them
COLUMNS = [{"name": "id", "type": "bigint"}, {"name": "email", "type": "character varying"},
           {"name": "country", "type": "character(2)"}]


# ---------------------------------------------------------------------------------------- the stream

@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str]
    events: int


def stream(n: int, tenant: str) -> list[Request]:
    """``n`` events (per 100: 40 OpenLineage, 30 S3, 25 generic, 5 Monte Carlo), as requests. The
    OpenLineage batches go to the any-source URL, whose answer names each accepted event's id (the
    OpenLineage batch answer counts them only)."""
    out = []
    for req, events in inbound_real.mixed(n, tenant):
        _, path, body, *rest = req
        headers = dict(rest[0]) if rest else {"Content-Type": "application/json"}
        if path == "/api/v1/lineage/batch":
            path = "/api/v1/sources/openlineage/events"
        out.append(Request(path, body, headers, events))
    return out


def warehouse_tables(wh: Warehouse) -> None:
    for i in range(TABLES):
        for t in (f"src_{i}", f"dst_{i}"):
            run(wh.url, f"CREATE TABLE public.{t} (id bigint PRIMARY KEY, email varchar, country char(2))")
            run(wh.url, f'GRANT SELECT ON public.{t} TO "{wh.analyst}", "{wh.reader}"')


def configure(url: str, key: str, tenant: str, wh: Warehouse) -> None:
    """Monte Carlo's secret and table mapping, the warehouse's tables in the catalog (with column
    lineage src_i -> dst_i), the PostgreSQL target and the PII masking rule."""
    auth = {"Authorization": f"Bearer {key}"}
    inbound_real.configure_monte_carlo(SimpleNamespace(url=url), auth)  # type: ignore[arg-type]
    # The tables as an OpenLineage producer describes them: the columns in the warehouse's order and
    # the column lineage the tags propagate along.
    def dataset(t: str, **facets: Any) -> dict[str, Any]:
        return {"namespace": PG, "name": f"shop.public.{t}", "facets": {"schema": {"fields": COLUMNS}, **facets}}

    lineage = [{"eventType": "COMPLETE", "eventTime": "2026-01-05T10:00:00Z", "producer": "https://example.com/t",
                "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": "etl", "name": f"copy_{i}"},
                "inputs": [dataset(f"src_{i}")],
                "outputs": [dataset(f"dst_{i}", columnLineage={"fields": {"email": {"inputFields": [
                    {"namespace": PG, "name": f"shop.public.src_{i}", "field": "email"}]}}})]}
               for i in range(TABLES)]
    _ok(httpx.post(f"{url}/api/v1/lineage/batch", headers=auth, json=lineage, timeout=30))
    _ok(httpx.post(f"{url}/api/v1/targets", headers=auth, timeout=30, json={
        "name": "warehouse", "kind": "postgres",
        "config": {"namespaces": [PG], "database": "shop", "managed_roles": [wh.analyst, wh.reader]},
        "secrets": {"dsn": wh.url}}))
    _ok(httpx.post(f"{url}/api/v1/security/rules", headers=auth, json=pii_rule([wh.reader]), timeout=30))


def _ok(resp: httpx.Response) -> None:
    assert resp.is_success, (resp.status_code, resp.text)


def tag_changes(tenant: str, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` changes (method, path): PII.email added to and removed from the source tables' email
    columns, in turn per column (each change flips the column's state)."""
    state = dict.fromkeys(range(TABLES), False)
    out = []
    for _ in range(n):
        i = rng.randrange(TABLES)
        col = key_id(tenant, PG, f"shop.public.src_{i}", "email")
        out.append(("DELETE", f"/api/v1/assets/{col}/classifications/PII.email") if state[i]
                   else ("POST", f"/api/v1/assets/{col}/classifications"))
        state[i] = not state[i]
    return out


# ---------------------------------------------------------------------------------------- sending

@dataclass
class Sent:
    accepted: set[str] = field(default_factory=set)  # event ids answered 2xx
    requests_done: int = 0
    retries: int = 0
    given_up: list[str] = field(default_factory=list)
    tags_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _attempts(deadline: float) -> Iterator[int]:
    for n in itertools.count():
        if time.monotonic() > deadline:
            return
        yield n


def send(url: str, key: str, requests: list[Request], sent: Sent, rate: float, threads: int = 4,
         give_up_s: float = 120) -> None:
    """Every request until it is answered 2xx, at ``rate`` events/s (a request is due when its events
    are), ``threads`` at a time, retrying connection errors and non-2xx answers (producers retry; the
    events' idempotency keys make a retry harmless)."""
    todo = iter(range(len(requests)))
    take = threading.Lock()
    due = list(itertools.accumulate([0, *(r.events for r in requests)]))
    start = time.monotonic()

    def worker() -> None:
        http = httpx.Client(base_url=url, timeout=30)
        while True:
            with take:
                i = next(todo, None)
            if i is None:
                http.close()
                return
            r = requests[i]
            time.sleep(max(0.0, start + due[i] / rate - time.monotonic()))
            headers = r.headers if "monte-carlo" in r.path else {**r.headers, "Authorization": f"Bearer {key}"}
            for attempt in _attempts(time.monotonic() + give_up_s):
                try:
                    resp = http.post(r.path, content=r.body, headers=headers)
                except httpx.HTTPError:
                    resp = None
                if resp is not None and resp.is_success:
                    ids = [e["id"] for e in resp.json()["events"]]
                    with sent.lock:
                        sent.accepted.update(ids)
                        sent.requests_done += 1
                        sent.retries += attempt
                    break
                http.close()  # a fresh connection: the proxy may pick the other API
                http = httpx.Client(base_url=url, timeout=30)
                time.sleep(0.2)
            else:
                with sent.lock:
                    sent.given_up.append(r.path)

    # Daemons: if the test fails (or times out) while they send, their retries against a cluster that
    # is gone must not keep the test process from exiting.
    pool = [threading.Thread(target=worker, name=f"sender-{n}", daemon=True) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def send_tags(url: str, key: str, changes: list[tuple[str, str]], sent: Sent, stop: threading.Event,
              every_s: float) -> None:
    """The tag changes one after another (a column's changes must keep their order), every
    ``every_s``; a retried POST answered 409 (already there) or DELETE answered 404 was applied."""
    auth = {"Authorization": f"Bearer {key}"}
    for method, path in changes:
        for _ in _attempts(time.monotonic() + 120):
            try:
                resp = httpx.request(method, f"{url}{path}", headers=auth, timeout=30,
                                     json={"tag": "PII.email"} if method == "POST" else None)
            except httpx.HTTPError:
                resp = None
            if resp is not None and (resp.is_success or resp.status_code == (409 if method == "POST" else 404)):
                sent.tags_done += 1
                break
            time.sleep(0.2)
        else:
            sent.given_up.append(f"{method} {path}")
        stop.wait(every_s)


# ---------------------------------------------------------------------------------------- faults

@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the stream started
    name: str
    do: Callable[[], None]


def schedule(rng: random.Random, faults: dict[str, Callable[[], None]], seconds: float) -> list[Fault]:
    """Each fault once, at a random moment of the stream's ``seconds`` past its first tenth (seeded:
    the log names the seed and the moments)."""
    return sorted((Fault(round(rng.uniform(0.1, 0.9) * seconds, 1), name, do) for name, do in faults.items()),
                  key=lambda f: f.at)


def run_faults(plan: list[Fault], sent: Sent, done: list[str], errors: list[BaseException]) -> None:
    start = time.monotonic()
    for fault in plan:
        time.sleep(max(0.0, start + fault.at - time.monotonic()))
        t0 = time.monotonic()
        try:
            fault.do()
        except BaseException as exc:
            errors.append(exc)
            return
        done.append(f"{fault.name} at {t0 - start:.1f} s, {sent.requests_done} requests answered "
                    f"({time.monotonic() - t0:.1f} s)")
        log.warning("fault: %s", done[-1])


# ---------------------------------------------------------------------------------------- checks

def unsettled(store: Store, ids: set[str]) -> int:
    """Accepted events not applied yet (no inbox row on NATS, or one not settled)."""
    with store.inbox_read() as conn:
        applied = {_uuid(r[0]) for r in conn.execute(text("SELECT id FROM inbound_events WHERE status = 'applied'"))}
    return len(ids - applied)


def inbox(store: Store) -> dict[str, tuple[str, int | None, int | None, int | None, str | None]]:
    with store.inbox_read() as conn:
        rows = conn.execute(text("SELECT id, status, changes, first_change_seq, last_change_seq, error "
                                 "FROM inbound_events")).all()
    return {_uuid(r[0]): (r[1], r[2], r[3], r[4], r[5]) for r in rows}


def _uuid(value: object) -> str:
    """An id as the API writes it (SQLite keeps UUIDs as 32 hex digits, PostgreSQL as uuid)."""
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except ValueError:  # a change caused by something else than an event
        return str(value)


def change_rows(store: Store) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(seqs per tenant, seqs per causing event id)."""
    per_tenant: dict[str, list[int]] = {}
    per_event: dict[str, list[int]] = {}
    with store.read() as conn:
        for tenant, seq, cause in conn.execute(text("SELECT tenant_id, seq, cause_event_id FROM changes")):
            per_tenant.setdefault(tenant, []).append(seq)
            if cause:
                per_event.setdefault(_uuid(cause), []).append(seq)
    return per_tenant, per_event


def exactly_once(store: Store, ids: set[str]) -> list[str]:
    """Every accepted event applied once: its inbox row says applied, and the change rows it caused
    are the ones its row counts, inside its change range (a second application would add rows or
    fall outside the range). Returns what does not hold."""
    rows = inbox(store)
    _, per_event = change_rows(store)
    problems = []
    for event_id in sorted(ids):
        row = rows.get(event_id)
        if row is None:
            problems.append(f"{event_id}: lost (no inbox row)")
            continue
        status, count, first, last, error = row
        if status != "applied":
            problems.append(f"{event_id}: {status} ({error})")
            continue
        seqs = per_event.get(event_id, [])
        if len(seqs) != (count or 0) or (seqs and not (first <= min(seqs) and max(seqs) <= last)):
            problems.append(f"{event_id}: {len(seqs)} change rows {sorted(seqs)[:5]}..., "
                            f"its row says {count} in [{first}, {last}]")
    return problems


def feed_gaps(store: Store) -> dict[str, str]:
    per_tenant, _ = change_rows(store)
    return {t: f"{len(s)} rows, seq {min(s)}..{max(s)}" for t, s in per_tenant.items()
            if sorted(s) != list(range(1, len(s) + 1))}


def jetstream_backlog(monitor_port: int) -> dict[str, tuple[int, int, int]]:
    """Consumers with events still in the stream: name -> (pending, awaiting ack, pulls waiting),
    read from nats-server's monitoring endpoint (what a failure report needs to name the stuck
    partitions)."""
    jsz = httpx.get(f"http://127.0.0.1:{monitor_port}/jsz", params={"consumers": "true"}, timeout=5).json()
    return {c["name"]: (c["num_pending"], c["num_ack_pending"], c.get("num_waiting", 0))
            for account in jsz.get("account_details", []) for stream in account.get("stream_detail", [])
            for c in stream.get("consumer_detail", []) if c["num_pending"] or c["num_ack_pending"]}


def bus_warnings(logs: Path) -> dict[str, int]:
    """How often each NATS-bus warning of the inbound workers' JSON logs occurred."""
    counts: dict[str, int] = {}
    for path in sorted(logs.glob("inbound-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"nats_' in line:
                event = orjson.loads(line).get("event", "?")
                counts[event] = counts.get(event, 0) + 1
    return counts


def outbound_idle(store: Store) -> bool:
    with store.read() as conn:
        busy = conn.execute(text("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'failed')")).scalar()
        requests = conn.execute(text("SELECT count(*) FROM governance_requests")).scalar()
    return busy == 0 and requests == 0


def not_converged(store: Store, tenant: str, fernet_key: str) -> list[str]:
    """Objects whose warehouse state (read from its catalogs) differs from the desired state Lily's
    planner computes from the catalog and rules now: what a fresh reconcile would change."""
    from lily.governance.rules import evaluate
    from lily.outbound.deliver import load_governed, load_rules, load_targets
    from lily.outbound.plan import plan

    with store.read() as conn:
        targets = load_targets(conn, tenant, fernet_key)
        tables, _ = load_governed(conn, tenant, None)
        desired = evaluate(load_rules(conn, tenant), tables)
    out = []
    for t in targets:
        want = {k: p for k, p in desired.items() if t.accepts(k)}
        connection = t.connect()
        try:
            real = t.target.read_state(connection, want)
        finally:
            connection.close()
        for k in want:
            have = real.get(k)
            diff = plan(want[k], None if have is None or have.is_empty else have, k)
            if not diff.is_empty:
                parts = {n: getattr(diff, n) for n in ("tags_set", "tags_unset", "masks_set", "masks_dropped",
                                                       "grants", "revokes", "columns_changed") if getattr(diff, n)}
                out.append(f"{k.name}: {parts}")
    return out


def planned_statements(store: Store) -> tuple[int, int]:
    """(applied deliveries with statements, their statements), as the deliveries table records them."""
    with store.read() as conn:
        rows = conn.execute(text("SELECT statements FROM deliveries WHERE status = 'applied'")).all()
    counted = [len(r[0] if isinstance(r[0], list) else __import__("json").loads(r[0])) for r in rows]
    return sum(1 for c in counted if c), sum(counted)


# -------------------------------------------------------------- the warehouse's own statement log

STATEMENT_LOG = """
CREATE TABLE public.lily_fault_log (txid bigint NOT NULL, tag text NOT NULL, objects text);
CREATE FUNCTION public.lily_fault_log() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.lily_fault_log VALUES (txid_current(), tg_tag,
    (SELECT string_agg(object_identity, ' ') FROM pg_event_trigger_ddl_commands())); END $$;
CREATE EVENT TRIGGER lily_fault_log ON ddl_command_end EXECUTE FUNCTION public.lily_fault_log();
"""
# The table of applied delivery ids is created once, in a transaction of its own: bookkeeping, not
# a statement of any delivery.
BOOKKEEPING = "SELECT txid FROM public.lily_fault_log WHERE objects LIKE '%lily_applied_deliveries%'"


def log_statements(wh: Warehouse) -> None:
    """Every DDL statement committed at the warehouse (GRANT, REVOKE, CREATE VIEW, COMMENT, ...)
    leaves a row in ``lily_fault_log`` in its own transaction: what was really applied, counted
    where it happened (an aborted transaction leaves none)."""
    with psycopg.connect(wh.url, autocommit=True) as conn:
        conn.execute(STATEMENT_LOG)


def applied_statements(wh: Warehouse) -> tuple[int, int]:
    """(transactions, statements) committed at the warehouse since ``log_statements``."""
    rows = run(wh.url, f"SELECT count(DISTINCT txid), count(*) FROM public.lily_fault_log WHERE txid NOT IN ({BOOKKEEPING})")
    return int(rows[0][0]), int(rows[0][1])


def wait_until(check: Callable[[], bool], timeout: float, step: float = 1.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
