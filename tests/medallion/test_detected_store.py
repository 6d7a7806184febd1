"""The store's side of detected classifications and scored quality results, op by op."""

from __future__ import annotations

from datetime import UTC, datetime

from lily.bootstrap import ensure_tenant
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    DetectedTag,
    RecordQuality,
    ReviewClassification,
    SyncDetectedClassifications,
    UpsertAsset,
    asset_id,
)
from lily.store import Store, catalog
from lily.store import runs as run_store
from lily.store.feed import changes_after

T = "default"
DS = AssetRef(namespace="file:///lake", name="bronze/x/people")
AT = datetime(2024, 6, 1, tzinfo=UTC)


def apply(store: Store, *ops: object, actor: str = "pipeline:x") -> None:
    store.apply(ChangeSet(tenant_id=T, actor=actor, operations=list(ops), at=AT))  # type: ignore[arg-type]


def found(*pairs: tuple[str, str], score: float = 0.9, run: str = "r1") -> SyncDetectedClassifications:
    return SyncDetectedClassifications(ref=DS, detector="lily.classify", found=[
        DetectedTag(field=f, tag=t, confidence=score, evidence={"recognizer": "x", "run_id": run})
        for f, t in pairs])


def state(store: Store) -> dict[tuple[str, str], tuple[str, str | None, float | None]]:
    ids = [asset_id(T, DS.column(c)) for c in ("a", "b", "c", "placeholder")]
    with store.read() as conn:
        rows = catalog.classifications_of(conn, T, ids)
        fields = {asset_id(T, DS.column(c)): c for c in ("a", "b", "c", "placeholder")}
    return {(fields[c.asset_id], c.tag): (c.source.value, c.status, c.confidence) for c in rows}


def test_suggestions_follow_detection_and_reviews_and_direct_tags_win(database_url: str) -> None:
    store = Store.from_url(database_url)
    ensure_tenant(store, T)
    apply(store, UpsertAsset(ref=DS, type=AssetType.TABLE, columns=[
        ColumnSpec(name=n, data_type="string") for n in ("a", "b", "c")]),
        AddLineage(source=DS.column("placeholder"), target=DS.column("a")))  # a column nobody declared
    apply(store, found(("a", "PII.email"), ("b", "PII.phone"), ("placeholder", "PII.name")),
          SyncDetectedClassifications(ref=DS, detector="other", found=[DetectedTag(field="c", tag="PII.ssn",
                                                                                   confidence=0.8)]))
    assert state(store) == {("a", "PII.email"): ("detected", "suggested", 0.9),
                            ("b", "PII.phone"): ("detected", "suggested", 0.9),
                            ("c", "PII.ssn"): ("detected", "suggested", 0.8)}

    # re-scored; a suggestion no longer found goes; another detector's stays
    apply(store, found(("a", "PII.email"), score=0.7, run="r2"))
    assert state(store) == {("a", "PII.email"): ("detected", "suggested", 0.7),
                            ("c", "PII.ssn"): ("detected", "suggested", 0.8)}
    with store.read() as conn:
        changes_before = len(changes_after(conn, T, 0, limit=10_000))
    # the same score from another run: nothing written
    apply(store, found(("a", "PII.email"), score=0.7, run="r3"))
    with store.read() as conn:
        (row,) = [c for c in catalog.classifications_of(conn, T, [asset_id(T, DS.column("a"))])]
        assert row.evidence is not None and row.evidence["run_id"] == "r2"
        assert len(changes_after(conn, T, 0, limit=10_000)) == changes_before

    # confirmed: kept whatever detection says; rejected: gone and never suggested again
    apply(store, ReviewClassification(ref=DS.column("a"), tag="PII.email", decision="confirmed"),
          ReviewClassification(ref=DS.column("c"), tag="PII.ssn", decision="rejected"), actor="user:ann")
    apply(store, found(("b", "PII.phone"), score=0.95),
          SyncDetectedClassifications(ref=DS, detector="other", found=[DetectedTag(field="c", tag="PII.ssn",
                                                                                   confidence=0.99)]))
    assert state(store) == {("a", "PII.email"): ("detected", "confirmed", 0.7),
                            ("b", "PII.phone"): ("detected", "suggested", 0.95)}
    with store.read() as conn:
        (rejection,) = catalog.rejections_of(conn, T, [asset_id(T, DS.column("c"))])
    assert rejection["rejected_by"] == "user:ann" and rejection["evidence"]["reviewed_by"] == "user:ann"

    # a person's direct tag is never duplicated by a suggestion
    apply(store, AddClassification(ref=DS.column("c"), tag="PII.address"), actor="user:ann")
    apply(store, found(("b", "PII.phone"), ("c", "PII.address"), score=0.95))
    assert state(store)[("c", "PII.address")] == ("direct", None, None)
    assert ("c", "PII.address") in state(store) and len([k for k in state(store) if k[0] == "c"]) == 1
    store.dispose()


def test_a_scored_result_fills_its_unscored_copy(database_url: str) -> None:
    store = Store.from_url(database_url)
    ensure_tenant(store, T)
    apply(store, UpsertAsset(ref=DS, type=AssetType.TABLE))
    plain = RecordQuality(ref=DS, assertions=[{"assertion": "row_count", "success": True}],
                          metrics={"rowCount": 3}, run_id="step-run", observed_at=AT)
    apply(store, plain, actor="openlineage")  # the copy an OpenLineage event brings first
    apply(store, plain.model_copy(update={"scores": {"completeness": 100.0}, "status": "pass",
                                          "context": {"layer": "silver"}}))
    apply(store, plain)  # and again: still one result, still scored
    with store.read() as conn:
        (result,) = run_store.quality_of(conn, T, asset_id(T, DS))
    assert result["scores"] == {"completeness": 100.0} and result["status"] == "pass"
    assert result["context"] == {"layer": "silver"} and result["passed"] == 1
    store.dispose()
