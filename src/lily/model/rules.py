"""Security rules (seed schema), validated strictly.

``{rule_id, asset_id?, rule_type, conditions: [{field, operator, value}], actions: [{type, parameters}]}``

Every unknown field, operator, action type, parameter or enum value is rejected with a message that
names the bad value and lists the allowed ones, so an API can answer 422 with something a person can
fix. Conditions are ANDed and select assets (tables/views/datasets *and* columns); actions apply to
each selected asset. See docs/governance.md for the evaluation semantics.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lily.model.asset import AssetType
from lily.model.policy import WAREHOUSE_TARGETS, MaskStrategy, TargetKind

E = TypeVar("E", bound=StrEnum)


class RuleType(StrEnum):
    MASKING = "masking"
    ACCESS_CONTROL = "access_control"
    ROW_LEVEL_SECURITY = "row_level_security"
    TAGGING = "tagging"
    NOTIFICATION = "notification"
    COMPOSITE = "composite"


class ConditionField(StrEnum):
    CLASSIFICATION = "classification"  # any classification tag of the asset
    ASSET = "asset"  # asset id or qualified name
    NAMESPACE = "namespace"
    TYPE = "type"  # asset type: table, view, column, ...
    NAME = "name"  # dataset name, or the field name for a column


class Operator(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    NOT_IN = "not_in"
    MATCHES = "matches"  # glob, case-insensitive
    REGEX = "regex"  # Python regex, search semantics
    EXISTS = "exists"  # value true/false: has any value (classification: any tag)


class ActionType(StrEnum):
    MASK = "mask"
    TAG = "tag"
    ROW_FILTER = "row_filter"
    DENY = "deny"
    NOTIFY = "notify"


class EventKind(StrEnum):
    POLICY = "policy"
    CLASSIFICATION = "classification"
    INCIDENT = "incident"


def _choice(enum: type[E], value: Any, what: str) -> E:
    allowed = ", ".join(e.value for e in enum)
    if isinstance(value, enum):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}; allowed: {allowed}")
    try:
        return enum(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown {what} {value!r}; allowed: {allowed}") from None


def _names(value: Any, what: str) -> list[str]:
    """A list of non-empty strings; a comma-separated string is accepted (the seed's value is a string)."""
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of non-empty strings, got {value!r}")
    return [v.strip() for v in value]


def _known_keys(cls: type[BaseModel], data: Any, what: str) -> Any:
    """Reject unknown keys with the allowed ones listed (pydantic's own message lists neither)."""
    if isinstance(data, dict):
        unknown = [k for k in data if k not in cls.model_fields]
        if unknown:
            allowed = ", ".join(cls.model_fields)
            raise ValueError(f"unknown {what} field {unknown[0]!r}; allowed: {allowed}")
    return data


_STRICT = ConfigDict(extra="forbid", frozen=True)


def _targets(value: Any, allowed: tuple[TargetKind, ...]) -> tuple[TargetKind, ...]:
    names = ", ".join(t.value for t in allowed)
    out = []
    for v in _names(value, "targets"):
        t = _choice(TargetKind, v, "target")
        if t not in allowed:
            raise ValueError(f"target {v!r} not allowed for this action; allowed: {names}")
        out.append(t)
    if not out:
        raise ValueError(f"targets must not be empty; allowed: {names}")
    return tuple(dict.fromkeys(out))


class _Params(BaseModel):
    model_config = _STRICT
    targets: tuple[TargetKind, ...] = WAREHOUSE_TARGETS

    @field_validator("targets", mode="before")
    @classmethod
    def _check_targets(cls, v: Any) -> tuple[TargetKind, ...]:
        return _targets(v, WAREHOUSE_TARGETS)


class MaskParams(_Params):
    strategy: MaskStrategy
    exempt_roles: tuple[str, ...] = ()

    @field_validator("strategy", mode="before")
    @classmethod
    def _check_strategy(cls, v: Any) -> MaskStrategy:
        return _choice(MaskStrategy, v, "mask strategy")

    @field_validator("exempt_roles", mode="before")
    @classmethod
    def _check_roles(cls, v: Any) -> list[str]:
        return _names(v, "exempt_roles")


class TagParams(_Params):
    # Which of the asset's classifications to push (globs); default: all of them.
    tags: tuple[str, ...] = ("*",)

    @field_validator("tags", mode="before")
    @classmethod
    def _check_tags(cls, v: Any) -> list[str]:
        out = _names(v, "tags")
        if not out:
            raise ValueError("tags must not be empty (omit it to push every classification)")
        return out


_IDENT = re.compile(r"^[^\x00;]{1,255}$")


class RowFilterParams(_Params):
    column: str | None = None
    values: tuple[str, ...] = ()
    expression: str | None = None
    allowed_roles: tuple[str, ...] = ()

    @field_validator("allowed_roles", mode="before")
    @classmethod
    def _check_roles(cls, v: Any) -> list[str]:
        return _names(v, "allowed_roles")

    @field_validator("values", mode="before")
    @classmethod
    def _check_values(cls, v: Any) -> list[str]:
        if isinstance(v, list | tuple):
            v = [str(x) if isinstance(x, int | float) and not isinstance(x, bool) else x for x in v]
        return _names(v, "values")

    @field_validator("column")
    @classmethod
    def _check_column(cls, v: str | None) -> str | None:
        if v is not None and not _IDENT.match(v):
            raise ValueError(f"invalid column name {v!r}")
        return v

    @model_validator(mode="after")
    def _one_predicate(self) -> RowFilterParams:
        if (self.expression is None) == (self.column is None):
            raise ValueError("give exactly one of 'expression' or 'column' (with 'values')")
        if self.column is not None and not self.values:
            raise ValueError("'column' needs a non-empty 'values' list")
        if self.expression is not None and self.values:
            raise ValueError("'values' goes with 'column', not with 'expression'")
        if self.expression is not None:
            _check_predicate(self.expression)
        return self


def _check_predicate(expression: str) -> None:
    """A single SQL boolean expression: no statement separators or comments (it is embedded in DDL)."""
    if not expression.strip():
        raise ValueError("expression must not be empty")
    if ";" in expression or "--" in expression or "/*" in expression:
        raise ValueError(f"expression {expression!r} must be a single predicate (no ';' or comments)")
    import sqlglot  # local: keeps model import light
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        tree = sqlglot.parse_one(expression)
    except ParseError as e:
        raise ValueError(f"expression {expression!r} is not valid SQL: {str(e).splitlines()[0]}") from None
    if not tree.find(exp.Column):
        raise ValueError(f"expression {expression!r} must reference at least one column")
    if isinstance(tree, exp.Query | exp.DDL | exp.DML | exp.Command) or tree.find(exp.Query):
        raise ValueError(f"expression {expression!r} must be a predicate, not a statement or subquery")


class DenyParams(_Params):
    roles: tuple[str, ...]

    @field_validator("roles", mode="before")
    @classmethod
    def _check_roles(cls, v: Any) -> list[str]:
        out = _names(v, "roles")
        if not out:
            raise ValueError("roles must name at least one role")
        return out


class NotifyParams(BaseModel):
    model_config = _STRICT
    subscribers: tuple[str, ...]
    events: tuple[EventKind, ...] = tuple(EventKind)

    @field_validator("subscribers", mode="before")
    @classmethod
    def _check_subscribers(cls, v: Any) -> list[str]:
        out = _names(v, "subscribers")
        if not out:
            raise ValueError("subscribers must name at least one subscriber")
        return out

    @field_validator("events", mode="before")
    @classmethod
    def _check_events(cls, v: Any) -> list[EventKind]:
        return [_choice(EventKind, e, "event kind") for e in _names(v, "events")]


ActionParams = MaskParams | TagParams | RowFilterParams | DenyParams | NotifyParams

PARAMS_BY_ACTION: dict[ActionType, type[BaseModel]] = {
    ActionType.MASK: MaskParams,
    ActionType.TAG: TagParams,
    ActionType.ROW_FILTER: RowFilterParams,
    ActionType.DENY: DenyParams,
    ActionType.NOTIFY: NotifyParams,
}


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown parameter {loc!r}"
        elif e["type"] == "missing":
            msg = f"missing required parameter {loc!r}"
        elif loc:
            msg = f"{loc}: {msg}"
        parts.append(msg)
    return "; ".join(parts)


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        return _known_keys(cls, data, "action")

    type: ActionType
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type", mode="before")
    @classmethod
    def _check_type(cls, v: Any) -> ActionType:
        return _choice(ActionType, v, "action type")

    @field_validator("parameters")
    @classmethod
    def _check_parameters(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        kind = info.data.get("type")
        if kind is None:  # the type itself was invalid; that error is reported
            return v
        model = PARAMS_BY_ACTION[kind]
        allowed = ", ".join(model.model_fields)
        try:
            parsed = model.model_validate(v)
        except ValidationError as e:
            raise ValueError(f"invalid {kind.value} parameters: {_describe(e)} (parameters: {allowed})") from None
        return parsed.model_dump(mode="json")

    @property
    def params(self) -> ActionParams:
        """The typed parameters (already validated; parsed again on each call, so hoist it out of loops)."""
        return PARAMS_BY_ACTION[self.type].model_validate(self.parameters)  # type: ignore[return-value]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        return _known_keys(cls, data, "condition")

    field: ConditionField
    operator: Operator
    value: str | list[str] | StrictBool | None = None  # strict: 0 and 1 are not true/false

    @field_validator("field", mode="before")
    @classmethod
    def _check_field(cls, v: Any) -> ConditionField:
        return _choice(ConditionField, v, "condition field")

    @field_validator("operator", mode="before")
    @classmethod
    def _check_operator(cls, v: Any) -> Operator:
        return _choice(Operator, v, "operator")

    @model_validator(mode="after")
    def _check_value(self) -> Condition:
        op, v = self.operator, self.value
        if op == Operator.EXISTS:
            if v is None:
                self.value = True
            elif isinstance(v, str) and v.strip().lower() in ("true", "false"):
                self.value = v.strip().lower() == "true"
            elif not isinstance(v, bool):
                raise ValueError(f"operator 'exists' takes true or false, got {v!r}")
            return self
        if op in (Operator.IN, Operator.NOT_IN):
            values = _names(v, f"value of operator {op.value!r}")
            if not values:
                raise ValueError(f"operator {op.value!r} needs at least one value")
            self.value = values
        elif not isinstance(v, str) or not v.strip():
            raise ValueError(f"operator {op.value!r} takes a non-empty string value, got {v!r}")
        if op == Operator.REGEX:
            try:
                re.compile(str(v))
            except re.error as e:
                raise ValueError(f"invalid regex {v!r}: {e}") from None
        if self.field == ConditionField.TYPE and op in (Operator.EQUALS, Operator.NOT_EQUALS, Operator.IN,
                                                        Operator.NOT_IN):
            for t in self.value if isinstance(self.value, list) else [self.value]:
                _choice(AssetType, t, "asset type")
        return self


class SecurityRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        return _known_keys(cls, data, "rule")

    rule_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:\-]+$")
    asset_id: str | None = None  # scope: an asset id or qualified name (a dataset scope includes its columns)
    rule_type: RuleType
    description: str | None = None
    enabled: StrictBool = True
    conditions: list[Condition] = Field(default_factory=list)
    actions: list[Action] = Field(min_length=1)

    @field_validator("rule_type", mode="before")
    @classmethod
    def _check_rule_type(cls, v: Any) -> RuleType:
        return _choice(RuleType, v, "rule type")

    @model_validator(mode="after")
    def _scoped(self) -> SecurityRule:
        # A rule with neither conditions nor an asset would govern every asset of the tenant:
        # almost always a mistake, and an expensive one (mask everything everywhere).
        if not self.conditions and not self.asset_id:
            raise ValueError("a rule needs at least one condition or an asset_id")
        return self
