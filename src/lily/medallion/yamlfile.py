"""YAML with positions: the parsed document plus the line of every key and value.

PyYAML's composer keeps a mark on each node; building the Python values ourselves from those nodes
lets a pydantic error location (``("datasets", "customers", "schema", "email", "type")``) be
mapped back to the line a person has to fix. Duplicate keys are an error here (PyYAML would keep
the last one silently, and a pipeline file with two ``email:`` entries is a mistake).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Located:
    """A document and where each path in it was written."""

    value: Any
    marks: dict[Path_, Mark] = field(default_factory=dict)  # where each key (or list item) is
    scalars: dict[Path_, tuple[Mark, str | None]] = field(default_factory=dict)  # scalar value: mark, style

    def text_line(self, path: Path_, line_in_text: int) -> int | None:
        """The file line of line ``line_in_text`` (1-based) of the string at ``path``: a block
        scalar (``|`` or ``>``) starts on the line after its indicator."""
        found = self.scalars.get(path)
        if found is None:
            return None
        mark, style = found
        return mark.line + line_in_text if style in ("|", ">") else mark.line + line_in_text - 1

    def locate(self, path: Sequence[str | int]) -> Mark | None:
        """The mark of the longest prefix of ``path`` that exists in the document (a missing field
        is reported at the mapping that should have held it)."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return None


class YamlError(ValueError):
    def __init__(self, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def load(text: str) -> Located:
    """Parse one YAML document (safe tags only). An empty document is ``None``."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            problem = exc.problem_mark
            mark = Mark(problem.line + 1, problem.column + 1) if problem is not None else None
            raise YamlError(f"invalid YAML: {exc.problem or exc}", mark) from exc
        located = Located(None)
        if node is not None:
            located.marks[()] = _mark(node)
            located.value = _build(loader, node, (), located)
        return located
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, located: Located) -> Any:
    marks = located.marks
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves merge keys (<<)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise YamlError("mapping keys must be plain scalars", _mark(key_node))
            if key in out:
                raise YamlError(f"duplicate key {key!r}", _mark(key_node))
            child = (*path, key if isinstance(key, str | int) else str(key))
            marks[child] = _mark(key_node)
            out[key] = _build(loader, value_node, child, located)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            marks[(*path, i)] = _mark(item)
            items.append(_build(loader, item, (*path, i), located))
        return items
    if isinstance(node, yaml.ScalarNode):
        located.scalars[path] = (_mark(node), node.style)
    return loader.construct_object(node, deep=True)
