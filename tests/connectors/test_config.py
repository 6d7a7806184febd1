"""The connectors file: every problem with its file, line and field; secrets only by variable."""

from __future__ import annotations

import pytest

from lily.connectors.config import ConfigError, parse
from lily.connectors.s3_paths import parse_spec

TEXT = """connectors:
  - name: lake
    type: s3
    path_specs: ["s3://bucket/exports/{table}/*.parquet"]
    secret_access_key: plain-secret
  - name: shop
    type: postgres
    host: db
    database: shop
    password: ${SHOP_PASSWORD}
  - name: queue
    type: sqs
    queue_url: https://sqs/q
    wait_seconds: 99
  - name: other
    type: ftp
"""


def test_every_problem_is_located() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(TEXT, "connectors.yaml", env={})
    found = {(p.line, p.field) for p in caught.value.problems}
    assert (5, "connectors[0].secret_access_key") in found  # written into the file
    assert (10, "connectors[1].password") in found  # variable not set
    assert (6, "connectors[1].user") in found  # required field missing: reported at its mapping
    assert (14, "connectors[2].wait_seconds") in found
    assert (16, "connectors[3].type") in found
    assert str(caught.value).splitlines()[0].startswith("connectors.yaml:")


def test_valid_file_with_secret_from_environment() -> None:
    text = TEXT.split("  - name: queue")[0].replace("plain-secret", "${LAKE_KEY}").replace("database: shop",
                                                                                           "database: shop\n    user: u")
    lake, shop = parse(text, env={"LAKE_KEY": "k", "SHOP_PASSWORD": "p"})
    assert (lake.secret_access_key, shop.password) == ("k", "p")  # type: ignore[attr-defined]


def test_path_specs() -> None:
    spec = parse_spec("s3://b/exports/{table}/year={partition[0]}/month={partition[1]}/*.csv")
    m = spec.match("exports/orders/year=2025/month=01/a.csv")
    assert m is not None and (m.dataset, m.partition_dir) == ("exports/orders", "exports/orders/year=2025/month=01")
    assert m.partitions == {"year": "2025", "month": "01"}
    assert spec.match("exports/orders/year=2025/a.csv") is None
    assert parse_spec("s3://b/raw/{table}/{partition}/*.json").match("raw/t/20250102/x.json").date_partition \
        == "2025-01-02"
    assert parse_spec("s3://b/logs/{table}/**/*.json").match("logs/app/x.json").dataset == "logs/app"
    with pytest.raises(ValueError):
        parse_spec("gs://b/x/*.csv")
