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
- ``axe_check(page)``: runs axe-core (``tests/browser/node_modules``, installed by
  ``scripts/test.sh`` from the committed lock) on the page as it is now and fails the test on
  any serious or critical violation, listing each rule, its help text and the offending
  elements; returns the full list of violations (all impacts) for further assertions.
- ``fits_viewport(page)``: asserts nothing on the page is wider than the viewport
  (``document.documentElement.scrollWidth <= innerWidth``).
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
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# Impacts that fail a page; "minor" and "moderate" findings are returned, not fatal.
AXE_FATAL_IMPACTS = frozenset({"serious", "critical"})


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


@pytest.fixture(scope="session")
def _axe_source() -> str:
    if not AXE.exists():
        pytest.skip(
            f"the accessibility check needs axe-core at {AXE} (npm ci --prefix tests/browser)"
        )
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def axe_check(_axe_source: str) -> Callable[..., list[dict[str, Any]]]:
    """``axe_check(page)`` fails on serious or critical axe-core violations of the page.

    axe is evaluated through the DevTools protocol (``page.evaluate``), which the page's
    Content-Security-Policy does not govern, so no inline script is added to the page and the
    CSP stays as served. WCAG 2.0/2.1/2.2 A and AA rules and axe's best practices run.
    """

    def check(page: Any) -> list[dict[str, Any]]:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(f"() => {{ {_axe_source}\n }}")
        results = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                    summary: v.nodes.map(n => n.failureSummary).slice(0, 1),
                }));
            }"""
        )
        fatal = [v for v in results if v["impact"] in AXE_FATAL_IMPACTS]
        assert not fatal, f"axe-core on {page.url}:\n" + "\n".join(
            f"- {v['impact']} {v['id']}: {v['help']} at {v['targets']} {v['summary']}"
            for v in fatal
        )
        return results

    return check


@pytest.fixture
def fits_viewport() -> Callable[[Any], None]:
    """``fits_viewport(page)``: nothing on the page is wider than the viewport."""

    def check(page: Any) -> None:
        page.wait_for_load_state("load")  # the stylesheet applied: unstyled pages are wider
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (
            f"{page.url} is {widths[0]} px wide in a {widths[1]} px viewport"
        )

    return check
