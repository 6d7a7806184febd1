"""The small interface every outbound target implements, plus shared SQL helpers.

A target turns a :class:`~lily.outbound.plan.PolicyDiff` into statements (pure ``render``), executes
them (``apply``, the only I/O besides ``read_state``), and, where the system allows it, reads the
applied policy state back (``read_state``) so drift can be detected by re-planning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from lily.model.policy import ColumnMask, ObjectKey, ObjectPolicy, RowFilter, TargetKind
from lily.outbound.plan import PolicyDiff


@dataclass(frozen=True, slots=True)
class Statement:
    """One unit of work for a target: SQL text, or a JSON body for webhooks."""

    kind: str  # e.g. "create_tag", "set_column_tags", "set_mask" (stable, for logs and tests)
    text: str
    key: ObjectKey | None = None
    destination: str | None = None  # webhook subscriber name


class ApplyError(RuntimeError):
    """A statement failed; ``index`` statements before it were applied."""

    def __init__(self, index: int, statement: Statement, cause: BaseException):
        super().__init__(f"statement {index} ({statement.kind}) failed: {cause}")
        self.index = index
        self.statement = statement
        self.cause = cause


class ReadStateUnsupported(NotImplementedError):
    """The target cannot report its applied state; the stored last-applied state is the truth."""


class Target(ABC):
    kind: ClassVar[TargetKind]
    dialect: ClassVar[str | None] = None  # sqlglot dialect of the rendered SQL
    can_read_state: ClassVar[bool] = False

    @abstractmethod
    def render(self, diff: PolicyDiff) -> list[Statement]:
        """Statements taking the object from ``diff.before`` to ``diff.after`` (pure, idempotent DDL)."""

    def apply(self, statements: Sequence[Statement], connection: Any, delivery: uuid.UUID | None = None) -> int:
        """Execute in order through a DB-API connection; stop at the first failure (ApplyError).

        ``delivery`` is the id of the delivery the statements belong to: a target that can make a
        repeated delivery a no-op (a worker killed after the target committed and before Lily
        recorded it runs the delivery again) uses it. Here it is not needed: the statements are
        idempotent DDL, so a repeat leaves the same state."""
        cur = connection.cursor()
        try:
            execute_all(cur, statements, connection)
            commit = getattr(connection, "commit", None)
            if commit is not None:
                commit()
        finally:
            close = getattr(cur, "close", None)
            if close is not None:
                close()
        return len(statements)

    def read_state(self, connection: Any, keys: Iterable[ObjectKey]) -> dict[ObjectKey, ObjectPolicy]:
        raise ReadStateUnsupported(f"{self.kind.value} cannot read applied policy state back")


def execute_all(cur: Any, statements: Sequence[Statement], connection: Any) -> None:
    """Run ``statements`` in order on ``cur``; the first failure rolls back and raises ApplyError."""
    for i, st in enumerate(statements):
        try:
            cur.execute(st.text)
        except Exception as e:
            _rollback(connection)
            raise ApplyError(i, st, e) from e


def _rollback(connection: Any) -> None:
    rollback = getattr(connection, "rollback", None)
    if rollback is not None:
        # The original error matters more than a failed rollback.
        with contextlib.suppress(Exception):
            rollback()


# --- SQL helpers ---------------------------------------------------------------------------------


def quote_double(name: str) -> str:
    """ANSI identifier quoting (Snowflake, PostgreSQL): embedded double quotes are doubled."""
    if "\x00" in name:
        raise ValueError("identifier contains NUL")
    return '"' + name.replace('"', '""') + '"'


def quote_backtick(name: str) -> str:
    """Databricks/Spark identifier quoting: embedded backticks are doubled."""
    if "\x00" in name:
        raise ValueError("identifier contains NUL")
    return "`" + name.replace("`", "``") + "`"


def literal_ansi(value: str) -> str:
    """PostgreSQL string literal (standard_conforming_strings: backslash is literal)."""
    if "\x00" in value:
        raise ValueError("string contains NUL")
    return "'" + value.replace("'", "''") + "'"


def literal_backslash(value: str) -> str:
    """Snowflake string literal: backslash is an escape character, a quote is doubled."""
    if "\x00" in value:
        raise ValueError("string contains NUL")
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def literal_spark(value: str) -> str:
    """Databricks (Spark SQL) string literal: quotes must be backslash-escaped.

    ``'a''b'`` is *not* an escaped quote in Spark SQL but two adjacent literals concatenated to
    ``ab``, so doubling quotes would silently change the value.
    """
    if "\x00" in value:
        raise ValueError("string contains NUL")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


_STRING_TYPES = {"varchar", "string", "text", "char", "character", "nvarchar", "nchar", "character varying",
                 "citext", "bpchar", "name"}


def base_type(data_type: str | None) -> str:
    return re.sub(r"\s*\(.*$", "", data_type or "").strip().lower()


def is_string_type(data_type: str | None) -> bool:
    """Unknown types count as strings: classified columns are overwhelmingly text."""
    return data_type is None or base_type(data_type) in _STRING_TYPES


def spec_hash(*parts: object) -> str:
    """Short content hash naming policies/functions: same spec, same name (idempotent, shareable)."""
    raw = json.dumps(parts, sort_keys=True, default=_jsonable)
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _jsonable(o: object) -> object:
    if isinstance(o, frozenset | set):
        return sorted(o)
    if isinstance(o, ColumnMask | RowFilter):
        return o.model_dump(mode="json")
    return str(o)


def simple_ident(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


def tag_key(tag: str) -> str:
    """A classification as a warehouse tag name: characters tags may not contain become '_'.

    Databricks forbids ``. , - = / :`` in tag keys and Snowflake tag names are identifiers, so
    ``PII.email`` becomes ``PII_email``; the original classification travels as the tag value.
    """
    return re.sub(r"[^A-Za-z0-9_]", "_", tag)
