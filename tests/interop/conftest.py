"""The issuer's database world and the employer-trust fixtures, for the endorsement interop
tests (the fixtures live with the tests of #11 in tests/issuer)."""

from tests.issuer.conftest import world  # noqa: F401 - fixture
from tests.issuer.test_employer_trust import employers, partner  # noqa: F401 - fixtures
