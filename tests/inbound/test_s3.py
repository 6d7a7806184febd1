from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lily.inbound.sources import s3
from lily.inbound.sources.base import ParseError
from lily.model import AssetRef, AssetType, DeleteAsset, UpsertAsset
from tests.inbound.samples import S3, load


def sample(name: str) -> Any:
    return load(S3 / name)


def record(key: str = "raw/red+flower.jpg", event_name: str = "ObjectCreated:Put", sequencer: str = "0055AED6DCD90281E5") -> dict[str, Any]:  # fmt: skip
    data = copy.deepcopy(sample("awsdocs_s3_objectcreated_put.json"))
    rec = data["Records"][0]
    rec["eventName"] = event_name
    rec["s3"]["object"]["key"] = key
    rec["s3"]["object"]["sequencer"] = sequencer
    return data


def test_all_samples_split_and_parse() -> None:
    names = sorted(p.name for p in S3.glob("*.json"))
    assert len(names) == 9
    for name in names:
        payload = sample(name)
        records = s3.split(payload)
        ops = s3.parse(payload)
        assert ops == [op for r in records for op in s3.parse(r)], name
        assert len(s3.idempotency_key(payload)) == 64


def test_direct_put() -> None:
    bucket_op, object_op = s3.parse(sample("awsdocs_s3_objectcreated_put.json"))
    assert bucket_op == UpsertAsset(
        ref=AssetRef(namespace="s3://mybucket", name=""),
        type=AssetType.S3_BUCKET,
        display_name="mybucket",
        attributes={"region": "us-west-2", "arn": "arn:aws:s3:::mybucket"},
    )
    assert object_op.ref == AssetRef(namespace="s3://mybucket", name="HappyFace.jpg")
    assert object_op.type is AssetType.S3_OBJECT and object_op.parent == bucket_op.ref
    assert object_op.display_name == "HappyFace.jpg"
    assert object_op.attributes == {
        "size": 1024,
        "etag": "d41d8cd98f00b204e9800998ecf8427e",
        "format": "jpeg",
        "last_modified": "1970-01-01T00:00:00+00:00",
        "last_event": "ObjectCreated:Put",
        "last_event_time": "1970-01-01T00:00:00+00:00",
        "sequencer": "0055AED6DCD90281E5",
        "version_id": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
        "deleted_at": None,
        "deletion_type": None,
    }


def test_delete_sample_gives_tombstone_then_delete() -> None:
    tombstone, delete = s3.parse(sample("powertools_s3EventDeleteObject.json"))
    ref = AssetRef(
        namespace="s3://lambda-artifacts-deafc19498e3f2df", name="b21b84d653bb07b05b1e6b33684dc11b"
    )
    assert isinstance(delete, DeleteAsset) and delete.ref == ref
    assert isinstance(tombstone, UpsertAsset) and tombstone.ref == ref
    assert tombstone.attributes["sequencer"] == "0C0F6F405D6ED209E1"
    assert tombstone.attributes["deleted_at"] == "2019-09-03T19:37:27.192000+00:00"
    assert "size" not in tombstone.attributes  # absent on deletes, and never erased with null


def test_delete_with_encoded_key() -> None:
    payload = record(
        key="exports/2024+01/users%3Dall%2Bmore.csv.gz", event_name="ObjectRemoved:DeleteMarkerCreated"
    )
    _, delete = s3.parse(payload)
    assert delete == DeleteAsset(
        ref=AssetRef(namespace="s3://mybucket", name="exports/2024 01/users=all+more.csv.gz")
    )


def test_created_key_decoding_and_format() -> None:
    _, obj = s3.parse(record(key="landing/red+flower%2B1.csv.gz"))
    assert obj.ref.name == "landing/red flower+1.csv.gz"
    assert (obj.attributes["format"], obj.attributes["compression"]) == ("csv", "gzip")
    assert obj.display_name == "red flower+1.csv.gz"


def test_sqs_wrapped() -> None:
    ops = s3.parse(sample("powertools_s3SqsEvent.json"))
    assert [op.ref for op in ops] == [
        AssetRef(namespace="s3://xxx", name=""),
        AssetRef(namespace="s3://xxx", name="test.pdf"),
    ]
    assert ops[1].attributes["format"] == "pdf"
    assert ops[1].attributes["version_id"] == "yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV"


def test_sns_and_sqs_sns_double_wrap() -> None:
    inner = json.dumps(record(key="a/b.parquet"))
    sns = {"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu:1:t", "Message": inner}
    sqs_sns = {"Records": [{"messageId": "1", "eventSource": "aws:sqs", "body": json.dumps(sns)}]}
    lambda_sns = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": inner}}]}
    expected = s3.parse(record(key="a/b.parquet"))
    assert s3.parse(sns) == expected
    assert s3.parse(sqs_sns) == expected
    assert s3.parse(lambda_sns) == expected
    assert expected[1].attributes["format"] == "parquet"
    assert s3.idempotency_key(sqs_sns) == s3.idempotency_key(record(key="a/b.parquet"))


