"""Loading a pipeline file: structure (pydantic), then cross-references, every error located.

An error names the file, the line and column, and the field as a dotted path — the pydantic
location walked through the YAML document, so ``datasets.customers.schema.email.type`` points at
the line where that type is written, and a missing field at the mapping that should hold it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lily.medallion.gold_sql import CompiledSql, SqlError, compile_sql
from lily.medallion.layout import BRONZE_METADATA_COLUMNS, PARTITION_COLUMN, RESERVED_PIPELINES
from lily.medallion.spec import DatasetSpec, PipelineSpec
from lily.quality import Check
from lily.quality.checks import ReferenceCheck
from lily.yamlfile import Located, Mark, YamlError, load

PIPELINES_DIR_ENV = "LILY_PIPELINES_DIR"
DEFAULT_PIPELINES_DIR = "./pipelines"
SUFFIXES = (".yaml", ".yml")


def pipelines_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """An explicit directory, else ``$LILY_PIPELINES_DIR``, else ``./pipelines``."""
    value = explicit if explicit is not None else os.environ.get(PIPELINES_DIR_ENV) or DEFAULT_PIPELINES_DIR
    return Path(value).expanduser()


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    column: int | None
    field: str  # dotted path in the document, "" for the whole file
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "") + (f":{self.column}" if self.column else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class PipelineFileError(ValueError):
    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = list(issues)


@dataclass(frozen=True)
class Pipeline:
    """A valid pipeline file, with its gold SQL compiled and every relation's columns known."""

    spec: PipelineSpec
    path: Path
    gold: dict[str, CompiledSql] = field(default_factory=dict)
    relations: dict[str, dict[str, str]] = field(default_factory=dict)  # "silver.orders" -> column -> SQL type

    @property
    def name(self) -> str:
        return self.spec.pipeline


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _walk(doc: Any, loc: Sequence[str | int]) -> tuple[list[str | int], list[str | int]]:
    """(path that exists in the document, path to report). Pydantic inserts union tags and
    validator names into locations; they are skipped unless they are the last part (a missing or
    unexpected field, reported by name at its parent)."""
    found: list[str | int] = []
    node = doc
    for i, part in enumerate(loc):
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_list:
            found.append(part)
            node = node[part]
        elif i == len(loc) - 1 and part != "[key]":
            return found, [*found, part]
    return found, found


class _Collector:
    def __init__(self, file: str, located: Located) -> None:
        self.file = file
        self.located = located
        self.issues: list[Issue] = []

    def add(self, path: Sequence[str | int], message: str, *, mark: Mark | None = None,
            shown: Sequence[str | int] | None = None) -> None:
        mark = mark or self.located.locate(path)
        self.issues.append(Issue(self.file, mark.line if mark else None, mark.column if mark else None,
                                 _dotted(shown if shown is not None else path), message))


def _message(error: Any) -> str:
    msg = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "missing":
        return "required field missing"
    return msg


def load_pipeline(path: str | os.PathLike[str]) -> Pipeline:
    """Read, validate and compile one pipeline file. Raises ``PipelineFileError``."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineFileError([Issue(name, None, None, "", f"cannot read: {exc}")]) from exc
    try:
        located = load(text)
    except YamlError as exc:
        mark = exc.mark
        raise PipelineFileError([Issue(name, mark.line if mark else None, mark.column if mark else None, "",
                                       exc.message)]) from exc
    issues = _Collector(name, located)
    if not isinstance(located.value, dict):
        issues.add((), "a pipeline file is a mapping (pipeline:, datasets:, ...)")
        raise PipelineFileError(issues.issues)
    try:
        spec = PipelineSpec.model_validate(located.value)
    except ValidationError as exc:
        for error in exc.errors():
            found, shown = _walk(located.value, error["loc"])
            issues.add(found, _message(error), shown=shown)
        raise PipelineFileError(issues.issues) from exc
    pipeline = _check(spec, path, issues)
    if issues.issues:
        raise PipelineFileError(issues.issues)
    return pipeline


def _entity_names() -> frozenset[str] | None:
    try:
        from lily.classify import ENTITY_TAGS
    except ImportError:  # detection not installed: entity names cannot be checked here
        return None
    return frozenset(ENTITY_TAGS)


def _check_columns(issues: _Collector, where: tuple[str | int, ...], columns: Iterable[str],
                   known: set[str], what: str) -> None:
    for column in columns:
        if column not in known:
            issues.add(where, f"{what} {column!r} is not a declared column ({', '.join(sorted(known))})")


def _check_quality(issues: _Collector, where: tuple[str | int, ...], checks: Sequence[Check], known: set[str],
                   relations: Collection[str]) -> None:
    seen: set[str] = set()
    for i, check in enumerate(checks):
        if check.name in seen:
            issues.add((*where, i), f"two checks are named {check.name!r}: give one a distinct name")
        seen.add(str(check.name))
        _check_columns(issues, (*where, i), check.columns_used(), known, "check column")
        if isinstance(check, ReferenceCheck) and reference_relation(check.dataset) not in relations:
            issues.add((*where, i, "dataset"), f"unknown dataset {check.dataset!r} (a silver dataset, or "
                                               f"silver.<dataset> / gold.<name> declared before)")


def reference_relation(name: str) -> str:
    """A reference check's ``dataset``: ``customers`` is ``silver.customers``."""
    return name if "." in name else f"silver.{name}"


