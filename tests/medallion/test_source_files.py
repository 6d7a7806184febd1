"""Source files are found on the lake's storage (a directory or S3) as ``glob`` finds them: ``*``
within one path segment, hidden files left out, name order; an absolute path is a local file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lily.medallion.sources import SourceError, read_files
from lily.medallion.spec import FileSource

from .conftest import LAKES, lake_for

DAY = date(2024, 1, 1)


def _source(path: str, **extra: object) -> FileSource:
    return FileSource.model_validate({"kind": "files", "format": "csv", "path": path, **extra})


@pytest.mark.parametrize("kind", LAKES)
def test_patterns_match_within_a_segment_in_name_order(kind: str, request: pytest.FixtureRequest,
                                                       tmp_path: Path) -> None:
    lake = lake_for(kind, request, tmp_path / "lake")
    for key, n in (("sources/x/a_2024-01-01_2.csv", 2), ("sources/x/a_2024-01-01_1.csv", 1),
                   ("sources/x/sub/a_2024-01-01_3.csv", 3), ("sources/x/.a_2024-01-01_4.csv", 4),
                   ("sources/y/a_2024-01-01_1.csv", 5), ("sources/x/b_2024-01-01.csv", 6)):
        lake.storage.write_bytes(key, f"id\n{n}\n".encode())

    batch = read_files(_source("sources/x/a_{date}_*.csv"), lake.storage, DAY)
    assert [f.name for f in batch.files] == ["sources/x/a_2024-01-01_1.csv", "sources/x/a_2024-01-01_2.csv"]
    assert batch.table.column("id").to_pylist() == ["1", "2"]
    across = read_files(_source("sources/*/a_{date}_1.csv"), lake.storage, DAY)
    assert [f.name for f in across.files] == ["sources/x/a_2024-01-01_1.csv", "sources/y/a_2024-01-01_1.csv"]
    exact = read_files(_source("sources/x/sub/a_{date}_3.csv"), lake.storage, DAY)
    assert exact.table.column("id").to_pylist() == ["3"]
    with pytest.raises(SourceError, match=r"no file matches sources/x/c_2024-01-01\.csv"):
        read_files(_source("sources/x/c_{date}.csv"), lake.storage, DAY)
    assert read_files(_source("sources/x/c_{date}.csv", required=False), lake.storage, DAY).files == []


def test_an_absolute_path_is_read_from_the_local_filesystem(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    lake = lake_for("dir", request, tmp_path / "lake")
    outside = tmp_path / "exports"
    outside.mkdir()
    (outside / "u_2024-01-01.csv").write_bytes(b"id\n9\n")
    batch = read_files(_source(f"{outside}/u_*.csv"), lake.storage, DAY)
    assert [f.name for f in batch.files] == [f"{outside}/u_2024-01-01.csv"]
    lake.storage.write_bytes("sources/z/u.csv", b"id\n7\n")  # under the lake root: named by its key
    inside = read_files(_source(f"{lake.root}/sources/z/u.csv"), lake.storage, DAY)
    assert [f.name for f in inside.files] == ["sources/z/u.csv"]
