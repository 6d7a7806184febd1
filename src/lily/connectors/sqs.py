"""S3 event notifications through an SQS queue, the way AWS deployments deliver them: no public
endpoint needed for the bucket.

The connector long-polls the queue and hands each message body to the inbound accept path of the
S3 source (``lily.inbound.accept.prepare`` with ``lily.inbound.sources.s3``), exactly as the
webhook does: the same split, the same idempotency keys and event ids, the same worker. A message
is deleted only after ``bus.publish`` returned, that is once its events are durable in Lily's
inbox. A process that stops between receiving and deleting loses nothing: the message becomes
visible again after its visibility timeout, is received again, and its events are recognised as
the ones already stored (``publish`` reports them as redeliveries) before it is deleted.

A message that is not an S3 notification is reported on the run and left in the queue, so the
queue's redrive policy moves it to its dead-letter queue after ``maxReceiveCount`` receipts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import orjson
from pydantic import Field

from lily.connectors import s3_client
from lily.connectors.base import ConnectorConfig, ConnectorError, Kind, RunContext


class SqsConfig(ConnectorConfig):
    type: Literal["sqs"] = "sqs"
    secret_fields: ClassVar[tuple[str, ...]] = ("secret_access_key", "session_token")

    queue_url: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    wait_seconds: int = Field(default=20, ge=0, le=20)  # long polling
    max_messages: int = Field(default=10, ge=1, le=10)
    visibility_timeout: int | None = Field(default=None, ge=0, le=43200)  # default: the queue's
    connect_timeout: float = Field(default=5.0, gt=0)
    max_receives: int = Field(default=1000, ge=1)  # receive calls per run before it yields


class SqsConnector:
    def __init__(self, config: SqsConfig) -> None:
        self.config = config
        self._client: Any = None
        self.pending: list[dict[str, Any]] = []  # received before the run started (lily serve's loop)

    @property
    def client(self) -> Any:
        if self._client is None:
            c = self.config
            self._client = s3_client.make_client(
                "sqs", endpoint_url=c.endpoint_url, region=c.region, access_key_id=c.access_key_id,
                secret_access_key=c.secret_access_key, session_token=c.session_token,
                connect_timeout=c.connect_timeout, read_timeout=c.wait_seconds + 10.0)
        return self._client

    def receive(self, wait_seconds: int | None = None) -> list[dict[str, Any]]:
        """One (long) poll; run-level failures raise ConnectorError."""
        c = self.config
        args: dict[str, Any] = {"QueueUrl": c.queue_url, "MaxNumberOfMessages": c.max_messages,
                                "WaitTimeSeconds": c.wait_seconds if wait_seconds is None else wait_seconds}
        if c.visibility_timeout is not None:
            args["VisibilityTimeout"] = c.visibility_timeout
        try:
            return list(self.client.receive_message(**args).get("Messages", ()))
        except Exception as exc:
            raise s3_client.run_level(exc, c.queue_url) or ConnectorError(f"{c.queue_url}: {exc}") from exc

    def run(self, ctx: RunContext) -> None:
        """Drain the queue: receive, publish, delete, until a poll comes back empty."""
        bus, own = ctx.bus, ctx.bus is None
        if own:
            from lily.inbound.runtime import InboundSettings, make_bus

            bus = make_bus(ctx.store, InboundSettings())
        try:
            messages, polls = self.pending, 0
            self.pending = []
            while True:
                if not messages:
                    if polls >= self.config.max_receives:
                        break
                    messages = self.receive(wait_seconds=0 if polls else None)
                    polls += 1
                    if not messages:
                        break
                self.handle(ctx, bus, messages)
                messages = []
        finally:
            if own:
                bus.close()

    def handle(self, ctx: RunContext, bus: Any, messages: list[dict[str, Any]]) -> None:
        from lily.inbound.accept import RequestInfo, prepare
        from lily.inbound.runtime import InboundSettings
        from lily.inbound.sources import InboundError, get_source

        source = get_source("s3")
        partitions = InboundSettings().inbound_partitions
        report, done = ctx.report, []
        for message in messages:
            report.count("messages")
            body = message.get("Body", "").encode()
            info = RequestInfo(tenant_id=ctx.tenant_id, actor=f"connector:{self.config.name}",
                               correlation_id=message.get("MessageId"), received_at=datetime.now(UTC), headers={})
            try:
                prepared = prepare(source, body, orjson.loads(body), info, partitions=partitions, partial=True)
            except (orjson.JSONDecodeError, InboundError) as exc:
                report.fail(f"sqs message {message.get('MessageId')}", f"not an S3 notification: {exc}")
                continue
            for rejected in prepared.rejected:
                report.fail(f"sqs message {message.get('MessageId')} record {rejected.index}", rejected.reason)
            if prepared.rejected and not prepared.messages:
                continue
            new = bus.publish(prepared.messages)  # returns once durable
            report.count("events", len(new))
            report.count("events_new", sum(new))
            report.count("events_redelivered", len(new) - sum(new))
            done.append(message)
        self.delete(done, report)

    def delete(self, messages: list[dict[str, Any]], report: Any) -> None:
        for start in range(0, len(messages), 10):
            batch = messages[start:start + 10]
            result = self.client.delete_message_batch(QueueUrl=self.config.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
            report.count("messages_deleted", len(result.get("Successful", ())))
            for failed in result.get("Failed", ()):
                # Its receipt expired (received again elsewhere): the events are stored; the next
                # receipt of the message publishes them as redeliveries and deletes it.
                report.fail(f"sqs message {batch[int(failed['Id'])].get('MessageId')}",
                            f"not deleted: {failed.get('Code')} {failed.get('Message', '')}".strip())


def _build(config: SqsConfig) -> SqsConnector:
    return SqsConnector(config)


KIND = Kind(name="sqs", config=SqsConfig, build=_build, title="S3 event notifications through SQS", continuous=True)

__all__ = ["KIND", "SqsConfig", "SqsConnector"]
