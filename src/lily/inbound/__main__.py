"""``python -m lily.inbound worker inbound …``: the worker process ``lily serve`` supervises.

The same command as ``lily worker inbound``, without ``lily.cli``: that module imports every
command's module (the connectors, the pipelines, pyarrow), about 0.3 s of CPU a worker process
never uses, paid at every start and restart while accepted events wait.
"""

from __future__ import annotations

import typer

from lily.inbound.cli import worker_inbound

app = typer.Typer(add_completion=False)
worker = typer.Typer()
worker.command("inbound")(worker_inbound)
app.add_typer(worker, name="worker")

if __name__ == "__main__":
    app()
