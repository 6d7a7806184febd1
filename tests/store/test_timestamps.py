"""``UTCDateTime`` on SQLite converts timestamps itself (SQLAlchemy's conversions cost microseconds
per value on the worker's hot path): the text stored and the values read back are SQLAlchemy's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from lily.store.tables import TS

DIALECT = sqlite.dialect()
OURS_BIND = TS.dialect_impl(DIALECT).bind_processor(DIALECT)
OURS_READ = TS.dialect_impl(DIALECT).result_processor(DIALECT, None)
# SQLAlchemy's own composition: process_bind_param / process_result_value around SQLite's DATETIME.
THEIRS_BIND = TypeDecorator.bind_processor(TS.dialect_impl(DIALECT), DIALECT)
THEIRS_READ = TypeDecorator.result_processor(TS.dialect_impl(DIALECT), DIALECT, None)

zones = st.sampled_from([None, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
moments = st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(min_value=datetime(1, 1, 2),
                                                                 max_value=datetime(9999, 12, 30)), zones)


@given(value=moments)
def test_stored_text_and_value_read_back_are_sqlalchemys(value: datetime) -> None:
    assert OURS_BIND is not None and THEIRS_BIND is not None and OURS_READ and THEIRS_READ
    stored = OURS_BIND(value)
    assert stored == THEIRS_BIND(value)
    assert OURS_READ(stored) == THEIRS_READ(stored)
    if value.tzinfo is not None:
        assert OURS_READ(stored) == value  # the same instant, in UTC


@pytest.mark.parametrize("text", ["2026-01-05 10:00:00", "2026-01-05 10:00:00.5", "2026-01-05 10:00:00.000001"])
def test_text_without_full_microseconds_reads_as_sqlalchemy_reads_it(text: str) -> None:
    assert OURS_READ is not None and THEIRS_READ is not None
    assert OURS_READ(text) == THEIRS_READ(text)


def test_none_and_wrong_types() -> None:
    assert OURS_BIND is not None and OURS_READ is not None
    assert OURS_BIND(None) is None and OURS_READ(None) is None
    with pytest.raises(TypeError):
        OURS_BIND("2026-01-05")
