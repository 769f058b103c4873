"""Browser fixtures: the real app served over HTTP, and headless Chromium through Playwright.

Use them like this (mark every browser test; they skip when /usr/bin/chromium is missing)::

    import pytest

    @pytest.mark.browser
    def test_something(live_server, page, screenshot):
        with live_server.session() as db:          # a SQLAlchemy session on the app's database
            ...add rows, db.commit()...
        page.goto(live_server.url("/login"))        # or page.goto("/login"): base_url is set
        screenshot(page, "login")                   # test-artifacts/screenshots/<test>-login.png

- ``live_server``: ``create_app`` on the test database (SQLite, or PostgreSQL with
  DATABASE_URL), served by werkzeug's ``make_server`` in a thread on 127.0.0.1 and a free port;
  ``PUBLIC_BASE_URL`` is that address, so links in credentials point at the live server; the
  signer has fresh Ed25519 and P-256 keys.
  Every table is emptied after the test. Override the ``live_app_config`` fixture in your
  module to change config keys.
- ``browser``: one Chromium for the whole run; ``page``: a fresh context (cookies) per test.
- ``screenshot(page, name)``: a full-page PNG, named after the test.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import _empty_all_tables

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class LiveServer:
    base_url: str
    app: Any

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the app's database (commit what you add)."""
        with self.app.app_context():
            session = self.app.extensions["sqlalchemy_sessionmaker"]()
            try:
                yield session
            finally:
                session.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_app_config() -> dict[str, Any]:
    """Extra config for the live app; override in a test module to change it."""
    return {}


@pytest.fixture
def live_server(
    database_url: str, engine: Engine, tmp_path: Path, live_app_config: dict[str, Any]
) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from wsgi import create_app

    port = _free_port()
    app = create_app(
        {
            "ENV_NAME": "test",
            "DATABASE_URL": database_url,
            "KEYS_DIR": str(tmp_path / "keys"),
            "KEY_SCRYPT_N": 2**10,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ISSUER_DOMAIN": f"127.0.0.1%3A{port}",
            "BULK_UPLOAD_DIR": str(tmp_path / "bulk-uploads"),
            **live_app_config,
        }
    )
    app.extensions["signer"].key_store.generate(("Ed25519", "P-256"))  # fresh, per test
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        _empty_all_tables(engine)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)

    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
