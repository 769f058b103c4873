"""The admin web tests: the app on the test database with the network of ``data.py``, and a
test client that signs in and sends the form's CSRF token like a browser would."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from issuer.services.issuance import IssuerSite
from tests.web_admin.data import PASSWORD, Network, build_network

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client with a CSRF-aware ``post``."""

    def __init__(self, client: FlaskClient, net: Network) -> None:
        self.client, self.net = client, net

    def token(self) -> str:
        with self.client.session_transaction() as session:
            token = session.get("csrf_token")
        if token is None:  # no page rendered yet in this session: fetch one
            match = _TOKEN.search(self.client.get("/login").get_data(as_text=True))
            assert match, "the sign-in page has no CSRF token"
            token = match.group(1)
        return token

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.token(), **(data or {})}, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.post("/login", {"email": email, "password": password})

    def logout(self) -> Any:
        return self.post("/logout")


@pytest.fixture
def net(app: Any, tmp_path: Path) -> Network:
    app.config["BULK_UPLOAD_DIR"] = str(tmp_path / "bulk-uploads")
    app.extensions["signer"].key_store.generate(("Ed25519", "P-256"))
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        try:
            return build_network(
                session,
                signer=app.extensions["signer"],
                site=IssuerSite.from_config(app.config),
                now=datetime.now(UTC),
            )
        finally:
            session.close()


@pytest.fixture
def web(app: Any, net: Network) -> Browser:
    return Browser(app.test_client(), net)


@pytest.fixture
def db(app: Any) -> Any:
    """A session for checking what the views wrote."""
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        yield session
        session.close()


# -- accounts-mail: a real SMTP sink and delivery to it ----------------------------------------
@pytest.fixture
def smtp_sink() -> Any:
    """An aiosmtpd SMTP server on a free local port, keeping what it receives."""
    from issuer.notifications.sink import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def deliver(app: Any, smtp_sink: Any) -> Any:
    """``deliver(**settings)`` runs the delivery worker once against the sink (or the
    ``host``/``port`` given) and returns the batch totals."""
    from issuer.notifications.delivery import MailSettings, SmtpTransport, deliver_all_due

    def run(clock: Any = None, **overrides: Any) -> Any:
        values = {"host": smtp_sink.host, "port": smtp_sink.port, "timeout": 2.0, **overrides}
        settings = MailSettings(**values)
        kwargs = {"clock": clock} if clock else {}
        return deliver_all_due(
            app.extensions["sqlalchemy_sessionmaker"], SmtpTransport(settings), settings, **kwargs
        )

    return run
