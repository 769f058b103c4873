"""HTTP caching for every page of the app: versioned static files and conditional GETs.

- Every ``url_for("static", filename=...)`` carries ``?v=`` and the first 12 hex digits of the
  file's SHA-256; a request naming the current version is answered with
  ``Cache-Control: public, max-age=31536000, immutable`` (a changed file gets a new URL, so a
  deploy is never hidden behind a stale copy). Other static requests revalidate.
- ``/favicon.ico``, the address browsers and crawlers ask for without reading the page, is
  a permanent redirect (cached a day) to the icon's versioned static URL, which is cached
  like every static file; pages name the SVG icon with ``<link rel="icon">``.
- HTML pages answered 200 to a GET get a strong ETag of their body and a 304 for a matching
  ``If-None-Match``: a phone re-opening a badge page downloads nothing when nothing changed.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, request, url_for

YEAR = 365 * 24 * 3600
DAY = 24 * 3600


@functools.cache
def asset_version(static_folder: str, filename: str) -> str | None:
    """The version of a static file (12 hex digits of its SHA-256), or None when it does not
    exist or lies outside the folder. Cached per process: files change only with a deploy."""
    folder = Path(static_folder).resolve()
    path = (folder / filename).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    static_folder = str(app.static_folder)

    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = asset_version(static_folder, values["filename"])
            if version is not None:
                values["v"] = version

    def favicon() -> Response:
        response = redirect(url_for("static", filename="favicon.ico"), code=301)
        response.cache_control.public = True
        response.cache_control.max_age = DAY
        return response

    app.add_url_rule("/favicon.ico", "favicon", favicon)

    @app.after_request
    def _cache_headers(response: Response) -> Response:
        if request.endpoint == "static":
            filename = (request.view_args or {}).get("filename", "")
            version = asset_version(static_folder, filename)
            if version is not None and request.args.get("v") == version:
                # send_static_file marks the file no-cache (revalidate on every use), which
                # would cancel the year: a versioned URL never changes, so drop it.
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
        elif (
            request.method == "GET"
            and response.status_code == 200
            and response.mimetype == "text/html"
            and not response.direct_passthrough
        ):
            response.add_etag()
            response.make_conditional(request)
        return response
