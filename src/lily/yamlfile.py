"""YAML with positions: the document as plain Python values, plus the line and column of every key,
list item and scalar, so a validation error names the line a person has to fix.

One loader for every file Lily reads from people (pipeline files, process files, data contracts).
It reads YAML 1.2 (ruamel.yaml), the version ODCS contracts are written back in, so a contract
loaded, exported and loaded again is the same document (``yes``/``on`` stay text, as 1.2 says).
The values are plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``; a date or time
the parser recognised stays text, as the person wrote it (a model field that wants a date parses
it). Duplicate keys are an error: the last one would otherwise win silently.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

Path_ = tuple[str | int, ...]
_DUPLICATE = re.compile(r'found duplicate key "(.*)" with value')


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

    def line_of(self, path: Sequence[str | int]) -> int | None:
        mark = self.locate(path)
        return mark.line if mark else None


class YamlError(ValueError):
    def __init__(self, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark

    @property
    def line(self) -> int | None:
        return self.mark.line if self.mark else None


def load(text: str) -> Located:
    """Parse one YAML document (no custom tags). An empty document is ``None``. Anything the parser
    refuses (control characters included) is a ``YamlError``; so is nesting deeper than Python's
    recursion allows, which a request body of a few kilobytes of ``[[[[`` reaches."""
    try:
        return _load(text)
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply", None) from None


def _load(text: str) -> Located:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = Mark(mark.line + 1, mark.column + 1) if mark else None
        duplicate = _DUPLICATE.match(exc.problem or "") if isinstance(exc, DuplicateKeyError) else None
        if duplicate:
            raise YamlError(f"duplicate key {duplicate.group(1)!r}", at) from None
        raise YamlError(f"invalid YAML: {exc.problem or exc}", at) from None
    except YAMLError as exc:  # the reader's refusals (control characters) carry no mark
        raise YamlError(f"invalid YAML: {str(exc).splitlines()[0]}", None) from None
    located = Located(None)
    if tree is not None:
        lc = getattr(tree, "lc", None)
        located.marks[()] = Mark(lc.line + 1, lc.col + 1) if lc is not None and lc.line is not None else Mark(1, 1)
        located.value = _build(tree, (), located, located.marks[()])
    return located


def _mark(position: Any, fallback: Mark) -> Mark:
    return Mark(position[0] + 1, position[1] + 1) if position else fallback


def _plain_key(key: Any, at: Mark) -> str | int | float | bool:
    value = _scalar(key)
    if value is None or not isinstance(value, str | int | float | bool):
        raise YamlError("mapping keys must be plain scalars", at)
    return value


def _build(node: Any, path: Path_, located: Located, here: Mark) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        positions = node.lc.data  # own keys only: a merged (<<) key is located at this mapping
        for key in node:
            at = _mark(positions.get(key), here)
            plain = _plain_key(key, at)
            child = (*path, plain if isinstance(plain, str | int) else str(plain))
            located.marks[child] = at
            value = node[key]
            if not isinstance(value, CommentedMap | CommentedSeq):
                where = positions.get(key)
                located.scalars[child] = (_mark(where[2:4] if where else None, at), _style(value))
            out[plain] = _build(value, child, located, at)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            at = _mark(node.lc.data.get(i), here)
            located.marks[(*path, i)] = at
            if not isinstance(item, CommentedMap | CommentedSeq):
                located.scalars[(*path, i)] = (at, _style(item))
            items.append(_build(item, (*path, i), located, at))
        return items
    return _scalar(node)


def _style(value: Any) -> str | None:
    return "|" if isinstance(value, LiteralScalarString) else ">" if isinstance(value, FoldedScalarString) else None


def _scalar(value: Any) -> Any:
    """ruamel's round-trip scalars (which remember their formatting) as plain Python values."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, ScalarBoolean | bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return str(value)
    return value
