"""Column lineage of a view from its SQL (sqlglot), pure.

The definition is qualified once against the crawled schemas (``SELECT *`` expands, unqualified
names resolve to the view's own database and schema), then each output column is traced through
CTEs, subqueries, joins, unions and window functions to the table columns it reads. A column whose
projection is anything but a plain column reference (an aggregate, an expression, a window) is an
``INDIRECT`` transformation. What does not parse or qualify raises ``ViewParseError``: the caller
falls back to the table-level dependencies PostgreSQL records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Schema = Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]]  # db → schema → table → column → type


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


def view_lineage(sql: str, *, db: str, schema: str, tables: Schema, dialect: str = "postgres") -> list[ColumnLineage]:
    """Each output column of the view ``sql`` and the table columns it comes from."""
    import sqlglot  # here: `lily` starts without sqlglot (a crawl of views loads it)
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import build_scope

    try:
        parsed = sqlglot.parse_one(sql, read=dialect)
        qualified = qualify(parsed, schema=tables, dialect=dialect, catalog=db, db=schema, validate_qualify_columns=True)
        scope = build_scope(qualified)
        if scope is None or not isinstance(qualified, exp.Query):
            raise ViewParseError("not a query")
        out: list[ColumnLineage] = []
        for name in qualified.named_selects:
            node = lineage(name, qualified, schema=tables, dialect=dialect, scope=scope, copy=False)
            sources: dict[ColumnSource, None] = {}
            direct = True
            for n in node.walk():
                if isinstance(n.expression, exp.Alias) and not isinstance(n.expression.this, exp.Column):
                    direct = False
                if n.downstream or not isinstance(n.source, exp.Table):
                    continue
                table = n.source
                if not table.name:  # a function in FROM (generate_series, ROWS FROM): no table to point at
                    continue
                column = (n.expression.name if isinstance(n.expression, exp.Column)
                          else n.name.rsplit(".", 1)[-1]).strip('"')
                where = (table.catalog or db, table.db or schema, table.name)
                # A whole-row reference (``(u.*)::text``) reads every column of the table.
                names = list(tables.get(where[0], {}).get(where[1], {}).get(where[2], {})) if column == "*" else [column]
                for name_ in names:
                    sources[ColumnSource(*where, name_)] = None
            out.append(ColumnLineage(name, tuple(sources), direct and bool(sources)))
        return out
    except ViewParseError:
        raise
    except (SqlglotError, KeyError, ValueError, AttributeError, TypeError, RecursionError) as exc:
        raise ViewParseError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc


__all__ = ["ColumnLineage", "ColumnSource", "ViewParseError", "view_lineage"]
