"""``lily classify PATH``: which columns of a CSV, NDJSON or Parquet file hold personal data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table


def classify(
    path: Annotated[Path, typer.Argument(help="A .csv/.tsv, .ndjson/.jsonl/.json or .parquet file.",
                                         show_default=False)],
    sample: Annotated[int, typer.Option("--sample", min=1, help="Non-null values sampled per column.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Detect PII per column from a sample of values and the column names."""
    from lily.classify import InputError, classify_file

    try:
        results = classify_file(path, sample=sample)
    except InputError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(orjson.dumps({"columns": [r.to_json() for r in results]}, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=str(path), title_justify="left")
    for heading in ("column", "entity", "tag", "conf.", "hits", "name hint", "recognizer"):
        table.add_column(heading, justify="right" if heading in ("conf.", "hits") else "left", overflow="fold")
    for result in results:
        evidence = result.evidence
        table.add_row(result.name, result.entity or "-", result.tag or "-", f"{result.confidence:.2f}",
                      f"{evidence.hit_rate:.2f}" if result.entity else "-", evidence.name_hint or "-",
                      evidence.recognizer)
    Console().print(table)
