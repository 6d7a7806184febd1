"""Declared lineage processes: a process owns its edges; patterns, by-name columns, impact across hops."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lily.model import AssetRef, AssetType, ChangeSet, ColumnSpec, Direction, UpsertAsset, asset_id
from lily.processes.files import parse_text
from lily.processes.service import apply_process, delete_process, sync_directory
from lily.processes.spec import ProcessSpec
from lily.store import Store
from lily.store import lineage as lineage_store
from lily.store.accounts import create_tenant

T0 = datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
PG = "postgres://db.prod:5432"
S3 = "s3://atlan-tech-challenge"
SF = "snowflake://deltaarc"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", T0)
    yield s
    s.dispose()


def table(store: Store, ns: str, name: str, cols: list[str], type_: AssetType = AssetType.TABLE) -> AssetRef:
    ref = AssetRef(namespace=ns, name=name)
    store.apply(ChangeSet(tenant_id="acme", actor="test", at=T0, operations=[
        UpsertAsset(ref=ref, type=type_, columns=[ColumnSpec(name=c, data_type="varchar") for c in cols])]))
    return ref


def edges(store: Store) -> set[tuple[str, str]]:
    with store.read() as conn:
        ids = {}
        from lily.store import catalog
        out = set()
        for e in lineage_store.edges_among(conn, "acme", set(_all_ids(conn))):
            for aid in (e.source_id, e.target_id):
                if aid not in ids:
                    ids[aid] = catalog.get_asset(conn, "acme", aid).ref.qualified_name
            out.add((ids[e.source_id], ids[e.target_id]))
        return out


def _all_ids(conn):
    from lily.store import catalog
    return [a.id for a in catalog.list_assets(conn, "acme", limit=10_000)]


def spec(**overrides) -> ProcessSpec:
    body = {"name": "users-export", "type": "export", "owner": "data-platform",
            "inputs": [{"namespace": PG, "name": "shop.public.users"}],
            "outputs": [{"namespace": S3, "name": "exports/users"}], "columns": "by_name"}
    return ProcessSpec.model_validate({**body, **overrides})


def test_re_applying_with_one_edge_fewer_removes_exactly_that_edge(store: Store) -> None:
    table(store, PG, "shop.public.users", ["id", "email", "phone"])
    table(store, S3, "exports/users", ["id", "email", "phone"], AssetType.DATASET)
    first = apply_process(store, "acme", spec(), at=T0)
    assert first.added == 4 and not first.problems  # dataset edge + three column edges
    before = edges(store)
    assert (f"{PG}/shop.public.users#phone", f"{S3}/exports/users#phone") in before
    # An edge some other writer declared between the same datasets' other columns stays untouched.
    narrowed = spec(columns={"mappings": [{"from": "id", "to": "id"}, {"from": "email", "to": "email"}]})
    second = apply_process(store, "acme", narrowed, at=T0)
    assert second.removed == 1
    assert before - edges(store) == {(f"{PG}/shop.public.users#phone", f"{S3}/exports/users#phone")}
    assert edges(store) - before == set()


def test_an_edge_another_process_declares_stays(store: Store) -> None:
    table(store, PG, "shop.public.users", ["id", "email"])
    table(store, S3, "exports/users", ["id", "email"], AssetType.DATASET)
    apply_process(store, "acme", spec(), at=T0)
    apply_process(store, "acme", spec(name="users-audit", columns={"mappings": [{"from": "email", "to": "email"}]}),
                  at=T0)
    result = apply_process(store, "acme", spec(columns={}), at=T0)  # by-name off: column edges dropped
    assert result.removed == 1 and result.kept == 1  # id removed; email kept for users-audit
    now = edges(store)
    assert (f"{PG}/shop.public.users#email", f"{S3}/exports/users#email") in now
    assert (f"{PG}/shop.public.users#id", f"{S3}/exports/users#id") not in now
    deleted = delete_process(store, "acme", "users-audit", at=T0)
    assert deleted is not None and deleted.removed == 1
    assert edges(store) == {(f"{PG}/shop.public.users", f"{S3}/exports/users")}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1), st.data())
def test_dropping_any_subset_of_mappings_removes_exactly_those(sqlite_url: str, cols: set[str], data) -> None:
    s = Store.from_url(sqlite_url)
    try:
        with s.write() as conn:
            if not conn.exec_driver_sql("select 1 from tenants where id='acme'").first():
                create_tenant(conn, "acme", "Acme", T0)
        name = f"p{abs(hash(frozenset(cols))) % 10**8}"
        src, dst = f"shop.{name}", f"out/{name}"
        table(s, PG, src, sorted(cols))
        mappings = [{"from": c, "to": c.upper()} for c in sorted(cols)]
        body = {"name": name, "type": "export", "inputs": [{"namespace": PG, "name": src}],
                "outputs": [{"namespace": S3, "name": dst}]}
        apply_process(s, "acme", ProcessSpec.model_validate({**body, "columns": mappings}), at=T0)
        before = edges(s)
        keep = data.draw(st.sets(st.sampled_from(sorted(cols))))
        apply_process(s, "acme", ProcessSpec.model_validate(
            {**body, "columns": [m for m in mappings if m["from"] in keep]}), at=T0)
        gone = {(f"{PG}/{src}#{c}", f"{S3}/{dst}#{c.upper()}") for c in cols - keep}
        assert before - edges(s) == gone
        assert edges(s) <= before
    finally:
        s.dispose()


def test_patterns_case_insensitive_names_masking_and_impact_across_hops(store: Store) -> None:
    users = table(store, PG, "shop.public.users", ["id", "email", "ssn"])
    table(store, S3, "exports/users", ["id", "email", "ssn"], AssetType.DATASET)
    raw = table(store, SF, "RAW.PUBLIC.USERS", ["ID", "EMAIL", "SSN"])
    dim = table(store, SF, "ANALYTICS.PUBLIC.DIM_USERS", ["ID", "EMAIL"])
    apply_process(store, "acme", spec(), at=T0)
    ingest = apply_process(store, "acme", ProcessSpec.model_validate({
        "name": "users-ingest", "type": "ingestion", "inputs": [{"pattern": f"{S3}/exports/user*"}],
        "outputs": [{"namespace": SF, "name": "RAW.PUBLIC.USERS"}],
        "columns": {"by_name": True, "masking": ["ssn"]}}), at=T0)
    assert not ingest.problems
    apply_process(store, "acme", ProcessSpec.model_validate({
        "name": "dim-users", "type": "transformation", "inputs": [{"namespace": SF, "name": "RAW.PUBLIC.USERS"}],
        "outputs": [{"namespace": SF, "name": "ANALYTICS.PUBLIC.DIM_USERS"}],
        "columns": [{"from": "email", "to": "email", "subtype": "IDENTITY"}, {"from": "id", "to": "id"}]}), at=T0)
    now = edges(store)
    assert (f"{S3}/exports/users#email", f"{SF}/RAW.PUBLIC.USERS#EMAIL") in now  # by name, case-insensitively
    with store.read() as conn:
        down = {n.asset_id for n in lineage_store.traverse(conn, "acme", asset_id("acme", users.column("email")),
                                                           Direction.DOWNSTREAM, 10)}
        masked = [e for e in lineage_store.edges_of(conn, "acme", asset_id("acme", raw.column("SSN")))
                  if e.target_id == asset_id("acme", raw.column("SSN"))]
    assert asset_id("acme", dim.column("EMAIL")) in down  # users.email -> S3 -> RAW -> DIM: three hops
    assert masked and masked[0].masking


def test_a_pattern_that_matches_nothing_is_an_error_on_that_item_only(store: Store) -> None:
    table(store, PG, "shop.public.users", ["id"])
    result = apply_process(store, "acme", spec(outputs=[{"pattern": f"{S3}/nothing/*"},
                                                        {"namespace": S3, "name": "exports/users"}]), at=T0)
    assert [p.field for p in result.problems] == ["outputs[0].pattern"]
    assert (f"{PG}/shop.public.users", f"{S3}/exports/users") in edges(store)


def test_invalid_file_names_file_line_and_field() -> None:
    text = "name: users-export\ntype: export\ninputs:\n  - namespace: postgres://x\n    name: a\noutputs:\n  - {pattern: 's3://b/*'}\ncolumns:\n  mappings:\n    - from: email\n      masking: maybe\n"
    got, problems = parse_text(text, "processes/users.yaml")
    assert got is None
    fields = {p.field: p.line for p in problems}
    assert fields["columns.mappings[0].to"] == 10
    assert fields["columns.mappings[0].masking"] == 11
    assert all(p.file == "processes/users.yaml" for p in problems)
    _, bad = parse_text("name: x\ntype: export\ninputs: [\n", "p.yaml")
    assert bad[0].field == "" and "invalid YAML" in bad[0].message


def test_directory_sync_applies_files_reports_invalid_ones_and_deletes_vanished(store: Store, tmp_path: Path) -> None:
    table(store, PG, "shop.public.users", ["id"])
    (tmp_path / "a.yaml").write_text(f"name: a\ntype: export\ninputs: [{{namespace: '{PG}', name: shop.public.users}}]\n"
                                     f"outputs: [{{namespace: '{S3}', name: exports/users}}]\n")
    (tmp_path / "b.yaml").write_text("name: b\ntype: sideways\n")
    report = sync_directory(store, "acme", tmp_path, at=T0)
    assert [a.name for a in report.applied] == ["a"]
    assert {p.field for p in report.invalid} >= {"type", "inputs", "outputs"}
    assert sync_directory(store, "acme", tmp_path, at=T0).applied[0].unchanged
    (tmp_path / "a.yaml").unlink()
    assert sync_directory(store, "acme", tmp_path, at=T0).deleted == ["a"]
    assert edges(store) == set()
