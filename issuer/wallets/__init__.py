"""Delivering an award to a student's wallet: one module per protocol, each with its own
blueprint (``oid4vci``: OpenID4VCI 1.0 pre-authorized code flow; ``vcapi_exchange``: VC-API
exchanges as the DCC Learner Credential Wallet uses them). ``offers`` keeps the single-use,
expiring offers; ``holder_proofs`` checks the wallet's proof of its key. The credential a
wallet receives comes from ``issuer.services.issuance.credential_for_holder``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register both protocols' blueprints. Wallets post JSON or forms without our session
    cookie, authenticated by the offer's own secrets, so CSRF tokens do not apply."""
    from issuer.wallets import oid4vci, vcapi_exchange

    for blueprint in (oid4vci.bp, vcapi_exchange.bp):
        app.register_blueprint(blueprint)
    exempt = tuple(app.config.get("CSRF_EXEMPT_BLUEPRINTS", ()))
    app.config["CSRF_EXEMPT_BLUEPRINTS"] = (*exempt, oid4vci.bp.name, vcapi_exchange.bp.name)
