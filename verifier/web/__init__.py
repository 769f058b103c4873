"""The public verifier on the web: the /verify page and the JSON API (``/api/v1``).

Only the Flask-free :mod:`verifier.web.lookup` is safe to import from outside the web layer;
``init_app`` imports the views when the app is built.
"""

from __future__ import annotations

from typing import Any


def init_app(app: Any) -> None:
    """Register the /verify pages and the /api/v1 verifier API on ``app``."""
    from verifier.rate_limit import RateLimit, store_from_url
    from verifier.verdict import exact_utc, plain_date, utc_iso
    from verifier.web import api, pages
    from verifier.web.admission import init_admission

    store = app.extensions.setdefault(
        "rate_limit_store", store_from_url(app.config.get("RATE_LIMIT_STORAGE_URL", "memory://"))
    )
    app.extensions["verify_rate_limit"] = RateLimit(
        store,
        limit=int(app.config.get("VERIFY_RATE_LIMIT", 60)),
        window_seconds=float(app.config.get("VERIFY_RATE_WINDOW_SECONDS", 60)),
    )
    init_admission(app)
    # Dates in words with the exact instant beside them (templates/_time.html).
    app.add_template_filter(plain_date, "plain_date")
    app.add_template_filter(utc_iso, "utc_iso")
    app.add_template_filter(exact_utc, "exact_utc")
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    # The API is stateless and reads no cookies, so cross-site forgery has nothing to ride on.
    exempt = tuple(app.config.get("CSRF_EXEMPT_BLUEPRINTS", ()))
    if api.bp.name not in exempt:
        app.config["CSRF_EXEMPT_BLUEPRINTS"] = (*exempt, api.bp.name)
