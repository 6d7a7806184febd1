"""YAML with the line of every key: a validation error names the file, line and field to fix."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str) -> tuple[Any, Any]:
    """(plain value, the round-trip tree that knows lines). Duplicate keys are an error."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"invalid YAML: {exc.problem or exc}", mark.line + 1 if mark else None) from None
    # Through JSON: the tree's ordered maps and sequences become plain dicts and lists (and a date
    # the YAML parser made stays text, as a person wrote it).
    return json.loads(json.dumps(tree, default=str)), tree


def line_of(tree: Any, path: Sequence[str | int]) -> int | None:
    """1-based line of the deepest part of ``path`` present in ``tree`` (a missing field is
    reported where the mapping that should hold it is)."""
    line = (tree.lc.line + 1) if isinstance(tree, CommentedMap | CommentedSeq) else None
    node = tree
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line
