"""``flask --app wsgi credentials verify FILE [--email ADDRESS] [--json]``.

Exit status: 0 verified, 1 not verified, 2 unusable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from verifier.inputs import UnusableInput, parse_bytes
from verifier.report import VerificationReport
from verifier.verification import verify

_SYMBOLS = {"passed": "✔", "failed": "✘", "warning": "!", "skipped": "-"}


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--email", help="Check that the credential was awarded to this email address.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def verify_command(file: str, email: str | None, as_json: bool) -> None:
    """Verify FILE: a JSON-LD credential, a VC-JWT, or a baked PNG/SVG badge ('-' for stdin)."""
    context = current_app.extensions["verification_context"]
    try:
        data = (
            sys.stdin.buffer.read(context.limits.max_image_bytes + 1)
            if file == "-"
            else _read(file, context.limits.max_image_bytes)
        )
        parsed = parse_bytes(data, context.limits)
    except (UnusableInput, OSError) as error:
        if as_json:
            click.echo(json.dumps({"error": "unusable input", "detail": str(error)}))
        else:
            click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    report = verify(parsed, context, recipient_email=email)
    click.echo(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) if as_json else _human(report)
    )
    sys.exit(0 if report.verified else 1)


def _read(path: str, cap: int) -> bytes:
    with Path(path).open("rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise UnusableInput(f"file is larger than {cap} bytes")
    return data


def _human(report: VerificationReport) -> str:
    summary = report.credential
    lines = [
        f"{'VERIFIED' if report.verified else 'NOT VERIFIED'}: {summary.name or '(unnamed credential)'}",
        f"  issuer: {summary.issuer_name or ''} {summary.issuer_id or ''}".rstrip(),
    ]
    lines += [f"  {_SYMBOLS[c.status]} {c.id}: {c.message}" for c in report.checks]
    return "\n".join(lines)
