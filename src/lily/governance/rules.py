"""Security rule evaluation (pure): rules + classified assets -> desired policy state per target object.

Semantics (also in docs/governance.md):

* A rule selects *subjects*: tables (any non-column asset) and columns. ``asset_id`` scopes the rule to
  one asset (id or qualified name); scoping to a dataset includes its columns. Conditions are ANDed.
* Condition fields: ``classification`` (the subject's own tags, from every source including
  propagated — "any tag satisfies"), ``asset`` (id or qualified name), ``namespace``, ``type``
  (``column`` for columns), ``name`` (dataset name, or the field name for a column).
  ``equals``/``not_equals``/``in``/``not_in``/``matches`` compare case-insensitively; ``matches`` is a
  glob; ``regex`` is a Python ``re.search`` as written; ``exists`` tests for any value.
  ``not_equals``/``not_in`` on classifications mean "no tag equal to / in".
* Actions per subject:
  ``mask`` — on a column: that column; on a table: every column. Several masks on one column: the
  most restrictive strategy wins (partial < hash < full < null) and a role is exempt only if every
  masking rule exempts it.
  ``deny`` — on a table: SELECT revoked for the roles; on a column: those roles see NULL / lose the
  column privilege (``ColumnMask.denied_roles``).
  ``tag`` — pushes the subject's classifications (filtered by ``tags`` globs) as target tags.
  ``row_filter`` — applies to the subject's table; several filters are ANDed.
  ``notify`` — the dataset's policy changes go to the subscribers (a webhook object).
* Warehouse actions apply only to objects living in a listed target (the asset's namespace scheme:
  ``snowflake://``, ``databricks://``, ``postgres://``/``postgresql://``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from lily.governance.globs import any_match, tag_matches
from lily.model.asset import Asset, AssetStatus, AssetType
from lily.model.classification import Classification
from lily.model.identity import AssetRef
from lily.model.policy import (
    MASK_STRICTNESS,
    ColumnMask,
    MaskStrategy,
    ObjectKey,
    ObjectPolicy,
    RowFilter,
    TargetKind,
)
from lily.model.rules import (
    ActionParams,
    Condition,
    ConditionField,
    DenyParams,
    EventKind,
    MaskParams,
    NotifyParams,
    Operator,
    RowFilterParams,
    SecurityRule,
    TagParams,
)

_SCHEMES = {"snowflake": TargetKind.SNOWFLAKE, "databricks": TargetKind.DATABRICKS,
            "postgres": TargetKind.POSTGRES, "postgresql": TargetKind.POSTGRES}


def target_kind_for(namespace: str) -> TargetKind | None:
    """The warehouse an OpenLineage namespace lives in, if Lily can enforce policy there."""
    scheme = namespace.split("://", 1)[0].lower() if "://" in namespace else ""
    return _SCHEMES.get(scheme)


@dataclass(frozen=True, slots=True)
class GovernedColumn:
    asset_id: uuid.UUID
    name: str
    data_type: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class GovernedTable:
    """A dataset with its columns and the classification tags of each (every source)."""

    asset_id: uuid.UUID
    ref: AssetRef
    type: AssetType = AssetType.TABLE
    tags: frozenset[str] = frozenset()
    columns: tuple[GovernedColumn, ...] = ()


def governed_tables(assets: Iterable[Asset], classifications: Iterable[Classification]) -> list[GovernedTable]:
    """Build evaluation input from stored assets (datasets + their column assets) and classifications."""
    tags: dict[uuid.UUID, set[str]] = {}
    for c in classifications:
        tags.setdefault(c.asset_id, set()).add(c.tag)
    live = [a for a in assets if a.status == AssetStatus.ACTIVE and a.type != AssetType.JOB]
    cols: dict[uuid.UUID, list[Asset]] = {}
    for a in live:
        if a.type == AssetType.COLUMN and a.parent_id is not None:
            cols.setdefault(a.parent_id, []).append(a)
    out = []
    for a in live:
        if a.type == AssetType.COLUMN:
            continue
        children = sorted(cols.get(a.id, []), key=lambda c: (c.attributes.get("ordinal") or 0, c.ref.field))
        out.append(GovernedTable(
            asset_id=a.id, ref=a.ref, type=a.type, tags=frozenset(tags.get(a.id, ())),
            columns=tuple(GovernedColumn(c.id, c.ref.field, c.attributes.get("data_type"),
                                         frozenset(tags.get(c.id, ()))) for c in children)))
    return out


# --- condition matching --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subject:
    table: GovernedTable
    column: GovernedColumn | None

    def values(self, f: ConditionField) -> list[str]:
        t, c = self.table, self.column
        if f == ConditionField.CLASSIFICATION:
            return sorted(c.tags if c else t.tags)
        if f == ConditionField.ASSET:
            ref = t.ref.column(c.name) if c else t.ref
            return [str(c.asset_id if c else t.asset_id), ref.qualified_name]
        if f == ConditionField.NAMESPACE:
            return [t.ref.namespace]
        if f == ConditionField.TYPE:
            return [AssetType.COLUMN.value if c else t.type.value]
        return [c.name if c else t.ref.name]


def condition_matches(cond: Condition, values: list[str]) -> bool:
    """Whether one condition holds for a subject whose field has ``values`` ("any value" semantics)."""
    op, v = cond.operator, cond.value
    folded = [x.casefold() for x in values]
    if op == Operator.EXISTS:
        return bool(values) == bool(v)
    if op in (Operator.EQUALS, Operator.NOT_EQUALS):
        hit = str(v).casefold() in folded
        return hit if op == Operator.EQUALS else not hit
    if op in (Operator.IN, Operator.NOT_IN):
        wanted = {x.casefold() for x in v} if isinstance(v, list) else set()
        hit = any(x in wanted for x in folded)
        return hit if op == Operator.IN else not hit
    if op == Operator.MATCHES:
        return any(tag_matches(x, str(v)) for x in values)
    return any(re.search(str(v), x) for x in values)


def _in_scope(rule: SecurityRule, s: _Subject) -> bool:
    if not rule.asset_id:
        return True
    scope = rule.asset_id.casefold()
    t = s.table
    if scope in (str(t.asset_id), t.ref.qualified_name.casefold()):
        return True  # a dataset scope covers its columns
    if s.column is None:
        return False
    return scope in (str(s.column.asset_id), t.ref.column(s.column.name).qualified_name.casefold())


def subjects(rule: SecurityRule, table: GovernedTable) -> list[_Subject]:
    """The table and/or columns of ``table`` that ``rule`` selects."""
    cands = [_Subject(table, None), *(_Subject(table, c) for c in table.columns)]
    return [s for s in cands if _in_scope(rule, s)
            and all(condition_matches(c, s.values(c.field)) for c in rule.conditions)]


# --- policy accumulation -------------------------------------------------------------------------


@dataclass(slots=True)
class _MaskAcc:
    strategy: MaskStrategy | None = None
    exempt: set[str] | None = None
    denied: set[str] = field(default_factory=set)

    def add_mask(self, p: MaskParams) -> None:
        if self.strategy is None or MASK_STRICTNESS[p.strategy] > MASK_STRICTNESS[self.strategy]:
            self.strategy = p.strategy
        self.exempt = set(p.exempt_roles) if self.exempt is None else self.exempt & set(p.exempt_roles)


@dataclass(slots=True)
class _PolicyAcc:
    table: GovernedTable
    table_tags: set[str] = field(default_factory=set)
    column_tags: set[tuple[str, str]] = field(default_factory=set)
    masks: dict[str, _MaskAcc] = field(default_factory=dict)
    row_filters: set[RowFilter] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    notify: set[str] = field(default_factory=set)

    def build(self, key: ObjectKey) -> ObjectPolicy:
        types = {c.name: c.data_type for c in self.table.columns if c.data_type}
        masks = {col: ColumnMask(strategy=m.strategy, exempt_roles=frozenset(m.exempt or ()),
                                 denied_roles=frozenset(m.denied), data_type=types.get(col))
                 for col, m in self.masks.items()}
        return ObjectPolicy(key=key, columns=tuple(c.name for c in self.table.columns), column_types=types,
                            table_tags=frozenset(self.table_tags), column_tags=frozenset(self.column_tags),
                            masks=masks, row_filters=tuple(sorted(self.row_filters, key=lambda r: r.model_dump_json())),
                            revoked_roles=frozenset(self.revoked), notify=frozenset(self.notify))


def expression_columns(expression: str) -> tuple[str, ...]:
    """Column names a row-filter expression reads, in first-use order."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(expression)
    return tuple(dict.fromkeys(c.name for c in tree.find_all(exp.Column)))


