"""The issuer's public face: badge pages with downloads and QR codes (:mod:`.badges`), and
the documents verifiers fetch (:mod:`.artefacts`): DID document, issuer profile,
achievements and status lists."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from issuer.web.public import artefacts, badges, home, trust

    app.register_blueprint(home.bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(artefacts.bp)
    app.register_blueprint(trust.bp)
