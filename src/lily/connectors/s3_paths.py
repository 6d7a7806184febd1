"""Path specs, as DataHub's S3 source writes them, and the datasets and partitions they define.

``s3://bucket/exports/{table}/export_date={partition}/*.parquet``: ``{table}`` names the logical
dataset (its prefix, ``exports/users``, is the dataset's name in the catalog), ``{partition}``,
``{partition[i]}`` and ``{partition_key[i]}`` mark partition values and keys, any other ``{name}``
is a named part of the path, ``*`` matches within one path segment and ``**`` any number of
segments. Hive-style segments (``key=value``) are partitions whatever the spec says, and a value
that reads as a date (``2025-01-15``, ``20250115``, or ``year=/month=/day=`` segments) is marked as
a date partition. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?\}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}|\d{4}-\d{2}|\d{4}/\d{2}/\d{2}")
_DATE_KEYS = ("year", "month", "day")


class PathSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Match:
    """Where one object belongs: its dataset (None without ``{table}``), partition directory and values."""

    dataset: str | None
    table: str | None
    partition_dir: str  # the object's directory: the unit an incremental scan walks
    partitions: dict[str, str] = field(default_factory=dict)

    @property
    def date_partition(self) -> str | None:
        """The partition's date (ISO) when one of its values reads as a date."""
        for value in self.partitions.values():
            if _DATE.fullmatch(value):
                return _iso(value)
        if all(k in self.partitions for k in _DATE_KEYS):
            return f"{self.partitions['year']}-{self.partitions['month']:0>2}-{self.partitions['day']:0>2}"
        return None


def _iso(value: str) -> str:
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value.replace("/", "-")


@dataclass(frozen=True)
class PathSpec:
    spec: str  # as written: s3://bucket/...

    @cached_property
    def bucket(self) -> str:
        return self._parts[0]

    @cached_property
    def _parts(self) -> tuple[str, ...]:
        if not self.spec.startswith("s3://"):
            raise PathSpecError(f"{self.spec!r}: a path spec starts with s3://")
        parts = tuple(self.spec.removeprefix("s3://").split("/"))
        if not parts[0] or len(parts) < 2 or not parts[-1]:
            raise PathSpecError(f"{self.spec!r}: expected s3://<bucket>/<path>/<file pattern>")
        if sum("{table}" in p for p in parts) > 1:
            raise PathSpecError(f"{self.spec!r}: {{table}} may appear once")
        if "{table}" in parts[-1]:
            raise PathSpecError(f"{self.spec!r}: {{table}} names a directory, not a file")
        return parts

    @property
    def segments(self) -> tuple[str, ...]:
        """The key's segments (directories then the file pattern), without the bucket."""
        return self._parts[1:]

    @cached_property
    def prefix(self) -> str:
        """The literal start of every matching key: where the listing starts."""
        text = "/".join(self.segments)
        cut = min((i for i in (text.find("{"), text.find("*")) if i >= 0), default=len(text))
        return text[:cut]

    @cached_property
    def regex(self) -> re.Pattern[str]:
        last = len(self.segments) - 1
        out = ""
        for i, segment in enumerate(self.segments):
            if segment == "**":
                out += ".*" if i == last else r"(?:[^/]+/)*"  # any number of directories, none included
            else:
                out += self._segment_regex(segment, i) + ("" if i == last else "/")
        return re.compile(out + r"\Z")

    @cached_property
    def table_depth(self) -> int | None:
        """Index of the ``{table}`` segment (None without one)."""
        return next((i for i, s in enumerate(self.segments) if "{table}" in s), None)

    @cached_property
    def walkable(self) -> bool:
        """Whether partition directories can be found level by level (no ``**``)."""
        return "**" not in self.segments

    def _segment_regex(self, segment: str, index: int) -> str:
        if segment == "**":
            return ".*"
        out, pos = "", 0
        for m in _VAR.finditer(segment):
            out += _literal(segment[pos:m.start()])
            name, idx = m.group(1), m.group(2)
            group = name if idx is None else f"{name}__{idx}"
            if name == "partition" and idx is None:
                group = f"partition__s{index}"
            out += f"(?P<{group}>[^/]+)"
            pos = m.end()
        out += _literal(segment[pos:])
        if index < len(self.segments) - 1 and "**" in segment:
            raise PathSpecError(f"{self.spec!r}: ** must be a whole segment")
        return out

    def match(self, key: str) -> Match | None:
        """The dataset and partition of ``key``, or None when the spec does not match it."""
        m = self.regex.match(key)
        if m is None:
            return None
        parts = key.split("/")
        directory = "/".join(parts[:-1])
        table = m.groupdict().get("table")
        dataset = None
        if self.table_depth is not None and table is not None:
            dataset = "/".join(parts[:self.table_depth + 1])
        partitions: dict[str, str] = {}
        start = self.table_depth + 1 if self.table_depth is not None else 0
        for segment in parts[start:-1]:  # Hive-style directories below the dataset name themselves
            if "=" in segment:
                k, _, v = segment.partition("=")
                partitions.setdefault(k, v)
        hive = set(partitions.values())
        groups = m.groupdict()
        for name, value in groups.items():
            if value is None or not name.startswith("partition__"):
                continue
            if name.startswith("partition__s"):
                if value not in hive:
                    partitions.setdefault("partition", value)  # a bare {partition} directory
                continue
            i = name.split("__")[1]
            key = groups.get(f"partition_key__{i}")
            if key or value not in hive:
                partitions[key or f"partition_{i}"] = value
        return Match(dataset=dataset, table=table, partition_dir=directory, partitions=partitions)

    def level_regexes(self) -> list[re.Pattern[str]]:
        """One pattern per directory segment: a walk lists a level with a delimiter and keeps the
        common prefixes whose last segment matches."""
        return [re.compile(self._segment_regex(s, i) + r"\Z") for i, s in enumerate(self.segments[:-1])]

    def file_regex(self) -> re.Pattern[str]:
        return re.compile(self._segment_regex(self.segments[-1], len(self.segments) - 1) + r"\Z")


def _literal(text: str) -> str:
    return "".join("[^/]*" if ch == "*" else re.escape(ch) for ch in text)


def parse_spec(spec: str) -> PathSpec:
    """A validated path spec (``PathSpecError`` says what is wrong)."""
    parsed = PathSpec(spec)
    parsed.regex  # noqa: B018 - compile now: an invalid spec fails at load, not mid-scan
    return parsed


__all__ = ["Match", "PathSpec", "PathSpecError", "parse_spec"]
