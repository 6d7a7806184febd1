"""Interpretation of standard OpenLineage facets (PROTOCOLS §1.3), shared by the OpenLineage source.

Every function is best-effort: a facet whose shape is wrong is simply not interpreted (the raw facet
is still stored on the asset), because real producers send irregular facets and one odd facet must
not make a whole event fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lily.inbound.sources.base import nonblank
from lily.model.asset import ColumnSpec, Owner
from lily.model.classification import ClassificationSource
from lily.model.events import AddClassification, AddLineage, MetadataEvent, PruneImportedClassifications
from lily.model.identity import AssetRef
from lily.model.identity import ref as asset_ref
from lily.model.lineage import TransformationType

_FACET_META = ("_producer", "_schemaURL", "_deleted")
_MAX_TAG = 200  # AddClassification.tag max_length

Quality = tuple[list[dict[str, Any]], dict[str, Any]]  # (assertions, metrics)


def split_facets(facets: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Facets to store (replaced by name) and names marked ``_deleted: true`` (to remove)."""
    # Only a literal true deletes: dbt sends "_deleted": null on facets it means to keep.
    deleted = [name for name, facet in facets.items()
               if isinstance(facet, dict) and facet.get("_deleted") is True]
    return {name: facet for name, facet in facets.items() if name not in deleted}, deleted


def description(facets: dict[str, Any]) -> str | None:
    doc = facets.get("documentation")
    return nonblank(doc.get("description")) if isinstance(doc, dict) else None


def owners(facets: dict[str, Any]) -> list[Owner] | None:
    """``ownership.owners[]`` → owners; ``None`` (leave unchanged) when the facet is absent."""
    facet = facets.get("ownership")
    if not isinstance(facet, dict) or not isinstance(facet.get("owners"), list):
        return None
    return [Owner(name=owner["name"], type=nonblank(owner.get("type"))) for owner in facet["owners"]
            if isinstance(owner, dict) and nonblank(owner.get("name"))]


def parent(facet: Any) -> tuple[AssetRef | None, str | None]:
    """(parent job, parent run id) from the ``parent`` run facet; missing parts give ``None``."""
    if not isinstance(facet, dict):
        return None, None
    run = facet.get("run")
    return _named(facet.get("job")), nonblank(run.get("runId")) if isinstance(run, dict) else None


def _named(obj: Any) -> AssetRef | None:
    """The dataset or job ``obj`` names by its ``namespace`` and ``name`` (None: not both)."""
    named = isinstance(obj, dict) and nonblank(obj.get("namespace")) and nonblank(obj.get("name"))
    return asset_ref(obj["namespace"], obj["name"]) if named else None


def columns(schema: Any) -> list[ColumnSpec] | None:
    """Schema fields as columns, nested struct fields flattened as ``parent.child``.

    ``None`` when there is no usable schema facet (columns left unchanged), ``[]`` for an empty one.
    """
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return None
    return list(_flatten(schema["fields"], ""))


def _flatten(fields: list[Any], prefix: str) -> Iterator[ColumnSpec]:
    for index, item in enumerate(fields, start=1):
        if not isinstance(item, dict) or not nonblank(item.get("name")):
            continue
        name = f"{prefix}{item['name']}"
        ordinal = item.get("ordinal_position")
        attributes = {"parent": prefix[:-1]} if prefix else {}
        yield ColumnSpec(
            name=name,
            data_type=nonblank(item.get("type")),
            description=nonblank(item.get("description")),
            # Top-level position: the producer's ordinal_position, else the list position.
            ordinal=ordinal if isinstance(ordinal, int) else (None if prefix else index),
            attributes=attributes,
        )
        if isinstance(item.get("fields"), list):
            yield from _flatten(item["fields"], f"{name}.")


def symlinks(facet: Any) -> list[dict[str, str]]:
    """Other identities of the dataset (e.g. the Hive table behind an HDFS path)."""
    identifiers = facet.get("identifiers") if isinstance(facet, dict) else None
    return [{"namespace": ident["namespace"], "name": ident["name"], "type": str(ident.get("type") or "")}
            for ident in (identifiers if isinstance(identifiers, list) else [])
            if isinstance(ident, dict) and nonblank(ident.get("namespace")) and nonblank(ident.get("name"))]


@dataclass(frozen=True)
class Lifecycle:
    change: str  # ALTER, CREATE, DROP, OVERWRITE, RENAME, TRUNCATE (upper-cased)
    previous: AssetRef | None


def lifecycle(facet: Any) -> Lifecycle | None:
    if not isinstance(facet, dict) or not nonblank(facet.get("lifecycleStateChange")):
        return None
    change = facet["lifecycleStateChange"].strip().upper()
    return Lifecycle(change=change, previous=_named(facet.get("previousIdentifier")))


def tag_string(key: Any, value: Any) -> str | None:
    """OpenLineage tag (key, value) → Lily tag.

    ``key`` alone when the value is empty or "true" (a flag such as pii=true); nothing when the value
    is "false" (the producer says the tag does *not* apply); otherwise ``key.value`` (PII + email →
    ``PII.email``), which matches Lily's dotted tag hierarchy and its ``PII.*`` rule patterns.
    """
    if not isinstance(key, str) or not key.strip():
        return None
    key = key.strip()
    text = str(value).strip() if value is not None and not isinstance(value, (dict, list)) else ""
    if text.lower() == "false":
        return None
    tag = key if text == "" or text.lower() == "true" else f"{key}.{text}"
    return tag if len(tag) <= _MAX_TAG else None