def _row_filter(p: RowFilterParams) -> RowFilter:
    if p.expression is not None:
        return RowFilter(expression=p.expression, columns=expression_columns(p.expression),
                         allowed_roles=frozenset(p.allowed_roles))
    assert p.column is not None
    return RowFilter(column=p.column, values=tuple(p.values), columns=(p.column,),
                     allowed_roles=frozenset(p.allowed_roles))


def _apply(p: ActionParams, s: _Subject, acc: _PolicyAcc) -> None:
    cols = [s.column] if s.column else list(s.table.columns)
    if isinstance(p, MaskParams):
        for c in cols:
            acc.masks.setdefault(c.name, _MaskAcc()).add_mask(p)
    elif isinstance(p, DenyParams):
        if s.column is None:
            acc.revoked.update(p.roles)
        else:
            acc.masks.setdefault(s.column.name, _MaskAcc()).denied.update(p.roles)
    elif isinstance(p, TagParams):
        own = s.column.tags if s.column else s.table.tags
        pushed = [t for t in own if any_match(t, p.tags)]
        if s.column:
            acc.column_tags.update((s.column.name, t) for t in pushed)
        else:
            acc.table_tags.update(pushed)
    elif isinstance(p, RowFilterParams):
        acc.row_filters.add(_row_filter(p))
    elif isinstance(p, NotifyParams) and EventKind.POLICY in p.events:
        acc.notify.update(p.subscribers)


