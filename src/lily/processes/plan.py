"""A process → the operations that declare it: pure over the process and what the catalog knows.

Every input feeds every output at dataset level; column edges come from the by-name matching
(case-insensitive) and the explicit mappings (which win for the same pair of columns). The plan
also lists the edges the process owns (what a later apply compares against) and the problems of
single items (a pattern matching nothing, a mapped column an input does not have): those items are
left out, the rest is declared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lily.model import AddLineage, AssetRef, AssetType, MetadataEvent, Owner, TransformationType, UpsertAsset
from lily.processes.spec import ProcessSpec


@dataclass(frozen=True)
class Problem:
    field: str  # e.g. "inputs[1].pattern", "columns.mappings[0].from"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class Plan:
    operations: list[MetadataEvent] = field(default_factory=list)
    edges: list[tuple[AssetRef, AssetRef]] = field(default_factory=list)  # every edge declared, in order
    problems: list[Problem] = field(default_factory=list)
    inputs: list[list[AssetRef]] = field(default_factory=list)  # per declared input, the datasets it named
    outputs: list[list[AssetRef]] = field(default_factory=list)


def _resolve(specs: Sequence, kind: str, matches: Mapping[str, list[AssetRef]], plan: Plan) -> list[list[AssetRef]]:
    out = []
    for i, spec in enumerate(specs):
        if spec.pattern is None:
            out.append([spec.ref])
            continue
        found = matches.get(spec.pattern, [])
        if not found:
            plan.problems.append(Problem(f"{kind}[{i}].pattern", f"pattern {spec.pattern!r} matches no dataset"))
        out.append(found)
    return out


def _find(columns: list[str], wanted: str) -> str | None:
    lower = wanted.lower()
    return next((c for c in columns if c.lower() == lower), None)


def plan_process(spec: ProcessSpec, matches: Mapping[str, list[AssetRef]],
                 columns: Mapping[AssetRef, list[str]], *, origin: str) -> Plan:
    """``matches``: datasets each pattern matches; ``columns``: known column names per dataset."""
    plan = Plan()
    plan.inputs = _resolve(spec.inputs, "inputs", matches, plan)
    plan.outputs = _resolve(spec.outputs, "outputs", matches, plan)
    job = spec.job
    description = f"{spec.type} process {spec.name}"
    plan.operations.append(UpsertAsset(
        ref=job, type=AssetType.JOB, display_name=spec.name, description=spec.description,
        owners=[Owner(name=spec.owner, type="process owner")] if spec.owner else None,
        attributes={"process_type": spec.type, "schedule": spec.schedule, "declared_in": origin,
                    "inputs": [s.label() for s in spec.inputs], "outputs": [s.label() for s in spec.outputs]}))
    column_edges: dict[tuple[AssetRef, AssetRef], AddLineage] = {}

    def column_edge(src: AssetRef, dst: AssetRef, kind: TransformationType, subtype: str | None,
                    masking: bool) -> None:
        column_edges[(src, dst)] = AddLineage(source=src, target=dst, transformation_type=kind,
                                              transformation_subtype=subtype, masking=masking, job=job,
                                              description=description)

    masked = {c.lower() for c in spec.columns.masking}
    for i_list in plan.inputs:
        for src in i_list:
            for o_list in plan.outputs:
                for dst in o_list:
                    plan.operations.append(AddLineage(source=src, target=dst, job=job, description=description))
                    plan.edges.append((src, dst))
                    if not spec.columns.by_name:
                        continue
                    out_cols = columns.get(dst) or []
                    for col in columns.get(src) or []:
                        # An output the catalog does not know columns of yet gets the input's names.
                        target = _find(out_cols, col) if out_cols else col
                        if target is not None:
                            subtype = "IDENTITY" if col.lower() not in masked else "MASKED"
                            column_edge(src.column(col), dst.column(target), TransformationType.DIRECT,
                                        subtype, col.lower() in masked)
    for m_index, m in enumerate(spec.columns.mappings):
        where = f"columns.mappings[{m_index}]"
        ins = [(i, r) for i, refs in enumerate(plan.inputs) for r in refs if m.input is None or i == m.input]
        outs = [(i, r) for i, refs in enumerate(plan.outputs) for r in refs if m.output is None or i == m.output]
        sources = []
        for _, src in ins:
            known = columns.get(src) or []
            col = _find(known, m.source) if known else m.source
            if col is not None:
                sources.append(src.column(col))
        if ins and not sources:
            plan.problems.append(Problem(f"{where}.from", f"no input has a column {m.source!r}"))
            continue
        for _, dst in outs:
            known = columns.get(dst) or []
            col = _find(known, m.target) if known else m.target
            if col is None:
                plan.problems.append(Problem(f"{where}.to", f"output {dst} has no column {m.target!r}"))
                continue
            for src_col in sources:
                column_edge(src_col, dst.column(col), m.transformation, m.subtype, m.masking)
    for (src, dst), op in column_edges.items():
        plan.operations.append(op)
        plan.edges.append((src, dst))
    return plan
