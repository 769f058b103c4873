"""The composition root: ``create_app`` builds the adapters and passes them in.

Run with ``flask --app wsgi run``; CLI commands are ``flask --app wsgi <group> <command>``.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from config import load_config
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(overrides))

    from issuer import cli as issuer_cli
    from issuer import database
    from issuer import web as issuer_web
    from issuer.credentials_cli import sign_command
    from issuer.signing import signer_from_config
    from keys.cli import keys_cli
    from verifier.cli import verify_command

    database.init_app(app)
    app.extensions["signer"] = signer_from_config(app.config, app.instance_path)
    app.extensions["verification_context"] = _verification_context(app)

    credentials_cli = click.Group("credentials", help="Sign and verify credentials.")
    credentials_cli.add_command(sign_command)
    credentials_cli.add_command(verify_command)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(keys_cli)
    issuer_cli.init_app(app)
    issuer_web.init_app(app)
    if app.config["LOAD_BADGES_ON_START"]:
        issuer_cli.load_badges_on_start(app)
    return app


def _verification_context(app: Flask) -> VerificationContext:
    """Offline by default: did:key, plus our own DID document served from the key store."""
    signer = app.extensions["signer"]
    resolver = OfflineResolver(providers={signer.issuer_did: signer.did_document})
    return VerificationContext(resolver=resolver)
