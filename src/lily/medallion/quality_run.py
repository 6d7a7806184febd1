"""A dataset's declared checks, run alone over what the lake holds for one process date
(``lily quality run``): nothing is published, held or resolved.

``DATASET`` is a table's lake name — ``silver/crm/customers``, ``bronze/crm/customers``,
``gold/crm/orders_per_segment_day`` — or ``<pipeline>.<dataset>`` for both of a dataset's layers.
Bronze checks read the day's latest ingest run (what the last run's gate read), silver and gold
checks the published partition; reference checks read the referenced datasets' published silver
of the same day. Columns detection finds, and those the PII policy names, are left out of samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lily.medallion import pii
from lily.medallion.engine import expose, with_day
from lily.medallion.layout import INGEST_RUN_COLUMN, Layout
from lily.medallion.tables import read_day
from lily.medallion.validate import Pipeline, reference_relation
from lily.quality import Check, QualityReport, run_checks


class TargetError(ValueError):
    """``DATASET`` names nothing this pipeline declares, or the lake holds nothing for the day."""


@dataclass(frozen=True)
class Target:
    pipeline: str
    name: str  # a dataset or gold table of the pipeline
    layers: tuple[str, ...]  # "bronze", "silver" or "gold"


def parse_target(text: str) -> Target:
    """``silver/crm/customers`` → (crm, customers, silver); ``crm.customers`` → both of its layers."""
    parts = text.strip("/").split("/")
    if len(parts) == 3 and parts[0] in ("bronze", "silver", "gold"):
        return Target(parts[1], parts[2], (parts[0],))
    pipeline, dot, name = text.partition(".")
    if dot and pipeline and name and "/" not in text:
        return Target(pipeline, name, ("bronze", "silver"))
    raise TargetError(f"expected <layer>/<pipeline>/<name> (e.g. silver/crm/customers) or <pipeline>.<dataset>, "
                      f"got {text!r}")


def _checks(pipeline: Pipeline, target: Target, layer: str) -> list[Check]:
    spec = pipeline.spec
    if layer == "gold":
        if target.name not in spec.gold:
            raise TargetError(f"pipeline {spec.pipeline!r} has no gold table {target.name!r}")
        return spec.gold[target.name].checks
    if target.name not in spec.datasets:
        raise TargetError(f"pipeline {spec.pipeline!r} has no dataset {target.name!r}")
    return list(getattr(spec.datasets[target.name].checks, layer))


def latest_ingest(table: pa.Table) -> pa.Table:
    """The rows of the day's latest ingest run (bronze is append-only: one copy per run)."""
    if table.num_rows == 0:
        return table
    last = pc.max(table.column("ingestion_timestamp")).as_py()
    runs = table.filter(pc.equal(table.column("ingestion_timestamp"), pa.scalar(last, table.schema.field(
        "ingestion_timestamp").type)))
    return runs.drop_columns([INGEST_RUN_COLUMN]) if INGEST_RUN_COLUMN in runs.column_names else runs


def _read(layout: Layout, target: Target, layer: str, day: date) -> pa.Table:
    uri = {"bronze": layout.bronze, "silver": layout.silver, "gold": layout.gold}[layer](target.name)
    table = read_day(uri, day)
    if table is None or table.num_rows == 0:
        raise TargetError(f"{layout.name(uri)} holds nothing for {day}")
    return latest_ingest(table) if layer == "bronze" else table


def _pii_columns(pipeline: Pipeline, target: Target, table: pa.Table) -> set[str]:
    spec = pipeline.spec.datasets.get(target.name)
    if spec is None:
        return set()
    found = {d.name for d in pii.detect(spec, table) if d.entity}
    return found | set(spec.pii.columns)


def check(con: duckdb.DuckDBPyConnection, pipeline: Pipeline, layout: Layout, target: Target,
          day: date) -> dict[str, QualityReport]:
    """Each layer's report (layers without checks are left out)."""
    reports: dict[str, QualityReport] = {}
    for layer in target.layers:
        checks = _checks(pipeline, target, layer)
        if not checks:
            continue
        table = _read(layout, target, layer, day)
        references = {c.dataset: reference_relation(c.dataset) for c in checks if hasattr(c, "dataset")}
        for relation in references.values():
            zone, ref = relation.split(".", 1)
            uri = layout.silver(ref) if zone == "silver" else layout.gold(ref)
            held = read_day(uri, day)
            if held is None:
                raise TargetError(f"a reference check needs {layout.name(uri)}, which holds nothing for {day}")
            expose(con, relation, held)
        relation = f"staged.{layer}__{target.name}"
        expose(con, relation, with_day(table, day))
        reports[layer] = run_checks(con, relation, checks, process_date=day, references=references,
                                    pii_columns=_pii_columns(pipeline, target, table))
    if not reports:
        raise TargetError(f"{target.pipeline}.{target.name} declares no checks for {', '.join(target.layers)}")
    return reports