def test_eventbridge_created_and_deleted() -> None:
    _, created = s3.parse(sample("awsdocs_eventbridge_object_created.json"))
    assert created.ref == AssetRef(namespace="s3://amzn-s3-demo-bucket1", name="example-key")
    assert created.attributes["etag"] == "b1946ac92492d2347c6235b4d2611184"
    assert created.attributes["version_id"] == "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"
    assert created.attributes["sequencer"] == "617f08299329d189"
    assert created.attributes["reason"] == "PutObject"
    tombstone, delete = s3.parse(sample("powertools_s3EventBridgeNotificationObjectDeletedEvent.json"))
    assert delete == DeleteAsset(ref=AssetRef(namespace="s3://example-bucket", name="IMG_m7fzo3.jpg"))
    assert tombstone.attributes["deletion_type"] == "Delete Marker Created"


def test_test_event_is_acknowledged_and_ignored() -> None:
    payload = sample("awsdocs_s3_test_event.json")
    assert s3.split(payload) == [] and s3.parse(payload) == []
    wrapped = {"Records": [{"body": json.dumps(payload)}]}
    assert s3.parse(wrapped) == []


def test_other_event_types_change_nothing() -> None:
    for name in ("ObjectRestore:Completed", "ObjectTagging:Put", "ObjectAcl:Put", "LifecycleTransition"):
        assert s3.parse(record(event_name=name)) == []
    eventbridge = copy.deepcopy(sample("awsdocs_eventbridge_object_created.json"))
    eventbridge["detail-type"] = "Object Tags Added"
    assert s3.parse(eventbridge) == []


def test_glacier_restore_data_kept() -> None:
    _, obj = s3.parse(sample("powertools_s3EventGlacier.json"))
    assert obj.attributes["restore"]["lifecycleRestoreStorageClass"] == "standard"


def test_lifecycle_expiration_is_a_delete() -> None:
    assert isinstance(s3.parse(record(event_name="LifecycleExpiration:Delete"))[-1], DeleteAsset)


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["Records"][0]["s3"]["object"].pop("key"), "s3.object.key"),
        (lambda d: d["Records"][0]["s3"]["bucket"].update(name=""), "s3.bucket.name"),
        (lambda d: d["Records"][0].pop("eventName"), "eventName"),
        (lambda d: d["Records"][0].update(eventTime="later"), "eventTime"),
        (lambda d: d["Records"][0].update(eventVersion="3.0"), "eventVersion"),
        (lambda d: d["Records"].append({"foo": 1}), "Records[1]"),
        (lambda d: d["Records"].append({"body": "{not json"}), "Records[1].body"),
    ],
)
def test_parse_errors(mutate: Any, path: str) -> None:
    payload = record()
    mutate(payload)
    with pytest.raises(ParseError) as info:
        s3.parse(payload)
    assert info.value.path == path


def test_not_an_s3_payload() -> None:
    with pytest.raises(ParseError, match="not an S3 notification"):
        s3.split({"hello": "world"})
    with pytest.raises(ParseError, match=r"^source: expected 'aws.s3'"):
        s3.split({"detail-type": "Object Created", "detail": {}, "source": "aws.ec2"})


def test_newer_minor_versions_accepted() -> None:
    payload = record()
    payload["Records"][0]["eventVersion"] = "2.6"
    payload["Records"][0]["newField"] = {"x": 1}
    assert len(s3.parse(payload)) == 2


def test_sequencer_examples() -> None:
    assert s3.is_newer("0055AED6DCD90281E6", "0055AED6DCD90281E5")
    assert not s3.is_newer("0055AED6DCD90281E5", "0055AED6DCD90281E5")
    # Right-pad the shorter one with zeros: "0A" is "0A00" which is after "09FF".
    assert s3.is_newer("0A", "09FF")
    assert not s3.is_newer("0A", "0A00") and not s3.is_newer("0A00", "0A")
    assert not s3.is_newer("0a", "0A") and not s3.is_newer("0A", "0a")  # hex digits in either case


def test_idempotency_key_per_record() -> None:
    a = s3.idempotency_key(record(sequencer="01"))
    assert a == s3.idempotency_key(record(sequencer="01"))
    assert a != s3.idempotency_key(record(sequencer="02"))
    assert a != s3.idempotency_key(record(key="other", sequencer="01"))
    assert a != s3.idempotency_key(record(event_name="ObjectRemoved:Delete", sequencer="01"))
    two = record()
    two["Records"].append(record(key="second")["Records"][0])
    assert len(s3.split(two)) == 2
    assert s3.idempotency_key(two) not in {s3.idempotency_key(r) for r in s3.split(two)}
