"""S3 → SQS notifications (moto's own) through the SQS connector into the inbound flow, a restart
between receive and delete, and events and scans agreeing on identities."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lily.connectors import runner
from lily.connectors.base import NoProgress, Report, RunContext, Writer
from lily.connectors.s3 import S3Config
from lily.connectors.sqs import SqsConfig, SqsConnector
from lily.inbound.sources.s3 import events as s3_events
from lily.store.tables import assets
from tests.connectors.test_s3_scan import users
from tests.inbound_flow.conftest import Flow, make_flow
from tests.support.motoserver import MotoServer

TENANT = "default"
KEYS = ["exports/users/export_date=2025-01-01/part 0.parquet",  # S3 sends it as part+0.parquet
        "exports/users/export_date=2025-01-01/café+1.parquet",
        "exports/users/export_date=2025-01-02/part-0.parquet"]


@pytest.fixture
def flow(sqlite_url: str, tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(sqlite_url, tmp_path)
    yield f
    f.worker.close()
    f.runtime.close()
    f.env.client.close()
    f.env.store.dispose()


@pytest.fixture
def wired(moto_server: MotoServer) -> tuple[str, str]:
    """A bucket whose object notifications go to an SQS queue (moto delivers them itself)."""
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    s3, sqs = moto_server.client("s3"), moto_server.client("sqs")
    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    return bucket, queue_url


def sqs_config(moto: MotoServer, queue_url: str) -> SqsConfig:
    return SqsConfig(name="lake-events", queue_url=queue_url, endpoint_url=moto.url, access_key_id="testing",
                     secret_access_key="testing", wait_seconds=1, visibility_timeout=1)


def objects(flow: Flow, bucket: str) -> dict[str, str]:
    with flow.env.store.read() as conn:
        rows = conn.execute(select(assets.c.name, assets.c.status).where(
            assets.c.namespace == f"s3://{bucket}", assets.c.type == "s3_object")).all()
    return {name: status for name, status in rows}


def context(flow: Flow) -> RunContext:
    return RunContext(store=flow.env.store, tenant_id=TENANT, writer=Writer(flow.env.store, TENANT, "test"),
                      report=Report(), progress=NoProgress(), full=False, cursor=None, now=datetime.now(UTC),
                      bus=flow.runtime.bus)


def queue_empty(moto: MotoServer, queue_url: str) -> bool:
    attrs = moto.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return all(v == "0" for v in attrs["Attributes"].values())


def test_notifications_reach_the_catalog_and_a_restart_loses_nothing(flow: Flow, moto_server: MotoServer,
                                                                    wired: tuple[str, str]) -> None:
    bucket, queue_url = wired
    s3 = moto_server.client("s3")
    cfg = sqs_config(moto_server, queue_url)

    # 1. Received, then the process dies before publishing.
    s3.put_object(Bucket=bucket, Key=KEYS[0], Body=users(5))
    first = SqsConnector(cfg)
    received = first.receive(wait_seconds=1) + first.receive(wait_seconds=1)
    assert any(event.key == KEYS[0] for m in received if "Records" in m["Body"] for event in s3_events(m["Body"]))

    # 2. Received and published (durable), then the process dies before deleting.
    s3.put_object(Bucket=bucket, Key=KEYS[1], Body=users(5))
    time.sleep(1.2)  # the first message is visible again by now
    second = SqsConnector(cfg)
    messages = second.receive(wait_seconds=1)
    second.delete = lambda *args: None  # type: ignore[method-assign]  # the crash
    second.handle(context(flow), flow.runtime.bus, messages)
    assert not queue_empty(moto_server, queue_url)

    # 3. After the restart: a new connector drains the queue; nothing is lost, nothing doubled.
    time.sleep(1.2)
    s3.put_object(Bucket=bucket, Key=KEYS[2], Body=users(5))
    result = runner.run(flow.env.store, cfg, bus=flow.runtime.bus)
    assert result.state == "succeeded", result.to_json()
    assert result.report.counts["events_redelivered"] >= 1
    assert queue_empty(moto_server, queue_url)
    flow.drain()
    assert objects(flow, bucket) == dict.fromkeys(KEYS, "active")

    s3.delete_object(Bucket=bucket, Key=KEYS[2])
    runner.run(flow.env.store, cfg, bus=flow.runtime.bus)
    flow.drain()
    assert objects(flow, bucket)[KEYS[2]] == "deleted"


def test_events_then_a_scan_register_each_object_once(flow: Flow, moto_server: MotoServer,
                                                      wired: tuple[str, str]) -> None:
    bucket, queue_url = wired
    s3 = moto_server.client("s3")
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=users(5))
    runner.run(flow.env.store, sqs_config(moto_server, queue_url), bus=flow.runtime.bus)
    flow.drain()
    before = objects(flow, bucket)
    assert before == dict.fromkeys(KEYS, "active")

    scan = S3Config(name="lake", endpoint_url=moto_server.url, access_key_id="testing", secret_access_key="testing",
                    path_specs=[f"s3://{bucket}/exports/{{table}}/export_date={{partition}}/*.parquet"], classify=False)
    result = runner.run(flow.env.store, scan)
    assert result.state == "succeeded", result.to_json()
    after = objects(flow, bucket)
    assert after == before  # the same identities: no second asset for any object
    with flow.env.store.read() as conn:
        total: Any = conn.execute(select(func.count()).select_from(assets).where(
            assets.c.namespace == f"s3://{bucket}", assets.c.field == "")).scalar()
    assert total == len(KEYS) + 2  # the objects, the bucket, the dataset
    # The scan completed what the events could not tell: dataset, partition, schema.
    obj = flow.asset(f"s3://{bucket}", KEYS[0])
    assert obj.attributes["partition"] == {"export_date": "2025-01-01"} and obj.attributes["schema"]
    assert obj.attributes["last_event"] == "ObjectCreated:Put"  # and kept what only the event carried
