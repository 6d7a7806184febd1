"""``lily contract lint|test|import|export|diff``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from lily.contracts import lint as linting
from lily.contracts.diff import breaking, diff
from lily.contracts.odcs import Contract, dumps, loads
from lily.yamlfile import YamlError

app = typer.Typer(help="Data contracts (ODCS v3): lint, test, import, export, diff (docs/contracts.md).",
                  no_args_is_help=True)
console = Console(stderr=True)
out = Console()


def _read(path: Path) -> dict:
    try:
        return loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlError, ValueError) as e:
        line = f":{e.line}" if isinstance(e, YamlError) and e.line else ""
        console.print(Text(f"{path}{line}: {e}", style="red"))
        raise typer.Exit(2) from None


def _store():
    from lily.settings import Settings
    from lily.store import Store

    return Store.from_url(Settings().resolved_database_url, migrate=True)


@app.command("lint")
def lint(files: list[Path] = typer.Argument(..., help="contract files"),
         strict: bool = typer.Option(False, "--strict", help="warnings fail too (an unknown field, "
                                     "a custom rule Lily does not evaluate)")) -> None:
    """Errors and warnings with line and field; exit 1 when a file has errors (or, with --strict, warnings)."""
    failed = False
    for path in files:
        try:
            findings = linting.lint_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            findings = [linting.Finding("error", "", None, f"cannot read: {e}")]
        for f in findings:
            colour = "red" if f.level == "error" else "yellow"
            # What a file says ("mustBeBetween is [low, high]", a field named "[x]") is text, not markup.
            out.print(Text(f"{path}:{f.line or '?'}: {f.level}: {f.field or '(document)'}: {f.message}", style=colour))
        failed |= bool(findings if strict else linting.errors(findings))
        if not findings:
            out.print(escape(f"{path}: ok"))
    raise typer.Exit(1 if failed else 0)


@app.command("diff")
def diff_cmd(old: Path, new: Path, as_json: bool = typer.Option(False, "--json")) -> None:
    """Changes from OLD to NEW; exit 1 when any is breaking (for CI)."""
    changes = diff(Contract(_read(old)), Contract(_read(new)))
    if as_json:
        out.print_json(json.dumps([c.as_dict() for c in changes]))
    else:
        for c in changes:
            mark = "[red]BREAKING[/]" if c.breaking else "[green]ok[/]      "
            out.print(f"{mark} {escape(f'{c.kind:<16} {c.path}: {c.message}')}")
        out.print(f"{len(breaking(changes))} breaking of {len(changes)} changes")
    raise typer.Exit(1 if breaking(changes) else 0)


@app.command("import")
def import_cmd(files: list[Path], tenant: str = typer.Option("default")) -> None:
    """Store contracts in the catalog (refused with their lint errors when invalid)."""
    from lily.contracts.service import ContractError, import_contract

    store = _store()
    failed = False
    for path in files:
        try:
            contract, created, warnings = import_contract(store, tenant, _read(path), actor="cli")
        except ContractError as e:
            failed = True
            for f in e.findings:
                console.print(Text(f"{path}:{f.line or '?'}: {f.field}: {f.message}", style="red"))
            continue
        out.print(f"{path}: contract {contract.id} {'imported' if created else 'updated'}"
                  + (f" ({len(warnings)} warnings)" if warnings else ""))
    raise typer.Exit(1 if failed else 0)


@app.command("export")
def export_cmd(contract_id: str, tenant: str = typer.Option("default"),
               output: Path | None = typer.Option(None, "-o", "--output")) -> None:
    """The stored document as YAML, every field as imported."""
    from lily.store import contracts as repo

    store = _store()
    with store.read() as conn:
        row = repo.get_contract(conn, tenant, contract_id)
    if row is None:
        console.print(f"[red]no contract {contract_id!r}[/]")
        raise typer.Exit(1)
    text = dumps(row["document"])
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        out.print(text, end="", markup=False, highlight=False)


@app.command("test")
def test_cmd(target: str = typer.Argument(..., help="a contract file (imported first) or a stored contract id"),
             tenant: str = typer.Option("default"), no_data: bool = typer.Option(False, "--no-data",
                                                                                  help="catalog only, no data read"),
             now: datetime | None = typer.Option(None, help="evaluation time (default: now, UTC)")) -> None:
    """Evaluate a contract now: schema drift, freshness, quality; exit 1 when it fails."""
    from lily.contracts.service import ContractError, evaluate_contract, import_contract

    store = _store()
    contract_id = target
    if Path(target).is_file():
        try:
            contract, _, _ = import_contract(store, tenant, _read(Path(target)), actor="cli")
        except ContractError as e:
            for f in e.findings:
                console.print(Text(f"{target}:{f.line or '?'}: {f.field}: {f.message}", style="red"))
            raise typer.Exit(2) from None
        contract_id = contract.id
    when = (now.replace(tzinfo=UTC) if now and now.tzinfo is None else now) or datetime.now(UTC)
    result = evaluate_contract(store, tenant, contract_id, now=when, read_data=not no_data)
    if result is None:
        console.print(f"[red]no contract {contract_id!r}[/]")
        raise typer.Exit(2)
    for d in result.datasets:
        out.print(escape(f"{d.dataset}: {d.status}"))
        for f in d.findings:
            out.print(f"  [red]{escape(f.kind)}[/] {escape(f'{f.check}: {f.message}')}")
        for n in d.notes:
            out.print(f"  [dim]{escape(n)}[/]")
    out.print(f"contract {result.contract_id}: {result.status}")
    raise typer.Exit(1 if result.status == "failing" else 0)
