"""Student pages use the public tests' app fixtures (``client``, ``issue``) and a session to
read what the requests wrote."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.public.conftest import client, issue  # noqa: F401 - fixtures used here


@pytest.fixture
def db(app: Any) -> Iterator[Any]:
    """A session on the app's database, to read what the requests wrote."""
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        try:
            yield session
        finally:
            session.close()
