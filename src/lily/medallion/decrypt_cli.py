"""``lily anonymize decrypt TOKEN...``: the plaintexts of ``encrypt`` tokens, one a line, audited.

Like ``lily token create`` and ``lily classify confirm``, it acts inside Lily from the machine that
holds its data directory: whoever can read the tenant's key file there is an administrator already.
The call is audited in the store as ``cli:<login user>`` (never with the tokens or the plaintexts).
"""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="Anonymized values: decrypt `encrypt` tokens (audited).", no_args_is_help=True)
console = Console(stderr=True)


@app.command("decrypt")
def decrypt_command(values: list[str] = typer.Argument(..., help="tokens written by the `encrypt` operator"),
                    tenant: str | None = typer.Option(None, help="tenant of the keys (default: LILY_PIPELINE_TENANT)"),
                    ) -> None:
    """Print the plaintext of each token, in order; exit 1 (nothing printed) when one is not a token."""
    import getpass
    from datetime import UTC, datetime

    from lily.anonymize import DecryptionError, KeyRingError, load_keyring
    from lily.medallion.cli import open_store
    from lily.medallion.decryption import decrypt_audited
    from lily.settings import Settings

    settings = Settings()
    tenant_id = tenant or settings.pipeline_tenant
    try:
        keys = load_keyring(tenant_id, settings.data_dir)
        plain = decrypt_audited(open_store(tenant_id), keys, values, tenant_id=tenant_id,
                                actor=f"cli:{getpass.getuser()}", at=datetime.now(UTC))
    except (DecryptionError, KeyRingError) as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc
    for value in plain:
        typer.echo(value)
