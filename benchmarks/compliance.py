"""The compliance report over a catalog of 100,000 assets (target: ≤ 2 s).

The catalog: ``--tables`` tables of ``--columns`` columns each (tables + columns = assets), every
tenth column tagged PII (direct), each table feeding the next one column by column (so every PII
column flows somewhere), a third of the downstream copies tagged too, and an applied masking policy
on every other table. The baseline printed beside it is one bare ``SELECT`` of every
classification row in the same database, so the ratio says what the report costs above reading its
main input.

The catalog is built (not timed) through the store's one apply path, about 2,000 operations (some
400 tables and their columns) per change set: a minute or so on SQLite for the default size.

    python benchmarks/compliance.py [--database-url URL] [--tables 5000 --columns 19]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from lily.compliance.render import to_csv, to_html
from lily.compliance.report import report
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    Owner,
    UpsertAsset,
)
from lily.store import Store
from lily.store import governance as gov
from lily.store.accounts import create_tenant

T0 = datetime(2025, 1, 2, tzinfo=UTC)


def build(store: Store, tables: int, columns: int) -> int:
    with store.write() as conn:
        create_tenant(conn, "bench", "Bench", T0)
    target = uuid.uuid4()
    with store.write() as conn:
        gov.insert_target(conn, {"id": target, "tenant_id": "bench", "name": "snowflake", "kind": "snowflake",
                                 "config": {}, "secrets": None, "secret_keys": [], "enabled": True,
                                 "created_at": T0, "updated_at": T0})
    batch: list = []
    for t in range(tables):
        ref = AssetRef(namespace="snowflake://bench", name=f"DB.SCHEMA.T{t:06d}")
        cols = [f"C{c:02d}" for c in range(columns)]
        batch.append(UpsertAsset(ref=ref, type=AssetType.TABLE, columns=[ColumnSpec(name=c) for c in cols],
                                 owners=[Owner(name="team")] if t % 7 else None))
        for c in cols[::10]:
            if t % 3 == 0 or t % 2 == 0:
                batch.append(AddClassification(ref=ref.column(c), tag="PII.email"))
            if t:
                prev = AssetRef(namespace="snowflake://bench", name=f"DB.SCHEMA.T{t - 1:06d}")
                batch.append(AddLineage(source=prev.column(c), target=ref.column(c)))
        if len(batch) > 2000:
            store.apply(ChangeSet(tenant_id="bench", actor="bench", operations=batch, at=T0))
            batch = []
    if batch:
        store.apply(ChangeSet(tenant_id="bench", actor="bench", operations=batch, at=T0))
    with store.write() as conn:
        for t in range(0, tables, 2):
            name = f"DB.SCHEMA.T{t:06d}"
            gov.put_applied(conn, "bench", target, name, "snowflake://bench", name,
                            {"masks": {"C00": {"strategy": "hash"}}}, None, T0)
    return tables * (columns + 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--columns", type=int, default=19)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.from_url(url, migrate=True)
        started = time.perf_counter()
        assets = build(store, args.tables, args.columns)
        print(f"catalog: {assets:,} assets built in {time.perf_counter() - started:.1f} s ({store.dialect})")
        for i in range(args.runs):
            started = time.perf_counter()
            with store.read() as conn:
                n = len(conn.execute(text("select * from classifications where tenant_id = 'bench'")).all())
            bare = time.perf_counter() - started
            started = time.perf_counter()
            doc = report(store, "bench")
            took = time.perf_counter() - started
            started = time.perf_counter()
            to_csv(doc), to_html(doc)
            render = time.perf_counter() - started
            print(f"run {i + 1}: report {took:.2f} s (target ≤ 2 s), csv+html {render:.2f} s; bare read of {n:,} "
                  f"classification rows {bare:.3f} s; {doc['summary']['personal_data_columns']:,} PII columns, "
                  f"{len(doc['findings']):,} findings")
        store.dispose()


if __name__ == "__main__":
    main()
