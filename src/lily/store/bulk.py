"""The driver-level fast path of the inbound hot statements on SQLite: ``executemany``.

Why it exists: SQLAlchemy's execution context around a statement (≈ 60-90 µs), its parameter dict
per row and its bind processing inside that context cost as much CPU as SQLite spends storing the
worker's change, audit, run, marker and inbox rows. Handing the driver plain tuples, converted by the
very bind and result processors SQLAlchemy would apply, is what this module does. Measured on the
worker draining 3,000 OpenLineage run events (transactions of up to 256, three alternating runs):
0.44 ms of CPU per event with it, 0.52 ms with every statement through SQLAlchemy (-14 %); at the
small transactions of a steady stream, where the per-statement cost weighs more, the first
measurement gave -20 to -30 % (docs/performance.md, "Inbound"). Every other dialect, and every
statement a plan cannot take exactly (column defaults computed per row, callables), goes through
SQLAlchemy unchanged.

A statement is compiled once per dialect and row keys and the plan is kept (``plan``).

Reads (``query``) take the same path: compiled once per dialect and shape (the length of each ``IN``
list, expanded by SQLAlchemy's own ``construct_expanded_state``), run on the driver, with the result
processors SQLAlchemy would apply. Measured: first 3-5 % of the worker's CPU per event (a seam under
the 5 % bar, removed); then, with the steady stream's per-transaction reads grown (lease count, run
and marker look-ups, sequence reservation), a py-spy profile at 1,000 events/s put SQLAlchemy's
read path at 9 % of the worker thread (582 of 6,662 samples, against 258 for this plan), the largest
part of the steady worker CPU issue 14 must give back (docs/performance.md, "Issue 14, the two seams
back").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any]
_FROM_ROW = object()  # in a layout: the next value taken from the row (anything else: a constant)


def _driver_level(dialect: Any) -> bool:
    return bool(dialect.name == "sqlite" and dialect.paramstyle == "qmark")


def _bind_processor(bind: Any, dialect: Any) -> Processor | None:
    return bind.type.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------ executemany

@dataclass(frozen=True)
class Plan:
    """A statement compiled for one dialect and one set of row keys."""

    sql: str
    names: tuple[str, ...]  # the row keys whose values the statement takes, in order
    converted: tuple[tuple[int, Processor], ...]  # (index in ``names``, bind processor)
    layout: tuple[Any, ...] | None  # parameter positions when some are constants of the statement

    def rows(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """The driver parameters of ``rows``. A value that is the same object as the previous row's at
        that position (a batch's shared timestamp, actor or tenant) is converted once."""
        values = itemgetter(*self.names)
        single = len(self.names) == 1
        memo: list[Any] = [_FROM_ROW, None] * len(self.converted)
        out: list[tuple[Any, ...]] = []
        for row in rows:
            got = values(row)
            row_values = [got] if single else list(got)
            for j, (k, process) in enumerate(self.converted):
                value = row_values[k]
                if memo[2 * j] is value:
                    row_values[k] = memo[2 * j + 1]
                else:
                    row_values[k] = memo[2 * j + 1] = process(value)  # None too, as SQLAlchemy does
                    memo[2 * j] = value
            if self.layout is not None:
                it = iter(row_values)
                row_values = [next(it) if c is _FROM_ROW else c for c in self.layout]
            out.append(tuple(row_values))
        return out


def _build(dialect: Any, stmt: ClauseElement, keys: tuple[str, ...]) -> Plan | None:
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.positiontup is None:
        return None  # expanding IN and the like: rendered per execution
    names: list[str] = []
    converted: list[tuple[int, Processor]] = []
    layout: list[Any] = []
    for name in compiled.positiontup:
        bind = compiled.binds.get(name)
        if bind is None:
            return None
        process = _bind_processor(bind, dialect)
        if name in keys:
            if process is not None:
                converted.append((len(names), process))
            names.append(name)
            layout.append(_FROM_ROW)
        elif not bind.required and bind.callable is None and not _is_column_default(stmt, name):
            # A value fixed in the statement (``.values(lease_owner=None)``). An INSERT also names
            # columns with a default the rows leave out: SQLAlchemy computes those per row.
            value = bind.effective_value
            layout.append(value if process is None else process(value))
        else:
            return None
    if not names:
        return None
    return Plan(compiled.string, tuple(names), tuple(converted),
                None if len(layout) == len(names) else tuple(layout))


def _is_column_default(stmt: ClauseElement, name: str) -> bool:
    table = getattr(stmt, "table", None)
    column = table.c.get(name) if table is not None else None
    return column is not None and (column.default is not None or column.onupdate is not None)


def plan(dialect: Any, stmt: ClauseElement, keys: Sequence[str]) -> Plan | None:
    """The driver-level plan of ``stmt`` for rows with ``keys``; None: SQLAlchemy runs it."""
    if not _driver_level(dialect):
        return None
    return _cached(_PLANS, _build, dialect, stmt, tuple(keys))  # type: ignore[no-any-return]


def executemany(conn: Connection, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> int:
    """Run ``stmt`` once per row (all rows with the keys of the first) inside ``conn``'s transaction;
    the driver's rowcount (rows matched)."""
    if not rows:
        return 0
    found = plan(conn.dialect, stmt, tuple(rows[0]))
    try:
        params = found.rows(rows) if found is not None else None
    except KeyError:  # a row without a key of the first: SQLAlchemy says which
        params = None
    if found is None or params is None:
        return int(conn.execute(stmt, list(rows)).rowcount)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(found.sql, params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


# ------------------------------------------------------------------------------------------ query

@dataclass(frozen=True)
class QueryPlan:
    """A statement returning rows, compiled for one dialect and one length of each ``IN`` list."""

    sql: str
    params: tuple[tuple[str | None, int | None, Any], ...]  # (value name, list index, processor) or (None, None, constant)
    results: tuple[tuple[int, Processor], ...]  # (column index, result processor)

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        args: list[Any] = []
        for name, index, process in self.params:
            if name is None:
                args.append(process)
                continue
            value = values[name] if index is None else values[name][index]
            args.append(process(value) if process is not None else value)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            rows = cursor.execute(self.sql, args).fetchall()
        finally:
            cursor.close()
        if not self.results:
            return rows  # type: ignore[no-any-return]
        out = []
        for row in rows:
            converted = list(row)
            for i, process in self.results:
                converted[i] = process(converted[i])
            out.append(tuple(converted))
        return out


def _build_query(dialect: Any, stmt: Any, shape: tuple[tuple[str, int | None], ...]) -> QueryPlan | None:
    if any(n == 0 for _, n in shape):
        return None  # an empty IN list renders differently: left to SQLAlchemy
    compiled = stmt.compile(dialect=dialect)
    if compiled.positiontup is None:
        return None
    try:
        state = compiled.construct_expanded_state({name: None if n is None else [None] * n for name, n in shape})
    except Exception:  # a value missing: SQLAlchemy's own execution says which
        return None
    expanded = {item: (name, i) for name, items in (state.parameter_expansion or {}).items()
                for i, item in enumerate(items)}
    given = dict(shape)
    params: list[tuple[str | None, int | None, Any]] = []
    for name in state.positiontup or ():
        source, index = expanded.get(name, (name, None))
        bind = compiled.binds.get(source)
        if bind is None:
            return None
        process = _bind_processor(bind, dialect)
        if source in given:
            params.append((source, index, process))
        elif bind.callable is None:  # a value of the statement itself (``status == 'received'``)
            value = state.parameters[name]
            params.append((None, None, value if process is None else process(value)))
        else:
            return None
    results = []
    for i, column in enumerate(stmt.exported_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((i, process))
    return QueryPlan(state.statement, tuple(params), tuple(results))


def query(conn: Connection, stmt: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``stmt`` with ``values`` (lists for its expanding parameters), as tuples in the
    order of its columns: through a plan on SQLite, through SQLAlchemy elsewhere."""
    found = None
    if _driver_level(conn.dialect):
        shape = tuple(sorted((k, len(v) if isinstance(v, list | tuple) else None) for k, v in values.items()))
        found = _cached(_QUERIES, _build_query, conn.dialect, stmt, shape)
    if found is None:
        return [tuple(r) for r in conn.execute(stmt, dict(values))]
    return found.execute(conn, values)


def query_dicts(conn: Connection, stmt: Any, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``query``'s rows as dicts keyed by column key."""
    keys = tuple(c.key for c in stmt.exported_columns)
    return [dict(zip(keys, row, strict=True)) for row in query(conn, stmt, values)]


# Plans by (dialect, statement, row keys). An entry keeps its dialect and statement alive, so the ids
# in its key stay unique; the hot statements are module constants, so the cache stays small.
_PLANS: dict[tuple[int, int, Any], tuple[Any, Any, Plan | None]] = {}
_QUERIES: dict[tuple[int, int, Any], tuple[Any, Any, QueryPlan | None]] = {}


def _cached(cache: dict[tuple[int, int, Any], tuple[Any, Any, Any]], build: Callable[[Any, Any, Any], Any],
            dialect: Any, stmt: Any, shape: Any) -> Any:
    """``build(dialect, stmt, shape)``, once per (dialect, statement, shape)."""
    key = (id(dialect), id(stmt), shape)
    hit = cache.get(key)
    if hit is not None and hit[0] is dialect and hit[1] is stmt:
        return hit[2]
    built = build(dialect, stmt, shape)
    cache[key] = (dialect, stmt, built)
    return built
