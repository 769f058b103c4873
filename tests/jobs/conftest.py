"""Job tests use the issuer's database world (tests/issuer/conftest.py)."""

from tests.issuer.conftest import fake_signer, world  # noqa: F401 - fixtures used here
