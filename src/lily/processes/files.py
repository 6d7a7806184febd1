"""Reading process files: YAML → ``ProcessSpec``, or the problems with file, line and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from lily.processes.spec import ProcessSpec
from lily.yamlfile import YamlError, load


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '(document)'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


def dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def parse_text(text: str, file: str) -> tuple[ProcessSpec | None, list[FileProblem]]:
    try:
        located = load(text)
    except YamlError as e:
        return None, [FileProblem(file, e.line, "", e.message)]
    value = located.value
    if not isinstance(value, dict):
        return None, [FileProblem(file, 1, "", "a process file is a mapping (name, type, inputs, outputs...)")]
    try:
        return ProcessSpec.model_validate(value), []
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("function-after[_name(), str]",)))
            # Aliased fields ("from"/"to") are reported under their YAML names already.
            problems.append(FileProblem(file, located.line_of(loc), dotted(loc), err["msg"].removeprefix("Value error, ")))
        return None, problems


def parse_file(path: Path) -> tuple[ProcessSpec | None, list[FileProblem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, [FileProblem(str(path), None, "", f"cannot read: {e}")]
    return parse_text(text, str(path))


def process_files(directory: Path) -> list[Path]:
    """The process files of a directory (``*.yaml``, ``*.yml``, recursively), in a stable order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
