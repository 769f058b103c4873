"""``flask --app wsgi credentials sign FILE [--format ldp|jwt|jose]``."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from issuer.signing import signer_from_config
from keys.store import KeyStoreError
from verifier.inputs import UnusableInput, parse_json


@click.command("sign")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["ldp", "jwt", "jose"]),
    default="ldp",
    show_default=True,
    help="ldp: JSON-LD with an eddsa-rdfc-2022 proof; jwt: OB 3.0 VC-JWT; jose: VC-JOSE (typ vc+jwt).",
)
@with_appcontext
def sign_command(file: click.utils.LazyFile, output_format: str) -> None:
    """Print FILE (an unsigned credential, '-' for stdin) signed by the issuer's current key."""
    try:
        credential = parse_json(file.read())
    except UnusableInput as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    if not isinstance(credential, dict):
        click.echo("Error: a credential must be a JSON object", err=True)
        sys.exit(2)
    signer = signer_from_config(current_app.config, current_app.instance_path)
    try:
        if output_format == "ldp":
            click.echo(json.dumps(signer.sign_ldp(credential), indent=2, ensure_ascii=False))
        else:
            jwt_format = "vc-jwt" if output_format == "jwt" else "vc-jose"
            click.echo(signer.sign_jwt(credential, jwt_format=jwt_format))
    except KeyStoreError as error:
        raise click.ClickException(str(error)) from None
