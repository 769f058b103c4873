"""pyld 3.3 is the byte-for-byte reference of our canonicalizer in every pyld comparison here,
with one substitution: its N-Quads string escaping (``pyld.nquads.escape``) escapes only
``\\ \t \n \r "`` and leaves the other control characters raw, which RDFC-1.0's canonical
N-Quads forbid (they must be written ``\\u000B`` etc.; Digital Bazaar's rdf-canonize does so,
and credentials holding such characters are signed that way). The comparisons therefore run
pyld with the canonical escaping; ``test_canonical.py`` pins the difference with raw pyld and
tests/interop checks the escaping against rdf-canonize."""

import pytest
from pyld import nquads

from schemas._canon_quads import escape
from tests.verifier.conftest import (  # noqa: F401 - fixtures for test_context_3_0_3
    context,
    key_store,
    revoked_indexes,
    signer,
    status_list,
)

PYLD_ESCAPE = nquads.escape  # pyld 3.3.0's own, as it ships


@pytest.fixture(autouse=True, scope="module")
def pyld_with_canonical_escapes():
    nquads.escape = escape
    yield
    nquads.escape = PYLD_ESCAPE
