"""Class 6, network (issue #8 item 8): a key URL is fetched only when it is the issuer's own.

A JWT ``kid`` or a proof ``verificationMethod`` that is an https URL (or another party's
did:web) used to be fetched before anything tied it to the issuer: one blind GET per request to
any public host, holding a worker for the whole time limit. Now the network resolver refuses it
before any lookup or connection unless it is on the issuer's origin (an https issuer) or under
the issuer's did:web; the network guard of this folder fails the test on any attempt.
"""

from __future__ import annotations

import copy

import pytest

from keys.keypairs import KeyPair
from keys.proofs import create_proof, sign_jwt
from tests.security.conftest import failed
from tests.security.test_network import FakeDns
from tests.verifier.conftest import ISSUER_DID, NOW, STATUS_LIST_URL, make_credential
from verifier.inputs import ParsedInput
from verifier.network import NetworkPolicy, NetworkResolver
from verifier.resolvers import ChainResolver, OfflineResolver, bound_to_issuer
from verifier.verification import VerificationContext, verify


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns()


@pytest.fixture
def networked(signer, status_list, dns) -> VerificationContext:
    """Our DID offline, everything else through the real network resolver (whose lookups go
    to the fake DNS; a connection would meet the guard)."""
    resolver = ChainResolver(
        OfflineResolver(providers={ISSUER_DID: signer.did_document, STATUS_LIST_URL: status_list}),
        NetworkResolver(NetworkPolicy(), resolve_host=dns),
    )
    return VerificationContext(resolver=resolver, now=lambda: NOW)


STRANGERS = [
    "https://evil.example/keys#1",
    "https://badges.example.org.evil.example/keys#1",
    "https://badges.example.org:8443/keys#1",
    "did:web:evil.example#key-1",
]


@pytest.mark.parametrize("method", STRANGERS)
def test_a_verification_method_not_the_issuers_is_never_fetched(signer, networked, dns, method):
    signed = signer.sign_ldp(make_credential())
    forged = copy.deepcopy(signed)
    forged["proof"]["verificationMethod"] = method
    report = verify(ParsedInput("ldp", forged), networked)
    assert "is not published by the issuer did:web:badges.example.org" in failed(report)["proof"]
    assert "so it was not fetched" in failed(report)["proof"]
    assert dns.lookups == []


@pytest.mark.parametrize("kid", STRANGERS)
def test_a_jwt_kid_not_the_issuers_is_never_fetched(networked, dns, kid):
    attacker = KeyPair.generate("P-256")
    token = sign_jwt(make_credential(), attacker, kid)
    report = verify(ParsedInput("jwt", None, token), networked)
    assert "so it was not fetched" in failed(report)["proof"]
    assert dns.lookups == []


def test_the_issuers_own_did_web_key_is_still_resolved(signer, networked, dns):
    report = verify(ParsedInput("ldp", signer.sign_ldp(make_credential())), networked)
    assert report.verified, failed(report)
    assert dns.lookups == []


def test_an_https_key_on_the_issuers_origin_is_fetched(dns):
    """The binding lets the issuer's own key through to the (guarded) network: the lookup is
    made, for the issuer's host only."""
    issuer = "https://issuer.example.edu/issuers/565049"
    credential = make_credential(issuer={"id": issuer, "type": ["Profile"], "name": "X"})
    attacker = KeyPair.generate("Ed25519")
    signed = create_proof(
        credential, attacker, "https://issuer.example.edu/keys/1", created="2026-11-01T00:00:00Z"
    )
    context = VerificationContext(
        resolver=NetworkResolver(NetworkPolicy(), resolve_host=FakeDns([])), now=lambda: NOW
    )
    report = verify(ParsedInput("ldp", signed), context)
    assert "has no address" in failed(report)["proof"]


@pytest.mark.parametrize(
    ("url", "issuer", "bound"),
    [
        ("https://a.example/keys#1", "https://a.example/issuer", True),
        ("https://A.example:443/k", "https://a.example/issuer", True),
        ("https://a.example:444/k", "https://a.example/issuer", False),
        ("http://a.example/k", "https://a.example/issuer", False),
        ("https://a.example/k", "did:web:a.example", True),
        ("https://a.example/k", "did:web:a.example%3A8443", False),
        ("https://a.example:8443/k", "did:web:a.example%3A8443", True),
        ("https://a.example/users/alice/k", "did:web:a.example:users:alice", True),
        ("https://a.example/users/bob/k", "did:web:a.example:users:alice", False),
        ("https://a.example/users/alicex/k", "did:web:a.example:users:alice", False),
        ("did:web:a.example#k", "did:web:a.example", True),
        ("did:web:a.example:keys#k", "did:web:a.example", True),
        ("did:web:b.example#k", "did:web:a.example", False),
        ("did:key:z6Mk#z6Mk", "did:web:a.example", True),
        ("https://a.example/k", "", False),
        ("ftp://a.example/k", "https://a.example/", False),
    ],
)
def test_bound_to_issuer_is_same_origin_or_under_the_did_web(url, issuer, bound):
    assert bound_to_issuer(url, issuer) is bound
