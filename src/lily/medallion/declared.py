"""The pipeline files of a directory, offered to the pipeline service of ``lily serve`` (its
``DeclaredPipelines`` port). Light to import: the engine loads when a run is submitted."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lily.pipelines.lake import Lake
from lily.pipelines.sinks import LineageSink
from lily.store import Store

if TYPE_CHECKING:
    from lily.medallion.runner import MedallionRunner
    from lily.medallion.validate import Pipeline

SUFFIXES = (".yaml", ".yml")


class DeclaredPipelines:
    """Files are read when a run is submitted: an edited file is picked up without a restart, and
    an invalid one refuses the run with its errors (file, line, field)."""

    def __init__(self, directory: Path, data_dir: Path) -> None:
        self.directory = directory
        self.data_dir = data_dir
        # name -> (the file's digest when read, whether it is valid, its ``schedule:``): the
        # schedule thread asks every poll, and validating a file costs tens of milliseconds of CPU
        # that the accept routes share.
        self._files: dict[str, tuple[bytes | None, bool, str | None]] = {}

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.iterdir() if p.suffix in SUFFIXES and p.is_file())

    def load(self, name: str) -> Pipeline:
        """The valid pipeline ``name``; ``ValueError`` with the file's errors otherwise."""
        from lily.medallion.validate import PipelineFileError, find_pipeline, load_pipeline

        path = find_pipeline(name, self.directory)
        if path is None:
            raise ValueError(f"no pipeline file {name}.yaml in {self.directory}")
        try:
            return load_pipeline(path)
        except PipelineFileError as exc:
            raise ValueError("; ".join(str(i) for i in exc.issues)) from exc

    def schedules(self, default: str | None) -> dict[str, str]:
        """The cron of every valid file that is scheduled: its ``schedule:``, else ``default``; a file
        that is not valid is left out (a run of it would be refused) and logged."""
        from lily.observability import log

        found: dict[str, str] = {}
        names = self.names()
        for gone in set(self._files) - set(names):
            del self._files[gone]
        for name in names:
            version = _version(self.directory, name)
            known = self._files.get(name)
            if known is None or known[0] != version:
                try:
                    known = (version, True, self.load(name).spec.schedule)
                except ValueError as exc:  # logged once per version of the file
                    log.warning("pipeline_schedule_skipped", pipeline=name, error=str(exc)[:500])
                    known = (version, False, None)
                self._files[name] = known
            if not known[1]:
                continue
            cron = known[2] or default
            if cron and cron != "off":
                found[name] = cron
        return found

    def runner(self, name: str, *, store: Store, lake: Lake, tenant_id: str, clock: Callable[[], datetime],
               lineage: LineageSink | None, threads: int | None) -> MedallionRunner:
        from lily.anonymize import load_keyring
        from lily.medallion.compute import compute_named
        from lily.medallion.wiring import store_runner
        from lily.settings import Settings

        settings = Settings()  # the engine the log pipeline uses too (LILY_ENGINE, LILY_SPARK_MASTER)
        engine = compute_named(settings.engine, spark_master=settings.spark_master)
        return store_runner(self.load(name), store, lake, tenant_id=tenant_id, clock=clock,
                            keys=load_keyring(tenant_id, self.data_dir), lineage=lineage, threads=threads,
                            engine=engine)


def _version(directory: Path, name: str) -> bytes | None:
    """What tells an edited file from the one read before: its content's digest (a timestamp can
    stay the same across a quick edit); None if it is gone meanwhile."""
    for suffix in SUFFIXES:
        try:
            return hashlib.sha256((directory / f"{name}{suffix}").read_bytes()).digest()
        except OSError:
            continue
    return None


__all__ = ["DeclaredPipelines"]
