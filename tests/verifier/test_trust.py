"""verifier.trust alone: what an unreadable, foreign-signed or oversized registry means, and
that recognition is never claimed without a registry that verified."""

from __future__ import annotations

import pytest

from verifier.resolvers import NeedsNetwork, ResolutionError
from verifier.trust import (
    MAX_REGISTRY_ENTRIES,
    RegistryError,
    RegistryPolicy,
    check_recognition,
    read_registry,
)

ALLIANCE = "did:web:badges.example.org"
POLICY = RegistryPolicy("https://badges.example.org/registry/issuers", ALLIANCE, "the Alliance")


def registry(*subjects, issuer=ALLIANCE):
    return {"issuer": {"id": issuer}, "credentialSubject": list(subjects)}


class Fixed:
    def __init__(self, document=None, error=None):
        self.document, self.error = document, error

    def resolve(self, url):
        if self.error:
            raise self.error
        return self.document


def holds(document):
    return None


def test_a_listed_issuer_is_recognized_by_name():
    document = registry({"id": "did:key:z6Mk1", "type": ["Profile"], "name": "Valley College"})
    result = check_recognition("did:key:z6Mk1", POLICY, Fixed(document), holds)
    assert (result.status, result.recognized) == ("passed", True)
    assert result.message == "Issuer recognized by the Alliance: Valley College"


def test_an_unlisted_issuer_is_a_warning_not_a_failure():
    result = check_recognition("did:key:z6Mk2", POLICY, Fixed(registry()), holds)
    assert (result.status, result.recognized) == ("warning", False)
    assert result.message == "Signature valid · issuer not recognized by the Alliance"


@pytest.mark.parametrize(
    "error", [NeedsNetwork("needs the network"), ResolutionError("no such document")]
)
def test_an_unreadable_registry_claims_nothing(error):
    result = check_recognition(ALLIANCE, POLICY, Fixed(error=error), holds)
    assert (result.status, result.recognized) == ("warning", None)


def test_a_registry_whose_proof_fails_claims_nothing():
    document = registry({"id": ALLIANCE, "name": "The Alliance"})
    result = check_recognition(ALLIANCE, POLICY, Fixed(document), lambda d: "bad signature")
    assert (result.status, result.recognized) == ("warning", None)
    assert "bad signature" in result.message


def test_a_registry_issued_by_someone_else_is_refused():
    with pytest.raises(RegistryError, match="not issued by"):
        read_registry(registry({"id": ALLIANCE, "name": "X"}, issuer="did:key:z6MkOther"), POLICY)


@pytest.mark.parametrize(
    "subjects",
    [
        ["not an object"],
        [{"name": "no id"}],
        [{"id": "did:key:z6Mk1"}],
        [{"id": f"did:key:z{n}", "name": "n"} for n in range(MAX_REGISTRY_ENTRIES + 1)],
    ],
)
def test_malformed_or_oversized_registries_are_refused(subjects):
    with pytest.raises(RegistryError):
        read_registry(registry(*subjects), POLICY)


def test_without_a_registry_or_an_issuer_nothing_is_looked_up():
    class Never:
        def resolve(self, url):
            raise AssertionError("resolved")

    assert check_recognition(ALLIANCE, None, Never(), holds).status == "skipped"
    assert check_recognition(None, POLICY, Never(), holds).recognized is None
