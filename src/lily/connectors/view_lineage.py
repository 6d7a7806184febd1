"""Column lineage of a view from its SQL (sqlglot), pure.

The definition is qualified once against the crawled schemas (``SELECT *`` expands, unqualified
names resolve to the view's own database and schema), then each output column is traced through
CTEs, subqueries, joins, unions and window functions to the table columns it reads. A column whose
projection is anything but a plain column reference (an aggregate, an expression, a window) is an
``INDIRECT`` transformation. What does not parse or qualify raises ``ViewParseError``: the caller
falls back to the table-level dependencies PostgreSQL records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

Schema = Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]]  # db → schema → table → column → type


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


class ViewParseError(Exception):
    pass


@dataclass(frozen=True)
class ColumnSource:
    db: str
    schema: str
    table: str
    column: str


@dataclass(frozen=True)
class ColumnLineage:
    column: str  # the view's column
    sources: tuple[ColumnSource, ...]
    direct: bool  # a plain column reference all the way


def _identifier(name: str) -> str:
    """``name`` as PostgreSQL reads it back: quoted unless it is lower case (``"Country"``, ``"createdAt"``,
    as ORMs such as Prisma name columns), so the schema keeps the case the catalog has."""
    return name if _PLAIN.fullmatch(name) else '"' + name.replace('"', '""') + '"'


def _quoted(tables: Schema) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    return {_identifier(db): {_identifier(schema): {_identifier(table): {_identifier(c): t for c, t in columns.items()}
                                                     for table, columns in by_table.items()}
                              for schema, by_table in by_schema.items()}
            for db, by_schema in tables.items()}


def view_lineage(sql: str, *, db: str, schema: str, tables: Schema, dialect: str = "postgres") -> list[ColumnLineage]:
    """Each output column of the view ``sql`` and the table columns it comes from."""
    import sqlglot  # here: `lily` starts without sqlglot (a crawl of views loads it)
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    from sqlglot.lineage import Node, lineage
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import Scope, build_scope

    known = _quoted(tables)

    def trace(name: str, query: exp.Query, scope: Scope, sources: dict[ColumnSource, None]) -> bool:
        """Add the table columns output ``name`` of ``query`` reads to ``sources``; whether it is a plain
        column reference all the way."""
        node = lineage(_identifier(name), query, schema=known, dialect=dialect, scope=scope, copy=False)
        return walk(node, sources)

    def walk(node: Node, sources: dict[ColumnSource, None]) -> bool:
        direct = not (isinstance(node.expression, exp.Alias) and not isinstance(node.expression.this, exp.Column))
        if isinstance(node.source, exp.Lateral) and isinstance(node.source.this, exp.Subquery):
            # sqlglot stops at a LATERAL subquery and lists every column it mentions, the correlated
            # outer ones included; what the output reads is the subquery's own projection.
            inner = node.source.this.this
            return trace(node.name.rsplit(".", 1)[-1].strip('"'), inner, build_scope(inner), sources) and direct
        if isinstance(node.source, exp.Lateral | exp.Unnest):
            direct = False  # a set-returning function's output (unnest, jsonb_to_record) is derived
        for child in node.downstream:
            direct = walk(child, sources) and direct
        if node.downstream or not isinstance(node.source, exp.Table) or not node.source.name:
            return direct  # a function in FROM (generate_series, ROWS FROM) has no table to point at
        table = node.source
        column = (node.expression.name if isinstance(node.expression, exp.Column)
                  else node.name.rsplit(".", 1)[-1]).strip('"')
        where = (table.catalog or db, table.db or schema, table.name)
        # A whole-row reference (``(u.*)::text``) reads every column of the table.
        names = list(tables.get(where[0], {}).get(where[1], {}).get(where[2], {})) if column == "*" else [column]
        for name_ in names:
            sources[ColumnSource(*where, name_)] = None
        return direct

    try:
        parsed = sqlglot.parse_one(sql, read=dialect)
        for table in parsed.find_all(exp.Table):
            # qualify() aliases a table by its name folded to lower case, so ``"OrderItems"."id"`` would
            # no longer find ``FROM "OrderItems"``: a quoted name is made its own alias first.
            if not table.alias and isinstance(table.this, exp.Identifier) and table.this.quoted:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=True)))
        qualified = qualify(parsed, schema=known, dialect=dialect, catalog=_identifier(db), db=_identifier(schema),
                            validate_qualify_columns=True)
        scope = build_scope(qualified)
        if scope is None or not isinstance(qualified, exp.Query):
            raise ViewParseError("not a query")
        if "*" in qualified.named_selects:  # a relation outside the crawled schemas: its columns are unknown
            raise ViewParseError("SELECT * over a relation whose columns are not known")
        out: list[ColumnLineage] = []
        for name in qualified.named_selects:
            sources: dict[ColumnSource, None] = {}
            direct = trace(name, qualified, scope, sources)
            out.append(ColumnLineage(name, tuple(sources), direct and bool(sources)))
        return out
    except ViewParseError:
        raise
    except (SqlglotError, KeyError, ValueError, AttributeError, TypeError, RecursionError) as exc:
        raise ViewParseError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc


__all__ = ["ColumnLineage", "ColumnSource", "ViewParseError", "view_lineage"]
