"""ML-ready features (pure over Arrow, except the split hash which runs in DuckDB).

Each row's split comes from a keyed hash (HMAC-SHA256 keyed by the declared salt) of its primary
key, so an entity stays in the same split on every run and as the data grows. Scalers and
vocabularies are fitted on the training rows only (no leakage from validation or test) and kept in
the manifest, so the same transformation can be applied to new data later. Fitting uses Arrow's
sequential kernels: the parameters, hence the files, are the same bytes on every run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lily.anonymize import hmac_params, hmac_sql
from lily.medallion.spec import FeatureDecl, MlSpec, SplitSpec

SPLIT_COLUMN = "split"
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Fitted:
    column: str
    transform: str
    params: dict[str, Any]  # mean/std, min/max, or vocabulary
    outputs: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "transform": self.transform, "params": self.params,
                "outputs": list(self.outputs)}


@dataclass(frozen=True)
class FeatureSet:
    table: pa.Table  # key columns, split, feature outputs, label; sorted by key
    fitted: tuple[Fitted, ...]
    counts: dict[str, int] = field(default_factory=dict)

    def split(self, name: str) -> pa.Table:
        return self.table.filter(pc.equal(self.table.column(SPLIT_COLUMN), name))


def _key_text(columns: list[str]) -> str:
    parts = [f"coalesce(CAST(\"{c.replace(chr(34), chr(34) * 2)}\" AS VARCHAR), '')" for c in columns]
    return " || chr(31) || ".join(parts)


def assign_splits(keys: pa.Table, split: SplitSpec) -> pa.Array:
    """``train`` / ``validation`` / ``test`` per row, from HMAC(salt, key) mapped onto [0, 1)."""
    if keys.num_rows == 0:
        return pa.array([], pa.string())
    con = duckdb.connect()
    try:
        con.register("__keys", keys)
        bucket = f"CAST(('0x' || left({hmac_sql(_key_text(keys.column_names))}, 8)) AS UBIGINT) / 4294967296.0"
        first, second = split.train, split.train + split.validation
        query = (f"SELECT CASE WHEN b < {first!r} THEN 'train' WHEN b < {second!r} THEN 'validation' "
                 f"ELSE 'test' END AS s FROM (SELECT {bucket} AS b FROM __keys)")
        out = con.sql(query, params=hmac_params(split.salt.encode())).to_arrow_table()
        return out.column("s").combine_chunks()
    finally:
        con.close()


def _number(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.cast(values, pa.float64())


def _text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())


def _scalar(value: pa.Scalar) -> float | None:
    out = value.as_py()
    return None if out is None else float(out)


def fit(feature: FeatureDecl, train: pa.Table) -> Fitted:
    values = train.column(feature.column)
    if feature.transform == "standard":
        mean = _scalar(pc.mean(_number(values)))
        std = _scalar(pc.stddev(_number(values), ddof=0))
        return Fitted(feature.column, "standard", {"mean": mean if mean is not None else 0.0,
                                                   "std": std if std else 1.0}, (feature.column,))
    if feature.transform == "min_max":
        bounds = pc.min_max(_number(values))
        low, high = _scalar(bounds["min"]), _scalar(bounds["max"])
        return Fitted(feature.column, "min_max", {"min": low if low is not None else 0.0,
                                                  "max": high if high is not None else 0.0}, (feature.column,))
    if feature.transform in ("one_hot", "ordinal"):
        vocabulary = sorted(v for v in pc.unique(_text(values)).to_pylist() if v is not None)
        outputs = (tuple(f"{feature.column}={v}" for v in vocabulary) if feature.transform == "one_hot"
                   else (feature.column,))
        return Fitted(feature.column, feature.transform, {"vocabulary": vocabulary}, outputs)
    return Fitted(feature.column, "passthrough", {}, (feature.column,))


def transform(fitted: Fitted, values: pa.ChunkedArray | pa.Array) -> list[tuple[str, pa.Array]]:
    """The output columns of one feature. Nulls stay null for scalers; an unknown or null category
    is all zeros in one-hot and -1 as an ordinal."""
    p = fitted.params
    if fitted.transform == "standard":
        return [(fitted.column, pc.divide(pc.subtract(_number(values), p["mean"]), p["std"]))]
    if fitted.transform == "min_max":
        span = (p["max"] - p["min"]) or 1.0
        return [(fitted.column, pc.divide(pc.subtract(_number(values), p["min"]), span))]
    if fitted.transform == "one_hot":
        text = _text(values)
        return [(name, pc.cast(pc.fill_null(pc.equal(text, value), False), pa.int8()))
                for name, value in zip(fitted.outputs, p["vocabulary"], strict=True)]
    if fitted.transform == "ordinal":
        index = pc.index_in(_text(values), value_set=pa.array(p["vocabulary"], pa.string()))
        return [(fitted.column, pc.fill_null(pc.cast(index, pa.int32()), -1))]
    return [(fitted.column, values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)]


def build(spec: MlSpec, source: pa.Table) -> FeatureSet:
    """Features of one partition of ``spec.source``."""
    order = pc.sort_indices(source, sort_keys=[(k, "ascending") for k in spec.key])
    source = source.take(order)
    splits = assign_splits(source.select(spec.key), spec.split)
    train = source.filter(pc.equal(splits, "train")) if source.num_rows else source
    fitted = tuple(fit(f, train) for f in spec.features)
    columns: list[tuple[str, pa.Array]] = [(k, source.column(k).combine_chunks()) for k in spec.key]
    columns.append((SPLIT_COLUMN, splits))
    for f in fitted:
        columns.extend(transform(f, source.column(f.column)))
    if spec.label is not None:
        columns.append((spec.label, source.column(spec.label).combine_chunks()))
    names = [n for n, _ in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"feature outputs collide: {sorted(n for n in names if names.count(n) > 1)}")
    table = pa.table(dict(columns)) if columns else pa.table({})
    counts = {s: int(pc.sum(pc.equal(splits, s)).as_py() or 0) for s in SPLITS}
    return FeatureSet(table, fitted, counts)


def schema_hash(schema: pa.Schema) -> str:
    """sha256 of the column names, types and nullability (stable across Arrow versions)."""
    canonical = json.dumps([[f.name, str(f.type), f.nullable] for f in schema], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
