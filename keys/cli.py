"""``flask --app wsgi keys generate|rotate|list``: manage the issuer's signing keys."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from keys.did import controller_document, mark_revoked
from keys.keypairs import KEY_TYPES
from keys.store import KeyStore, KeyStoreError

keys_cli = click.Group("keys")  # registered, with its help, by wsgi.create_app


def _store() -> KeyStore:
    return KeyStore.from_config(current_app.config, current_app.instance_path)


def _issuer_did() -> str:
    return f"did:web:{current_app.config['ISSUER_DOMAIN']}"


_type_option = click.option(
    "--type",
    "key_types",
    type=click.Choice(KEY_TYPES),
    multiple=True,
    help="Key type (repeatable). Default: all of Ed25519 (Data Integrity), P-256 and RSA (JWT).",
)


@keys_cli.command("generate")
@_type_option
@with_appcontext
def generate_command(key_types: tuple[str, ...]) -> None:
    """Create a current key of each type that has none (existing keys are kept)."""
    try:
        created = _store().generate(tuple(key_types) or KEY_TYPES)  # type: ignore[arg-type]
    except KeyStoreError as error:
        raise click.ClickException(str(error)) from None
    if not created:
        click.echo("Every key type already has a current key; use 'keys rotate' to replace them.")
    for record in created:
        click.echo(f"created {record.key_type} key {_issuer_did()}#{record.id}")


@keys_cli.command("rotate")
@_type_option
@with_appcontext
def rotate_command(key_types: tuple[str, ...]) -> None:
    """Retire the current keys and create new ones. Retired keys stay in the DID document."""
    try:
        created = _store().rotate(tuple(key_types) or KEY_TYPES)  # type: ignore[arg-type]
    except KeyStoreError as error:
        raise click.ClickException(str(error)) from None
    for record in created:
        click.echo(f"rotated: new current {record.key_type} key {_issuer_did()}#{record.id}")


@keys_cli.command("list")
@click.option("--did-document", is_flag=True, help="Print the issuer's DID document instead.")
@with_appcontext
def list_command(did_document: bool) -> None:
    """List keys (id, type, status, created) or print the DID document."""
    store = _store()
    try:
        if did_document:
            document = controller_document(_issuer_did(), store.public_keys())
            document = mark_revoked(document, store.revoked_keys())
            click.echo(json.dumps(document, indent=2))
            return
        records = store.records()
    except KeyStoreError as error:
        raise click.ClickException(str(error)) from None
    if not records:
        click.echo("No keys yet: run 'flask --app wsgi keys generate'.")
    for record in records:
        click.echo(
            f"{_issuer_did()}#{record.id}\t{record.key_type}\t{record.status}\t{record.created}"
        )
