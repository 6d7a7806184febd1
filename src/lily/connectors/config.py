"""The connectors file (YAML): which systems to discover, how, and on which schedule.

```yaml
connectors:
  - name: delta-arc-lake
    type: s3
    schedule: "0 * * * *"
    secret_access_key: ${DELTA_ARC_S3_SECRET}   # secrets only by environment variable
    ...
```

Every error names the file, the line and the field (``connectors.yaml:7: connectors[0].bucket:
field required``), all of them at once, so a person fixes the file in one pass. A connector's
secret fields (its model's ``secret_fields``) take only ``${VARIABLE}`` references: a secret
written into the file is an error, a variable that is not set is an error at load time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lily.connectors.base import ConnectorConfig
from lily.connectors.registry import KINDS

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _located(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    """The node's value, recording the line of every key and item (a pydantic error's ``loc`` maps
    back to what a person has to fix)."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node)) if not isinstance(key_node, yaml.ScalarNode) \
                else key_node.value
            if key in out:
                raise ConfigError([Problem("", key_node.start_mark.line + 1, _dotted(loc), f"duplicate key {key!r}")])
            lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _located(value_node, (*loc, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_located(item, (*loc, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _line(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    for end in range(len(loc), -1, -1):  # a missing field is reported at the mapping that lacks it
        if (found := lines.get(tuple(loc[:end]))) is not None:
            return found
    return None


def _resolve(value: Any, env: Mapping[str, str], loc: Loc, problems: list[tuple[Loc, str]]) -> Any:
    """``${VAR}`` replaced by the environment's value, in every string of the document."""
    if isinstance(value, dict):
        return {k: _resolve(v, env, (*loc, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, env, (*loc, i), problems) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                problems.append((loc, f"environment variable {name} is not set"))
                return ""
            return env[name]
        return _REF.sub(sub, value)
    return value


def parse(text: str, file: str = "<connectors>", env: Mapping[str, str] | None = None) -> list[ConnectorConfig]:
    """Every connector of a connectors file, validated; ``ConfigError`` lists every problem."""
    env = os.environ if env is None else env
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ConfigError([Problem(file, mark.line + 1 if mark else None, "", f"invalid YAML: {exc.problem}")]) from exc
    lines: dict[Loc, int] = {}
    try:
        doc = _located(node, (), lines) if node is not None else None
    except ConfigError as exc:
        raise ConfigError([Problem(file, p.line, p.field, p.message) for p in exc.problems]) from None
    problems: list[Problem] = []

    def add(loc: Loc, message: str) -> None:
        problems.append(Problem(file, _line(lines, loc), _dotted(loc), message))

    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("connectors"), list):
        add(("connectors",), "expected a top-level 'connectors:' list")
        raise ConfigError(problems)
    configs: list[ConnectorConfig] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc["connectors"]):
        loc: Loc = ("connectors", index)
        if not isinstance(raw, dict):
            add(loc, "expected a mapping")
            continue
        kind = KINDS.get(str(raw.get("type")))
        if kind is None:
            add((*loc, "type"), f"unknown connector type {raw.get('type')!r}; known: {', '.join(sorted(KINDS))}")
            continue
        secret_fields: tuple[str, ...] = getattr(kind.config, "secret_fields", ())
        for name in secret_fields:
            value = raw.get(name)
            if value is not None and not (isinstance(value, str) and _REF.fullmatch(value.strip())):
                add((*loc, name), "a secret is referenced by environment variable (${NAME}), never written here")
        missing: list[tuple[Loc, str]] = []
        resolved = _resolve(raw, env, loc, missing)
        for where, message in missing:
            add(where, message)
        try:
            config = kind.config.model_validate(resolved)
        except ValidationError as exc:
            for err in exc.errors():
                add((*loc, *err["loc"]), err["msg"])
            continue
        if config.name in seen:
            add((*loc, "name"), f"another connector (connectors[{seen[config.name]}]) is named {config.name!r}")
            continue
        seen[config.name] = index
        configs.append(config)
    if problems:
        raise ConfigError(problems)
    return configs


def load(path: str | Path, env: Mapping[str, str] | None = None) -> list[ConnectorConfig]:
    """The connectors of the file at ``path`` (none when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return parse(path.read_text(encoding="utf-8"), str(path), env)


def find(configs: Sequence[ConnectorConfig], name: str) -> ConnectorConfig:
    for config in configs:
        if config.name == name:
            return config
    known = ", ".join(c.name for c in configs) or "none"
    raise KeyError(f"no connector named {name!r} (configured: {known})")


__all__ = ["ConfigError", "Problem", "find", "load", "parse"]
