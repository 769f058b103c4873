"""The admin pages under ``/admin``: every view needs a signed-in user, and each view checks
what that user may see (``access``). Views are thin: they read forms, call services, and own
the transaction (commit on success)."""

from __future__ import annotations

from flask import Blueprint

from issuer.web.admin import errors

bp = Blueprint("admin", __name__, url_prefix="/admin")
errors.register(bp)

# The view modules attach their routes to ``bp``.
from issuer.web.admin import (  # noqa: E402
    alliance,  # noqa: F401
    audit_log,  # noqa: F401
    awards,  # noqa: F401
    bulk,  # noqa: F401
    cohort_awards,  # noqa: F401
    dashboard,  # noqa: F401
    deliveries,  # noqa: F401
    employer,  # noqa: F401
    grid,  # noqa: F401
    pathways,  # noqa: F401
    people,  # noqa: F401
    roster,  # noqa: F401
    trust,  # noqa: F401
)
