"""The worker's hot statements without SQLAlchemy's per-statement and per-row work (SQLite).

An ``executemany`` through ``Connection.execute`` builds a parameter dict per row and runs each
value through its type's bind processor inside SQLAlchemy's execution context: for the worker's
change, audit, run and inbox rows that costs more CPU than SQLite spends storing them. A
:class:`Plan` compiles the statement once per dialect and set of keys, keeps the bind processors
SQLAlchemy would apply (the same ``bind_processor`` of each column type), and hands plain tuples to
the driver. Statements it cannot take exactly (expanding ``IN``, column defaults computed per row)
get no plan and go through SQLAlchemy as before, as does every other dialect.

``query`` does the same for the few reads the worker makes on every cycle (claims, lease checks,
run look-ups): compiled once per list length of their ``IN`` parameters, with the result
processors SQLAlchemy would apply to each returned column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement

_FROM_ROW = object()  # in a layout: the next value taken from the row (anything else: a constant)


@dataclass(frozen=True)
class Plan:
    """A statement compiled for one dialect and one set of row keys."""

    sql: str
    names: tuple[str, ...]  # the row keys whose values the statement takes, in order
    converted: tuple[tuple[int, Callable[[Any], Any]], ...]  # (index in ``names``, bind processor)
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


_PLANS: dict[tuple[int, int, tuple[str, ...]], tuple[Any, Any, Plan | None]] = {}


def plan(dialect: Any, stmt: ClauseElement, keys: tuple[str, ...]) -> Plan | None:
    """The plan of ``stmt`` for rows with ``keys`` (cached), or None where only SQLAlchemy applies."""
    cache_key = (id(dialect), id(stmt), keys)
    cached = _PLANS.get(cache_key)
    if cached is not None and cached[0] is dialect and cached[1] is stmt:
        return cached[2]
    built = _build(dialect, stmt, keys)
    _PLANS[cache_key] = (dialect, stmt, built)  # the entry keeps dialect and statement alive: ids stay unique
    return built


def _build(dialect: Any, stmt: ClauseElement, keys: tuple[str, ...]) -> Plan | None:
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        return None
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.positiontup is None:
        return None  # expanding IN and the like: rendered per execution
    names: list[str] = []
    converted: list[tuple[int, Callable[[Any], Any]]] = []
    layout: list[Any] = []
    for name in compiled.positiontup:
        bind = compiled.binds.get(name)
        if bind is None:
            return None
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
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


@dataclass(frozen=True)
class Batch:
    """Rows of one statement converted ahead of running it (``prepare``); ``sql`` None: SQLAlchemy runs it."""

    stmt: ClauseElement
    rows: Sequence[Mapping[str, Any]]
    sql: str | None = None
    params: list[tuple[Any, ...]] | None = None


def prepare(dialect: Any, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> Batch:
    """The conversion half of ``executemany``: needs no connection, so a writer can do it before it
    takes the write lock and hold the lock only for running the statement."""
    found = plan(dialect, stmt, tuple(rows[0])) if rows else None
    try:
        return Batch(stmt, rows, found.sql, found.rows(rows)) if found is not None else Batch(stmt, rows)
    except KeyError:  # a row without a key of the first: SQLAlchemy says which
        return Batch(stmt, rows)


def run(conn: Connection, batch: Batch) -> int:
    """Run a prepared batch; the driver's rowcount."""
    if not batch.rows:
        return 0
    if batch.sql is not None and batch.params is not None:
        return driver_executemany(conn, batch.sql, batch.params)
    return conn.execute(batch.stmt, list(batch.rows)).rowcount


def driver_executemany(conn: Connection, sql: str, params: Sequence[tuple[Any, ...]]) -> int:
    """``sql`` once per parameter tuple straight on the driver's connection, inside ``conn``'s
    transaction; the rowcount. SQLAlchemy's execution context around a statement (≈ 60 µs) cost as
    much as the statements the worker runs per event; nothing of it applies to prepared SQL."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def executemany(conn: Connection, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> int:
    """Run ``stmt`` once per row (all rows with the keys of the first); the driver's rowcount."""
    return run(conn, prepare(conn.dialect, stmt, rows))


