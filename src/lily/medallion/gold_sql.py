"""Gold SQL, compiled once with sqlglot (pure).

A gold transformation is one SELECT over ``silver.<dataset>`` and earlier ``gold.<name>``
relations. Compiling parses it, refuses anything but a query, checks every relation and column
against the declared schemas (sqlglot's qualifier resolves ``*``, aliases and CTEs), and keeps the
qualified expression: the DuckDB engine runs ``to_sql("duckdb")`` today, and a Spark engine can run
``to_sql("spark")`` of the same expression later. Column lineage comes from the same expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify

READ_DIALECT = "duckdb"  # gold SQL is written in DuckDB's (mostly ANSI) dialect
LAYERS = ("silver", "gold")

# relation ("silver.orders") -> column -> SQL type
Relations = Mapping[str, Mapping[str, str]]


class SqlError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 1-based line inside the SQL text, when known


@dataclass(frozen=True)
class ColumnSource:
    relation: str  # "silver.orders"
    column: str


@dataclass(frozen=True)
class CompiledSql:
    expression: exp.Query
    relations: tuple[str, ...]  # referenced, sorted
    columns: tuple[str, ...]  # output columns in order
    types: dict[str, str]  # output column -> SQL type as far as sqlglot can tell ("UNKNOWN" otherwise)
    lineage: dict[str, tuple[ColumnSource, ...]] = field(default_factory=dict)
    subtypes: dict[str, str] = field(default_factory=dict)  # IDENTITY | TRANSFORMATION | AGGREGATION

    def to_sql(self, dialect: str = "duckdb") -> str:
        return self.expression.sql(dialect=dialect)


def _schema(relations: Relations) -> dict[str, dict[str, dict[str, str]]]:
    nested: dict[str, dict[str, dict[str, str]]] = {}
    for name, columns in relations.items():
        layer, table = name.split(".", 1)
        nested.setdefault(layer, {})[table] = dict(columns)
    return nested


def _subtype(projection: exp.Expression) -> str:
    inner = projection.unalias()
    if isinstance(inner, exp.Column):
        return "IDENTITY"
    if inner.find(exp.AggFunc) is not None:
        return "AGGREGATION"
    return "TRANSFORMATION"


def compile_sql(sql: str, relations: Relations) -> CompiledSql:
    """Parse and check ``sql`` against ``relations`` (the ones it may read). Raises ``SqlError``."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=READ_DIALECT) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        raise SqlError(f"SQL does not parse: {first.get('description', exc)}", first.get("line")) from exc
    if len(statements) != 1:
        raise SqlError(f"expected one SELECT statement, got {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise SqlError(f"expected a SELECT query, got {tree.key.upper()}")
    for i, projection in enumerate(tree.selects, start=1):
        if not isinstance(projection, exp.Alias | exp.Column | exp.Star):
            raise SqlError(f"output column {i} ({projection.sql(READ_DIALECT)}) needs a name: add AS <name>")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    used = set()
    for table in tree.find_all(exp.Table):
        if not table.db and table.name in ctes:
            continue
        name = f"{table.db}.{table.name}" if table.db else table.name
        if table.catalog or table.db not in LAYERS:
            raise SqlError(f"relation {table.sql(READ_DIALECT)!r} is not silver.<dataset> or gold.<name>")
        if name not in relations:
            known = ", ".join(sorted(relations)) or "none"
            raise SqlError(f"unknown relation {name!r} (known here: {known})")
        used.add(name)
    schema = _schema(relations)
    try:
        qualified = qualify(tree.copy(), schema=schema, dialect=READ_DIALECT, validate_qualify_columns=True)
    except OptimizeError as exc:
        where = re.search(r"\.? Line: (\d+), Col: \d+\.?", str(exc))
        message = str(exc)[:where.start()] + str(exc)[where.end():] if where else str(exc)
        raise SqlError(message.strip(), int(where.group(1)) if where else None) from exc
    assert isinstance(qualified, exp.Query)
    names = tuple(qualified.named_selects)
    if len(set(names)) != len(names) or any(not n for n in names):
        raise SqlError("every output column needs a distinct name (add aliases)")
    try:
        from sqlglot.optimizer.annotate_types import annotate_types

        annotated = annotate_types(qualified.copy(), schema=schema, dialect=READ_DIALECT)
        types = {name: (proj.type.sql(READ_DIALECT) if proj.type else "UNKNOWN")
                 for name, proj in zip(names, annotated.selects, strict=True)}
    except SqlglotError:
        types = dict.fromkeys(names, "UNKNOWN")
    sources: dict[str, tuple[ColumnSource, ...]] = {}
    for name in names:
        sources[name] = _sources(name, qualified, schema)
    subtypes = {name: _subtype(proj) for name, proj in zip(names, qualified.selects, strict=True)}
    return CompiledSql(qualified, tuple(sorted(used)), names, types, sources, subtypes)


def _sources(column: str, query: exp.Query, schema: dict[str, dict[str, dict[str, str]]]) -> tuple[ColumnSource, ...]:
    try:
        root = lineage(column, query, schema=schema, dialect=READ_DIALECT)
    except SqlglotError:
        return ()
    found = set()
    for node in root.walk():
        if node.downstream or not isinstance(node.expression, exp.Table):
            continue
        table = node.expression
        if table.db in LAYERS:
            found.add(ColumnSource(f"{table.db}.{table.name}", node.name.split(".")[-1].strip('"')))
    return tuple(sorted(found, key=lambda s: (s.relation, s.column)))
