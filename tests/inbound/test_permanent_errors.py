"""Which apply errors fail an event at once (they recur on every attempt) and which are retried."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import DataError, OperationalError, StatementError

from lily.inbound.accept import label
from lily.inbound.sources import openlineage, s3
from lily.inbound.worker import is_permanent
from lily.store import ApplyError


def test_values_the_database_refuses_fail_at_once() -> None:
    assert is_permanent(DataError("INSERT", {}, Exception("text cannot contain NUL (0x00) bytes")))
    assert is_permanent(ApplyError("rejected operation"))


def test_a_value_no_statement_can_bind_fails_at_once() -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("j", sa.JSON))
    table.create(engine)
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), {"j": {"x": object()}})  # not JSON-serialisable
    except StatementError as exc:
        assert is_permanent(exc)
    else:
        raise AssertionError("the insert should not bind")


def test_driver_errors_stay_retriable() -> None:
    assert not is_permanent(OperationalError("INSERT", {}, Exception("database is locked")))
    assert not is_permanent(TimeoutError())


def test_event_type_labels_hold_no_nul() -> None:
    ol_event = {"eventType": "COM\x00PLETE", "run": {}, "job": {}}
    assert label(openlineage.event_type(ol_event, None)) == "RunEvent.COMPLETE"
    assert label(s3.event_type({"eventName": "\x00"}, None)) is None