def driver_query(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` as the driver returns them (no type conversion), inside ``conn``'s transaction."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


@dataclass(frozen=True)
class QueryPlan:
    """A statement returning rows, compiled for one dialect and one length of each ``IN`` list."""

    sql: str
    params: tuple[tuple[str, int | None, Callable[[Any], Any] | None], ...]  # (name, list index, processor)
    constants: dict[int, Any]  # positions of values fixed in the statement
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor)

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        args: list[Any] = []
        for position, (name, index, process) in enumerate(self.params):
            if position in self.constants:
                args.append(self.constants[position])
                continue
            value = values[name] if index is None else values[name][index]
            args.append(process(value) if process is not None else value)
        rows = driver_query(conn, self.sql, args)
        if not self.results:
            return rows
        out = []
        for row in rows:
            converted = list(row)
            for i, process in self.results:
                converted[i] = process(converted[i])
            out.append(tuple(converted))
        return out


_QUERIES: dict[tuple[int, int, tuple[tuple[str, int], ...]], tuple[Any, Any, QueryPlan | None]] = {}


def query_plan(dialect: Any, stmt: Any, lengths: Mapping[str, int]) -> QueryPlan | None:
    """The plan of ``stmt`` with ``lengths[name]`` values in each expanding parameter (cached), or
    None where only SQLAlchemy applies."""
    key = (id(dialect), id(stmt), tuple(sorted(lengths.items())))
    cached = _QUERIES.get(key)
    if cached is not None and cached[0] is dialect and cached[1] is stmt:
        return cached[2]
    built = _build_query(dialect, stmt, lengths)
    _QUERIES[key] = (dialect, stmt, built)
    return built


def _build_query(dialect: Any, stmt: Any, lengths: Mapping[str, int]) -> QueryPlan | None:
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        return None
    compiled = stmt.compile(dialect=dialect)
    if compiled.positiontup is None or compiled.literal_execute_params:
        return None
    sql = compiled.string
    params: list[tuple[str, int | None, Callable[[Any], Any] | None]] = []
    constants: dict[int, Any] = {}
    for name in compiled.positiontup:
        bind = compiled.binds.get(name)
        if bind is None:
            return None
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.expanding:
            # Rendered here for this many values, as SQLAlchemy renders it per execution.
            n = lengths.get(name)
            token = f"(__[POSTCOMPILE_{name}])"
            if not n or token not in sql:
                return None  # an empty list renders differently: left to SQLAlchemy
            sql = sql.replace(token, "(" + ", ".join("?" * n) + ")", 1)
            params.extend((name, i, process) for i in range(n))
        elif not bind.required and bind.callable is None:
            value = bind.effective_value
            constants[len(params)] = value if process is None else process(value)
            params.append((name, None, None))
        else:
            params.append((name, None, process))
    columns = list(stmt.exported_columns)
    results = []
    for i, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((i, process))
    return QueryPlan(sql, tuple(params), constants, tuple(results))


def query(conn: Connection, stmt: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``stmt`` with ``values`` (lists for its expanding parameters), as tuples in the
    order of its columns: through a plan on SQLite, through SQLAlchemy elsewhere."""
    lengths = {k: len(v) for k, v in values.items() if isinstance(v, list | tuple)}
    found = query_plan(conn.dialect, stmt, lengths)
    if found is None:
        return [tuple(r) for r in conn.execute(stmt, dict(values))]
    return found.execute(conn, values)


def query_dicts(conn: Connection, stmt: Any, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``query``'s rows as dicts keyed by column key."""
    keys = tuple(c.key for c in stmt.exported_columns)
    return [dict(zip(keys, row, strict=True)) for row in query(conn, stmt, values)]