def _check_dataset(issues: _Collector, name: str, ds: DatasetSpec, entities: frozenset[str] | None,
                   relations: Collection[str]) -> None:
    base: tuple[str | int, ...] = ("datasets", name)
    declared = set(ds.columns)
    _check_columns(issues, (*base, "primary_key"), ds.primary_key, declared, "key column")
    if ds.ordering is not None:
        _check_columns(issues, (*base, "ordering"), [ds.ordering], declared, "ordering column")
    for column, decl in ds.pii.columns.items():
        _check_columns(issues, (*base, "pii", "columns", column), [column], declared, "PII column")
        if decl.operator == "scrub" and ds.columns.get(column) and ds.columns[column].column_type.name != "string":
            issues.add((*base, "pii", "columns", column), "scrub applies to string columns only")
    if entities is not None:
        for entity in ds.pii.entities:
            if entity not in entities:
                issues.add((*base, "pii", "entities", entity),
                           f"unknown entity {entity!r} (known: {', '.join(sorted(entities))})")
        for column, decl in ds.pii.columns.items():
            for entity in decl.entities or ():
                if entity not in entities:
                    issues.add((*base, "pii", "columns", column, "entities"), f"unknown entity {entity!r}")
    if clash := sorted(declared & ({*BRONZE_METADATA_COLUMNS, PARTITION_COLUMN})):
        issues.add((*base, "schema", clash[0]), f"{', '.join(clash)}: reserved for bronze's metadata")
    bronze_columns = declared | set(BRONZE_METADATA_COLUMNS) | {PARTITION_COLUMN}
    _check_quality(issues, (*base, "checks", "bronze"), ds.checks.bronze, bronze_columns, relations)
    _check_quality(issues, (*base, "checks", "silver"), ds.checks.silver, declared | {PARTITION_COLUMN}, relations)


def _check(spec: PipelineSpec, path: Path, issues: _Collector) -> Pipeline:
    if spec.pipeline in RESERVED_PIPELINES:
        issues.add(("pipeline",), f"{spec.pipeline!r} is taken by the built-in log pipeline's tables")
    if path.stem != spec.pipeline:
        issues.add(("pipeline",), f"the pipeline in {path.name} must be named {path.stem!r} (the file name), "
                                  f"got {spec.pipeline!r}")
    entities = _entity_names()
    relations: dict[str, dict[str, str]] = {
        f"silver.{name}": {c: d.column_type.duckdb for c, d in ds.columns.items()}
        for name, ds in spec.datasets.items()
    }
    for name, ds in spec.datasets.items():
        _check_dataset(issues, name, ds, entities, set(relations))
    gold: dict[str, CompiledSql] = {}
    for name, g in spec.gold.items():
        where = ("gold", name, "sql")
        try:
            compiled = compile_sql(g.sql, relations)
        except SqlError as exc:
            line = issues.located.text_line(where, exc.line) if exc.line else None
            mark = Mark(line, 1) if line else None
            issues.add(where, exc.message, mark=mark)
            continue
        if PARTITION_COLUMN in compiled.columns:
            issues.add(where, f"{PARTITION_COLUMN} is the partition column gold adds: name the output otherwise")
        gold[name] = compiled
        relations[f"gold.{name}"] = dict(compiled.types)
        _check_quality(issues, ("gold", name, "checks"), g.checks, set(compiled.columns) | {PARTITION_COLUMN},
                       set(relations))
    for name, ml in spec.ml.items():
        base: tuple[str | int, ...] = ("ml", name)
        columns = relations.get(ml.source)
        if columns is None:
            issues.add((*base, "source"), f"unknown relation {ml.source!r} (known: {', '.join(sorted(relations))})")
            continue
        known = set(columns)
        _check_columns(issues, (*base, "key"), ml.key, known, "key column")
        for i, feature in enumerate(ml.features):
            _check_columns(issues, (*base, "features", i, "column"), [feature.column], known, "feature column")
        seen = [f.column for f in ml.features]
        if len(set(seen)) != len(seen):
            issues.add((*base, "features"), "a column may appear as one feature only")
        if ml.label is not None:
            _check_columns(issues, (*base, "label"), [ml.label], known, "label column")
    return Pipeline(spec, path, gold, relations)


def pipeline_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())


def find_pipeline(name: str, directory: Path) -> Path | None:
    """The file of pipeline ``name`` in ``directory`` (``<name>.yaml`` or ``<name>.yml``)."""
    for suffix in SUFFIXES:
        candidate = directory / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def validate_path(path: Path) -> tuple[list[Pipeline], list[Issue]]:
    """Every pipeline file at ``path`` (one file, or a directory's ``*.yaml``/``*.yml``)."""
    if not path.exists():
        return [], [Issue(str(path), None, None, "", "no such file or directory")]
    files = pipeline_files(path) if path.is_dir() else [path]
    if not files:
        return [], [Issue(str(path), None, None, "", "no pipeline files (*.yaml, *.yml) found")]
    valid: list[Pipeline] = []
    issues: list[Issue] = []
    for file in files:
        try:
            valid.append(load_pipeline(file))
        except PipelineFileError as exc:
            issues.extend(exc.issues)
    return valid, issues
