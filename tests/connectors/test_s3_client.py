"""The S3 client's cheaper listing parse reads exactly what botocore's default reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from botocore.utils import parse_timestamp
from hypothesis import given
from hypothesis import strategies as st

from lily.connectors import s3_client
from tests.support.motoserver import MotoServer

moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@given(moment=moments, style=st.sampled_from(["iso_z", "iso_millis", "iso_offset", "http", "epoch"]))
def test_timestamps_parse_as_botocore_parses_them(moment: datetime, style: str) -> None:
    text = {"iso_z": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "iso_millis": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "iso_offset": moment.astimezone(timezone(timedelta(hours=2))).isoformat(),
            "http": moment.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "epoch": str(int(moment.timestamp()))}[style]
    ours, theirs = s3_client._timestamp(text), parse_timestamp(text)
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset()


def test_a_listing_through_the_client_matches_the_default_client(moto_server: MotoServer) -> None:
    bucket = f"list-{uuid.uuid4().hex[:10]}"
    default = moto_server.client("s3")
    default.create_bucket(Bucket=bucket)
    for i in range(25):
        default.put_object(Bucket=bucket, Key=f"p/{i:03d}.csv", Body=b"a,b\n1,2\n" * (i + 1))
    ours = s3_client.make_client("s3", endpoint_url=moto_server.url, region=None, access_key_id="testing",
                                 secret_access_key="testing")
    listed = list(s3_client.listing(ours, bucket, "p/", page_size=7))
    expected = [o for page in default.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/")
                for o in page["Contents"]]
    assert [(o["Key"], o["ETag"], o["Size"], o["LastModified"]) for o in listed] == \
        [(o["Key"], o["ETag"], o["Size"], o["LastModified"]) for o in expected]
    assert all(o["LastModified"].isoformat() == e["LastModified"].isoformat() for o, e in zip(listed, expected,
                                                                                              strict=True))