def classifications(facets: dict[str, Any], deleted: list[str], ref: AssetRef, *,
                    propagate: bool) -> list[MetadataEvent]:
    """``tags`` facet → imported classifications; a tag with ``field`` lands on that column.

    The facet is replaced by name like every facet: when it is present (or ``_deleted``) it is the
    whole tag set, so imported tags it no longer names are pruned first.
    """
    if "tags" in deleted:
        return [PruneImportedClassifications(ref=ref)]
    if "tags" not in facets:
        return []
    facet = facets["tags"]
    tags = facet.get("tags") if isinstance(facet, dict) else None
    found: dict[tuple[AssetRef, str], None] = {}  # (asset, tag), each once, in order
    for item in tags if isinstance(tags, list) else []:
        if isinstance(item, dict) and (tag := tag_string(item.get("key"), item.get("value"))) is not None:
            column = nonblank(item.get("field"))
            found[(ref.column(column) if column else ref, tag)] = None
    return [PruneImportedClassifications(ref=ref, keep=sorted((target.field, tag) for target, tag in found)),
            *(AddClassification(ref=target, tag=tag, source=ClassificationSource.IMPORTED, propagate=propagate)
              for target, tag in found)]


def quality(io_facets: dict[str, Any], facets: dict[str, Any]) -> Quality | None:
    """(assertions, metrics) from ``inputFacets`` (the spec's place) or the dataset-facet variant.

    When both carry the same facet (dbt sends it twice) the input facet wins, so nothing is counted twice.
    """
    assertions_facet = io_facets.get("dataQualityAssertions") or facets.get("dataQualityAssertions")
    metrics_facet = io_facets.get("dataQualityMetrics") or facets.get("dataQualityMetrics")
    raw = assertions_facet.get("assertions") if isinstance(assertions_facet, dict) else None
    assertions = [a for a in raw if isinstance(a, dict)] if isinstance(raw, list) else []
    # The metrics facet's own fields, without its ``_producer``/``_schemaURL``/``_deleted`` envelope.
    metrics = ({k: v for k, v in metrics_facet.items() if k not in _FACET_META}
               if isinstance(metrics_facet, dict) else {})
    if not assertions and not metrics:
        return None
    return assertions, metrics


def column_lineage(facet: Any, output: AssetRef, known_columns: list[str], job: AssetRef) -> list[AddLineage]:
    """``columnLineage`` → column edges, one per (input column, output column) pair.

    Several transformations between the same pair collapse into one edge (an edge's identity is its
    endpoints): DIRECT if any transformation is DIRECT, its subtypes comma-joined, masking only if
    every transformation of the winning type masks. The dataset-wide ``dataset`` list (INDIRECT deps
    such as filters and join keys) is attached to every output column — the shape Spark produces by
    default — or to the output dataset itself when no output column is known.
    """
    if not isinstance(facet, dict):
        return []
    fields = facet.get("fields") if isinstance(facet.get("fields"), dict) else {}
    pairs: dict[tuple[AssetRef, AssetRef], list[dict[str, Any]]] = {}
    for out_col, spec in fields.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("inputFields"), list):
            continue
        fallback = _deprecated_transformation(spec)
        for ref, transformations in _input_fields(spec["inputFields"]):
            pairs.setdefault((ref, output.column(out_col)), []).extend(transformations or [fallback])
    dataset_deps = _input_fields(facet.get("dataset") if isinstance(facet.get("dataset"), list) else [])
    targets = [output.column(c) for c in dict.fromkeys([*known_columns, *fields])] or [output]
    for ref, transformations in dataset_deps:
        indirect = transformations or [{"type": "INDIRECT"}]
        for target in targets:
            pairs.setdefault((ref, target), []).extend(indirect)
    return [_edge(src, dst, trs, job) for (src, dst), trs in pairs.items()]


def _deprecated_transformation(spec: dict[str, Any]) -> dict[str, Any]:
    """Pre-1.2 facets: ``transformationType`` IDENTITY/MASKED on the output field, no per-input list."""
    kind = str(spec.get("transformationType") or "").upper()
    return {
        "type": "DIRECT",
        "subtype": "IDENTITY" if kind == "IDENTITY" else None,
        "masking": kind == "MASKED",
        "description": nonblank(spec.get("transformationDescription")),
    }


def _input_fields(items: list[Any]) -> list[tuple[AssetRef, list[dict[str, Any]]]]:
    result = []
    for item in items:
        dataset = _named(item)
        if dataset is None or not nonblank(item.get("field")):
            continue
        raw = item.get("transformations")
        transformations = [t for t in raw if isinstance(t, dict)] if isinstance(raw, list) else []
        result.append((dataset.column(item["field"]), transformations))
    return result


def _edge(source: AssetRef, target: AssetRef, transformations: list[dict[str, Any]],
          job: AssetRef) -> AddLineage:
    def kind(t: dict[str, Any]) -> str:
        return str(t.get("type") or "DIRECT").upper()

    direct = [t for t in transformations if kind(t) != "INDIRECT"]
    chosen = direct or transformations
    subtypes = dict.fromkeys(str(t["subtype"]).upper() for t in chosen if nonblank(t.get("subtype")))
    descriptions = dict.fromkeys(t["description"] for t in chosen if nonblank(t.get("description")))
    return AddLineage(
        source=source,
        target=target,
        transformation_type=TransformationType.DIRECT if direct else TransformationType.INDIRECT,
        transformation_subtype=",".join(subtypes) or None,
        masking=bool(chosen) and all(t.get("masking") is True for t in chosen),
        job=job,
        description="; ".join(descriptions) or None,
    )
