"""``lily classify`` on CSV, NDJSON and Parquet files, and its errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lily.classify import InputError, classify_file
from lily.cli import app

EMAILS = [f"user{i}@example.com" for i in range(50)]
PHONES = [f"+1 415-555-{1000 + i}" for i in range(50)]


def _csv(path: Path) -> Path:
    lines = ["email_sent,contact,phone,zip"] + [f"{'true' if i % 2 else 'false'},{e},{p},0{1000 + i}"
                                                for i, (e, p) in enumerate(zip(EMAILS, PHONES, strict=True))]
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["classify", *args])
    return result.exit_code, result.stdout, result.stderr


def _entities(body: str) -> dict[str, str | None]:
    return {c["name"]: c["entity"] for c in json.loads(body)["columns"]}


def test_csv_json(tmp_path: Path) -> None:
    code, out, _ = _run(str(_csv(tmp_path / "people.csv")), "--json")
    assert code == 0
    body = json.loads(out)
    assert _entities(out) == {"email_sent": None, "contact": "EMAIL", "phone": "PHONE", "zip": None}
    column = body["columns"][1]
    assert set(column) == {"name", "entity", "tag", "confidence", "evidence"}
    assert column["tag"] == "PII.email" and column["evidence"]["hit_rate"] == 1.0


def test_ndjson_and_parquet(tmp_path: Path) -> None:
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_text("\n".join(json.dumps({"user": {"email": e, "ip": f"192.168.1.{i + 2}"}, "n": i})
                                for i, e in enumerate(EMAILS)) + "\n")
    code, out, _ = _run(str(ndjson), "--json", "--sample", "20")
    assert code == 0 and _entities(out) == {"user.email": "EMAIL", "user.ip": "IP_ADDRESS", "n": None}
    parquet = tmp_path / "t.parquet"
    pq.write_table(pa.table({"phone": PHONES, "n": list(range(50))}), parquet)
    code, out, _ = _run(str(parquet), "--json")
    assert code == 0 and _entities(out) == {"phone": "PHONE", "n": None}


def test_table_output(tmp_path: Path) -> None:
    code, out, _ = _run(str(_csv(tmp_path / "people.csv")))
    assert code == 0 and "PII.email" in out and "contact" in out


@pytest.mark.parametrize("name,content,message", [
    ("missing.csv", None, "no such file"),
    ("data.xlsx", "PK\x03\x04", "unknown format"),
    ("bad.csv", "a,b\n1,2\n3,4,5\n", "malformed CSV"),
    ("bad.ndjson", '{"a": 1}\n{"a": \n', "line 2: not JSON"),
    ("list.ndjson", "[1, 2]\n", "a JSON object per line"),
    ("fake.parquet", "not parquet", "not a Parquet file"),
    ("empty.csv", "", "empty file"),
    ("broken.csv.gz", "not gzip", "cannot read"),
])
def test_bad_input_is_a_clear_error(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    code, out, err = _run(str(path), "--json")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    with pytest.raises(InputError, match=message):
        classify_file(path)


def test_csv_cells_are_text_and_odd_headers_get_names(tmp_path: Path) -> None:
    path = tmp_path / "odd.tsv"
    path.write_text("id\t\tid\n007\tx\ty\n")
    results = classify_file(path)
    assert [r.name for r in results] == ["id", "column_2", "id_3"]
    assert results[0].evidence.extra["dtype"] == "string"  # 007 stays 007, as a zip code or an id must