def evaluate(rules: Iterable[SecurityRule], tables: Iterable[GovernedTable]) -> dict[ObjectKey, ObjectPolicy]:
    """Desired policy state of every target object that some rule governs.

    Objects no rule touches are absent; the planner treats a missing desired state as empty (so a
    deleted rule converges to "no policy").
    """
    rules = [r for r in rules if r.enabled]
    # Typed parameters parsed once per rule, not once per table.
    prepared = [(r, [a.params for a in r.actions]) for r in rules]
    out: dict[ObjectKey, ObjectPolicy] = {}
    for table in tables:
        home = target_kind_for(table.ref.namespace)
        accs: dict[TargetKind, _PolicyAcc] = {}
        for rule, action_params in prepared:
            chosen = subjects(rule, table)
            if not chosen:
                continue
            for p in action_params:
                if isinstance(p, NotifyParams):
                    kinds = [TargetKind.WEBHOOK]
                else:
                    allowed = p.targets
                    # The webhook object mirrors the full policy so subscribers see what changed.
                    kinds = [TargetKind.WEBHOOK] + ([home] if home is not None and home in allowed else [])
                for kind in kinds:
                    acc = accs.setdefault(kind, _PolicyAcc(table))
                    for s in chosen:
                        _apply(p, s, acc)
        for kind, acc in accs.items():
            if kind == TargetKind.WEBHOOK and not acc.notify:
                continue  # nobody to tell
            key = ObjectKey(target=kind, namespace=table.ref.namespace, name=table.ref.name)
            policy = acc.build(key)
            if not policy.is_empty:
                out[key] = policy
    return out


def subscribers_for(rules: Iterable[SecurityRule], table: GovernedTable, event: EventKind) -> set[str]:
    """Webhook subscribers of ``event`` (e.g. classification changes, incidents) for ``table``."""
    out: set[str] = set()
    for rule in rules:
        if not rule.enabled:
            continue
        for action in rule.actions:
            p = action.params
            if isinstance(p, NotifyParams) and event in p.events and subjects(rule, table):
                out.update(p.subscribers)
    return out
