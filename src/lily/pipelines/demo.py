"""Deterministic demo logs in all three formats, with bad rows and bad files (pure generation).

Same ``seed`` → same bytes. Used by ``lily pipeline demo-data``, the tests and the benchmark.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from xml.sax.saxutils import quoteattr

from lily.pipelines.lake import RAW, Lake

SERVICES = ("checkout", "catalog", "search", "auth", "payments")
HOSTS = tuple(f"web-{i}" for i in range(1, 7))
PATHS = ("/api/v1/items", "/api/v1/cart", "/api/v1/search", "/api/v1/login", "/api/v1/pay", "/healthz")
METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE")
STATUSES = (200, 200, 200, 200, 201, 204, 301, 400, 401, 404, 500, 503)
ERRORS = ("upstream timeout", "connection reset by peer", "null pointer in handler", "disk quota exceeded")

XML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
    b' <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">\n]>\n'
    b'<errors><error timestamp="2024-01-01T00:00:00Z" service="x"><message>&lol4;</message></error></errors>\n'
)


@dataclass(frozen=True)
class DemoFile:
    name: str  # path relative to raw/
    data: bytes
    good_records: int  # records expected in silver (all days together)
    bad_records: int  # records expected in rejected/data_quality


def _iso(moment: datetime, rng: random.Random) -> str:
    # Mostly UTC 'Z', sometimes an offset, so normalization to UTC is exercised.
    if rng.random() < 0.2:
        return moment.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="milliseconds")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _access(moment: datetime, rng: random.Random, aliases: bool) -> dict[str, object]:
    status = rng.choice(STATUSES)
    latency = round(rng.lognormvariate(3.5, 0.8), 3)
    user = f"u{rng.randrange(500):04d}" if rng.random() < 0.85 else None
    if aliases:  # the gzip producer uses other field names
        return {"timestamp": _iso(moment, rng), "svc": rng.choice(SERVICES), "hostname": rng.choice(HOSTS),
                "method": rng.choice(METHODS), "endpoint": rng.choice(PATHS), "status_code": status,
                "duration_ms": latency, "user": user, "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.7"}
    return {"ts": _iso(moment, rng), "service": rng.choice(SERVICES), "host": rng.choice(HOSTS),
            "method": rng.choice(METHODS), "path": rng.choice(PATHS), "status": status,
            "latency_ms": latency, "user_id": user, "client_ip": f"192.168.{rng.randrange(256)}.{rng.randrange(256)}"}


def _bad_rows(moment: datetime, rng: random.Random) -> list[str]:
    base = _access(moment, rng, aliases=False)
    return [
        '{"ts": "2024-01-01T00:00:00Z", "service": ',  # broken JSON in the middle of a file
        json.dumps({**base, "status": 999}),
        json.dumps({**base, "ts": "yesterday-ish"}),
        json.dumps({k: v for k, v in base.items() if k != "service"}),
        json.dumps({**base, "latency_ms": -5}),
    ]


def _times(day: date, count: int, rng: random.Random, spill_minutes: int = 0) -> list[datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    seconds = 86_400 + spill_minutes * 60
    return sorted(start + timedelta(seconds=rng.randrange(seconds), milliseconds=rng.randrange(1000))
                  for _ in range(count))


def day_files(day: date, rng: random.Random, per_file: int) -> list[DemoFile]:
    """One day's files: NDJSON (crossing midnight by up to 30 min), gzip JSON, XML errors."""
    files: list[DemoFile] = []
    rows = [json.dumps(_access(t, rng, aliases=False)) for t in _times(day, per_file, rng, spill_minutes=30)]
    bad = _bad_rows(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), rng)
    for i, row in enumerate(bad):
        rows.insert(1 + (i + 1) * len(rows) // (len(bad) + 2), row)
    files.append(DemoFile(f"ndjson/access-{day.isoformat()}.ndjson", ("\n".join(rows) + "\n").encode(),
                          per_file, len(bad)))
    gz_rows = [json.dumps(_access(t, rng, aliases=True)) for t in _times(day, per_file, rng)]
    files.append(DemoFile(f"json_gzip/access-{day.isoformat()}.json.gz",
                          gzip.compress(("\n".join(gz_rows) + "\n").encode(), mtime=0), per_file, 0))
    errors = []
    for t in _times(day, max(1, per_file // 10), rng):
        errors.append(f"  <error timestamp={quoteattr(_iso(t, rng))} host={quoteattr(rng.choice(HOSTS))} "
                      f"level=\"ERROR\" path={quoteattr(rng.choice(PATHS))} status=\"500\">"
                      f"<message>{rng.choice(ERRORS)}</message></error>")
    errors.append('  <error level="ERROR"><message>no timestamp here</message></error>')
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<errors service="{rng.choice(SERVICES)}">\n'
           + "\n".join(errors) + "\n</errors>\n")
    files.append(DemoFile(f"xml_errors/errors-{day.isoformat()}.xml", xml.encode(), len(errors) - 1, 1))
    return files


def bad_files(day: date, rng: random.Random) -> list[DemoFile]:
    """Files that must land in rejected/system: one per failure kind."""
    good = json.dumps(_access(datetime(day.year, day.month, day.day, 8, tzinfo=UTC), rng, aliases=False))
    corrupt = bytearray(gzip.compress((good + "\n").encode() * 50, mtime=0))
    corrupt[20:40] = bytes(20)  # damage the deflate stream
    return [
        DemoFile("json_gzip/corrupt.json.gz", bytes(corrupt), 0, 0),
        DemoFile("ndjson/truncated.ndjson", (good + "\n" + good[: len(good) // 2]).encode(), 0, 0),
        DemoFile("xml_errors/bomb.xml", XML_BOMB, 0, 0),
        DemoFile("ndjson/empty.ndjson", b"", 0, 0),
        DemoFile("misc/report.csv", b"day,requests\n2024-01-01,10\n", 0, 0),
    ]


def generate(start: date, days: int, seed: int, per_file: int = 200, include_bad_files: bool = True) -> list[DemoFile]:
    rng = random.Random(seed)
    files: list[DemoFile] = []
    for offset in range(days):
        files.extend(day_files(start + timedelta(days=offset), rng, per_file))
    if include_bad_files:
        files.extend(bad_files(start, rng))
    return files


def write_files(lake: Lake, files: list[DemoFile]) -> list[str]:
    """Land ``files`` in the lake's ``raw/``; returns their keys."""
    written = []
    for f in files:
        key = f"{RAW}/{f.name}"
        lake.storage.write_bytes(key, f.data)
        written.append(key)
    return written
