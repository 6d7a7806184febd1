"""``lily compliance report [--format json|csv|html] [--since ...] [--until ...] [-o FILE]``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Compliance reports (docs/compliance.md).", no_args_is_help=True)
out = Console()


@app.command("report")
def report_cmd(tenant: str = typer.Option("default"), format: str = typer.Option("json", help="json, csv or html"),
               since: datetime | None = typer.Option(None), until: datetime | None = typer.Option(None),
               output: Path | None = typer.Option(None, "-o", "--output")) -> None:
    """The GDPR Art. 30 record, the personal-data inventory, findings and the audit trail."""
    from lily.compliance.render import to_csv, to_html
    from lily.compliance.report import report
    from lily.settings import Settings
    from lily.store import Store

    if format not in ("json", "csv", "html"):
        raise typer.BadParameter("format is json, csv or html")
    store = Store.from_url(Settings().resolved_database_url, migrate=True)
    doc = report(store, tenant, since=since, until=until)
    text = {"json": lambda: json.dumps(doc, indent=2, default=str), "csv": lambda: to_csv(doc),
            "html": lambda: to_html(doc)}[format]()
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"{output}: {doc['summary']['personal_data_columns']} personal-data columns, "
                  f"{doc['summary']['findings']} findings")
    else:
        print(text)
