"""Warn and fail thresholds: a condition on a check's metric that, when it holds, sets the level.

YAML form, one or more keys (all must hold): ``{gt: 0}``, ``{ge: 5}``, ``{lt: 1000}``, ``{le: 1}``,
``{eq: 0}``, ``{ne: 0}``, ``{between: [18, 120]}``, ``{not_between: [18, 120]}`` (bounds inclusive).
So ``fail: {gt: 0}`` reads "fail when the metric is greater than 0".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator

Number = float | int


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gt: Number | None = None
    ge: Number | None = None
    lt: Number | None = None
    le: Number | None = None
    eq: Number | None = None
    ne: Number | None = None
    between: tuple[Number, Number] | None = None
    not_between: tuple[Number, Number] | None = None

    @model_validator(mode="after")
    def _sane(self) -> Threshold:
        if not self.conditions():
            raise ValueError("a threshold needs a condition: gt, ge, lt, le, eq, ne, between or not_between")
        for bounds in (self.between, self.not_between):
            if bounds is not None and bounds[0] > bounds[1]:
                raise ValueError(f"bounds {list(bounds)} are reversed: the lower bound comes first")
        return self

    def conditions(self) -> dict[str, Number | tuple[Number, Number]]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def matches(self, value: Number) -> bool:
        """Whether every condition holds for ``value``."""
        tests = {
            "gt": lambda b: value > b, "ge": lambda b: value >= b, "lt": lambda b: value < b,
            "le": lambda b: value <= b, "eq": lambda b: value == b, "ne": lambda b: value != b,
            "between": lambda b: b[0] <= value <= b[1], "not_between": lambda b: not b[0] <= value <= b[1],
        }
        return all(tests[k](bound) for k, bound in self.conditions().items())

    def describe(self) -> str:
        symbols = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "=", "ne": "!="}
        parts = []
        for key, bound in self.conditions().items():
            if key in symbols:
                parts.append(f"{symbols[key]} {_fmt(bound)}")
            else:
                word = "between" if key == "between" else "not between"
                parts.append(f"{word} {_fmt(bound[0])} and {_fmt(bound[1])}")
        return " and ".join(parts)


def _fmt(n: Number) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)
