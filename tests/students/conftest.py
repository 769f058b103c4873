from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.public.support import Issued, issue_award


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def issue(app: Any) -> Iterator[Callable[..., Issued]]:
    """``issue(**options)``: a real award in the app's database (see ``issue_award``)."""
    app.extensions["signer"].key_store.generate(("Ed25519", "P-256"))
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        try:
            yield lambda **options: issue_award(app, session, **options)
        finally:
            session.close()


@pytest.fixture
def db(app: Any) -> Iterator[Any]:
    """A session on the app's database, to read what the requests wrote."""
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        try:
            yield session
        finally:
            session.close()
