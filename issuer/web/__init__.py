"""The issuer's web side: sign-in, the admin pages, and the cross-cutting request hooks.

``init_app`` is called once from ``wsgi.create_app``. Add a blueprint by appending it to
``blueprints()``.
"""

from __future__ import annotations

from flask import Blueprint, Flask


def blueprints() -> list[Blueprint]:
    from issuer.web import auth
    from issuer.web.admin import bp as admin_bp
    from issuer.web.students import bp as students_bp

    return [
        auth.bp,
        admin_bp,
        students_bp,
    ]


def init_app(app: Flask) -> None:
    """Security headers, HTTP caching, error pages, the signed-in user, CSRF, then the
    blueprints."""
    from issuer.web import auth, caching, csrf, error_pages, security

    security.init_app(app)
    caching.init_app(app)
    error_pages.init_app(app)  # site-wide pages for errors no blueprint answers itself
    auth.init_app(app)  # before the CSRF check, so its error page knows who is signed in
    csrf.init_app(app)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
