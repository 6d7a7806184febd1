"""PostgreSQL discovery (psycopg): the database, its schemas, tables, views and materialized views,
their columns and keys, view lineage down to columns, and detected classifications from samples.

Names follow OpenLineage: namespace ``postgres://host:port`` (or the configured ``namespace``, when
the crawler reaches the server under another name than its producers use), name
``database.schema.table``, so a crawl and the OpenLineage events of jobs reading the same tables
agree. The catalog is read in ``pg_catalog.QUERIES_PER_SCHEMA`` queries per schema, in one
read-only repeatable-read transaction (one consistent picture).

Incremental: each relation's fingerprint (definition, columns, keys, row estimate) is kept in the
run's cursor; a re-crawl writes and samples only the relations whose fingerprint changed, deletes
those that are gone, and removes the view lineage edges a changed view no longer has. ``full``
writes and samples everything again.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Literal

import orjson
from pydantic import Field

from lily.connectors import pg_catalog
from lily.connectors.base import ConnectorConfig, ConnectorError, Kind, RunContext, collector_paused
from lily.connectors.detect import detected
from lily.connectors.pg_catalog import Relation
from lily.connectors.view_lineage import ViewParseError, view_lineage
from lily.model import (
    AddLineage,
    AssetRef,
    AssetType,
    ColumnSpec,
    DeleteAsset,
    RemoveLineage,
    TransformationType,
    UpsertAsset,
)


class PostgresConfig(ConnectorConfig):
    type: Literal["postgres"] = "postgres"
    secret_fields: ClassVar[tuple[str, ...]] = ("password",)

    host: str
    port: int = 5432
    database: str
    user: str
    password: str | None = None
    sslmode: str | None = None
    namespace: str | None = None  # default postgres://host:port
    schemas: list[str] | None = None  # default: every schema but the system ones
    exclude_schemas: list[str] = Field(default_factory=list)
    classify: bool = True
    sample_rows: int = Field(default=1000, ge=10, le=100_000)
    sample_columns: int = Field(default=100, ge=1)
    connect_timeout: int = Field(default=5, ge=1)


def _fingerprint(rel: Relation) -> str:
    data = orjson.dumps([rel.kind, rel.rows, rel.comment, rel.definition, rel.depends_on, rel.constraints,
                         [c.__dict__ for c in rel.columns]], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


class PostgresConnector:
    def __init__(self, config: PostgresConfig) -> None:
        self.config = config
        self.namespace = config.namespace or f"postgres://{config.host}:{config.port}"

    def ref(self, *parts: str) -> AssetRef:
        return AssetRef(namespace=self.namespace, name=".".join((self.config.database, *parts)))

    def connect(self) -> Any:
        import psycopg

        c = self.config
        where = f"postgres://{c.host}:{c.port}/{c.database}"
        try:
            conn = psycopg.connect(host=c.host, port=c.port, dbname=c.database, user=c.user, password=c.password,
                                   sslmode=c.sslmode, connect_timeout=c.connect_timeout,
                                   application_name="lily-connector")
        except psycopg.OperationalError as exc:
            text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            if "password authentication failed" in text or "authentication" in text or "role" in text:
                raise ConnectorError(f"{where}: the credentials were refused ({text})") from exc
            raise ConnectorError(f"{where}: the server cannot be reached ({text})") from exc
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        return conn

    def run(self, ctx: RunContext) -> None:
        previous = (ctx.cursor or {}).get("relations", {})
        previous_edges = (ctx.cursor or {}).get("view_edges", {})
        with self.connect() as conn, conn.transaction():
            schemas, relations = self._read_catalog(ctx, conn)
            fingerprints = {f"{r.schema}.{r.name}": _fingerprint(r) for r in relations}
            changed = [r for r in relations if ctx.full or previous.get(f"{r.schema}.{r.name}")
                       != fingerprints[f"{r.schema}.{r.name}"]]
            ctx.writer.add([UpsertAsset(ref=AssetRef(namespace=self.namespace, name=self.config.database),
                                        type=AssetType.DATABASE, display_name=self.config.database)])
            ctx.writer.add([UpsertAsset(ref=self.ref(name), type=AssetType.SCHEMA, display_name=name,
                                        parent=AssetRef(namespace=self.namespace, name=self.config.database))
                            for _, name in schemas])
            for rel in changed:
                ctx.writer.add([self._relation_op(rel)])
            ctx.report.count("tables", sum(1 for r in relations if not r.is_view))
            ctx.report.count("views", sum(1 for r in relations if r.is_view))
            ctx.report.count("columns", sum(len(r.columns) for r in relations))
            ctx.report.count("relations_written", len(changed))
            for qualified in sorted(set(previous) - set(fingerprints)):
                ctx.writer.add([DeleteAsset(ref=self.ref(qualified))])
                ctx.report.count("relations_deleted")
            edges = {k: v for k, v in previous_edges.items() if k in fingerprints}
            edges.update(self._view_lineage(ctx, [r for r in changed if r.is_view], relations, previous_edges))
            if self.config.classify:
                for rel in changed:
                    if not rel.is_view or rel.kind == "materialized_view":
                        self._classify(ctx, conn, rel)
        ctx.report.cursor = {"relations": fingerprints, "view_edges": edges}

    def _read_catalog(self, ctx: RunContext, conn: Any) -> tuple[list[tuple[int, str]], list[Relation]]:
        """The schemas to crawl and their relations, in 1 + ``QUERIES_PER_SCHEMA`` per schema queries
        (timed as the run's ``catalog_read`` phase)."""
        with ctx.report.timed("catalog_read"):
            schemas = [(oid, name) for oid, name in conn.execute(pg_catalog.SCHEMAS)
                       if (self.config.schemas is None or name in self.config.schemas)
                       and name not in self.config.exclude_schemas]
            ctx.report.count("catalog_queries", 1)
            relations: list[Relation] = []
            for oid, name in schemas:
                ctx.progress.update(f"{self.config.database}.{name}")
                with collector_paused():
                    relations += pg_catalog.read_schema(conn, oid, name)
                ctx.report.count("catalog_queries", pg_catalog.QUERIES_PER_SCHEMA)
                ctx.report.count("schemas")
        return schemas, relations

    def _relation_op(self, rel: Relation) -> UpsertAsset:
        columns = [ColumnSpec(name=c.name, data_type=c.type, ordinal=c.ordinal, description=c.comment,
                              attributes={k: v for k, v in {"nullable": c.nullable, "default": c.default,
                                                            "primary_key": c.primary_key or None,
                                                            "references": c.references or None}.items()
                                          if v is not None})
                   for c in rel.columns]
        attributes: dict[str, Any] = {"kind": rel.kind, "row_estimate": rel.rows, "constraints": rel.constraints,
                                      "primary_key": next((c["columns"] for c in rel.constraints
                                                           if c["type"] == "primary_key"), None)}
        if rel.definition is not None:
            attributes["definition"] = rel.definition.strip()
        return UpsertAsset(ref=self.ref(rel.schema, rel.name), type=AssetType.VIEW if rel.is_view else AssetType.TABLE,
                           parent=self.ref(rel.schema), display_name=rel.name, description=rel.comment,
                           attributes=attributes, columns=columns, replace_columns=True)

    def _view_lineage(self, ctx: RunContext, views: list[Relation], relations: list[Relation],
                      previous_edges: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        """Lineage edges of each changed view (column level from its SQL, else table level from
        pg_depend); edges it had before and no longer has are removed. Returns the views' edges."""
        tables: dict[str, dict[str, dict[str, dict[str, str]]]] = {self.config.database: {}}
        for rel in relations:
            tables[self.config.database].setdefault(rel.schema, {})[rel.name] = {c.name: c.type for c in rel.columns}
        out: dict[str, list[list[str]]] = {}
        for view in views:
            qualified = f"{view.schema}.{view.name}"
            target = self.ref(view.schema, view.name)
            ops: list[AddLineage] = []
            try:
                if not view.definition:
                    raise ViewParseError("no definition")
                found = view_lineage(view.definition, db=self.config.database, schema=view.schema, tables=tables)
                sources = dict.fromkeys((s.schema, s.table) for col in found for s in col.sources)
                ops += [AddLineage(source=self.ref(schema, table), target=target) for schema, table in sources]
                ops += [AddLineage(source=self.ref(s.schema, s.table).column(s.column), target=target.column(col.column),
                                   transformation_type=TransformationType.DIRECT if col.direct
                                   else TransformationType.INDIRECT)
                        for col in found for s in col.sources if s.db == self.config.database]
                ctx.report.count("view_columns_traced", sum(1 for col in found if col.sources))
            except ViewParseError as exc:
                ops += [AddLineage(source=self.ref(schema, table), target=target) for schema, table in view.depends_on]
                ctx.report.notes.append(f"view {self.config.database}.{qualified}: {exc}; table-level lineage from "
                                        "pg_depend")
                ctx.report.count("views_unparsed")
            edges = sorted({(op.source.name, op.source.field, op.target.field) for op in ops})
            out[qualified] = [list(e) for e in edges]
            for name, field, target_field in {tuple(e) for e in previous_edges.get(qualified, [])} - set(edges):
                ctx.writer.add([RemoveLineage(source=AssetRef(namespace=self.namespace, name=name, field=field),
                                              target=target.column(target_field) if target_field else target)])
                ctx.report.count("lineage_removed")
            ctx.writer.add(ops)
            ctx.report.count("lineage_edges", len(ops))
        return out

    def _classify(self, ctx: RunContext, conn: Any, rel: Relation) -> None:
        """Sample up to ``sample_rows`` rows (TABLESAMPLE on large tables, LIMIT on small ones)."""
        import psycopg
        import pyarrow as pa
        from psycopg import sql

        columns = [c.name for c in rel.columns][:self.config.sample_columns]
        if not columns:
            return
        n = self.config.sample_rows
        table = sql.Identifier(rel.schema, rel.name)
        select = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        queries = [sql.SQL("SELECT {} FROM {} LIMIT {}").format(select, table, sql.Literal(n))]
        if rel.rows > 20 * n:
            percent = min(100.0, 100.0 * 5 * n / rel.rows)
            queries.insert(0, sql.SQL("SELECT {} FROM {} TABLESAMPLE SYSTEM ({}) LIMIT {}").format(
                select, table, sql.Literal(percent), sql.Literal(n)))
        rows: list[tuple[Any, ...]] = []
        try:
            for query in queries:
                with conn.transaction():  # a savepoint: a refused sample does not end the crawl's transaction
                    rows = conn.execute(query).fetchall()
                if rows:
                    break
        except psycopg.Error as exc:
            ctx.report.fail(f"{self.config.database}.{rel.schema}.{rel.name}",
                            f"sampling: {str(exc).strip().splitlines()[0]}")
            return
        values = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
        arrays = {}
        for name, column in values.items():
            plain = all(v is None or isinstance(v, str) for v in column) or \
                all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in column)
            arrays[name] = pa.array(column if plain else [None if v is None else str(v) for v in column])
        ctx.report.count("relations_sampled")
        ctx.writer.add([detected(self.ref(rel.schema, rel.name), pa.table(arrays), connector=self.config.name,
                                 at=ctx.now, sample_rows=n, context={"sample_rows": len(rows)})])


def _build(config: PostgresConfig) -> PostgresConnector:
    return PostgresConnector(config)


KIND = Kind(name="postgres", config=PostgresConfig, build=_build, title="PostgreSQL")

__all__ = ["KIND", "PostgresConfig", "PostgresConnector"]
