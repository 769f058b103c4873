"""What a view needs from the app besides the database: the clock, the signer, the site."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from issuer.services import issuance


def now() -> datetime:
    """The time every rule in this request is checked at."""
    return datetime.now(UTC)


def signer() -> issuance.Signer:
    """The app's credential signer (built once in ``create_app``)."""
    return current_app.extensions["signer"]


def site() -> issuance.IssuerSite:
    return issuance.IssuerSite.from_config(current_app.config)
