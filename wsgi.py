"""The composition root: ``create_app`` builds the adapters and passes them in.

Run with ``flask --app wsgi run``; CLI commands are ``flask --app wsgi <group> <command>``.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from config import load_config


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(overrides))

    from issuer.credentials_cli import sign_command
    from keys.cli import keys_cli
    from verifier.cli import verify_command

    credentials_cli = click.Group("credentials", help="Sign and verify credentials.")
    credentials_cli.add_command(sign_command)
    credentials_cli.add_command(verify_command)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(keys_cli)
    return app


