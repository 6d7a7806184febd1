"""The demo CRM inside ``LILY_DEMO=true lily serve`` (``make run``): a background service that
writes the demo CRM into the lake and runs ``pipelines/crm.yaml`` for the demo days, after the
server has started (startup does not wait for it).

Day one goes through; day two's customer extract arrives twice (a retried export), so its bronze
duplicate-key check holds the partition: the catalog shows the CRM's tables with their detected
PII, the masking edges into anonymized columns, quality results, and an open incident with its
blast radius. A restart runs only the demo days that have no run yet, and source files already
in the lake are left as they are.
"""

from __future__ import annotations

import threading
from datetime import date

from lily.medallion import demo_crm
from lily.observability import log
from lily.pipelines.runs import latest_run
from lily.pipelines.service import PipelineService

PIPELINE = "crm"
FIRST = date(2024, 1, 1)
DAYS = 2
SEED = 42


class DemoPipelines:
    def __init__(self, service: PipelineService) -> None:
        self.service = service
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.service.serves(self.service.tenant_id, PIPELINE):
            log.info("demo_pipelines_off", reason=f"no {PIPELINE}.yaml in the pipelines directory")
            return
        self._thread = threading.Thread(target=self._load, name="lily-demo-pipelines", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            lake = self.service.lake
            lake.ensure()
            files = demo_crm.generate(FIRST, DAYS, SEED, resent_days={DAYS - 1})
            demo_crm.write_files(lake.storage, [f for f in files if not lake.storage.exists(f.name)])
            recorder = self.service.recorder()
            days = [d for d in (date.fromordinal(FIRST.toordinal() + k) for k in range(DAYS))
                    if latest_run(recorder, PIPELINE, d) is None]
            if days:
                self.service.submit(PIPELINE, days, trigger="demo")
                log.info("demo_pipelines_submitted", pipeline=PIPELINE, days=[d.isoformat() for d in days])
        except Exception:
            log.exception("demo_pipelines_failed", pipeline=PIPELINE)

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


__all__ = ["DemoPipelines"]
