"""W3C Bitstring Status List v1.0 §3.2 "Validate Algorithm", rule by rule, with the §3.4 error
names in the report; the list read as JSON-LD (Data Integrity) or as a VC-JOSE JWT."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from issuer.signing import CredentialSigner
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from tests.verifier.conftest import ISSUER_DID, NOW, STATUS_LIST_URL, make_credential
from verifier.inputs import ParsedInput
from verifier.resolvers import OfflineResolver
from verifier.status import StatusEntry, check_bitstring_entry, encode_bitstring
from verifier.verification import VerificationContext, verify

MINIMUM_BITS = 131_072


def _list(signer, *, bits: bytes | None = None, **changes):
    subject = {
        "id": STATUS_LIST_URL + "#list",
        "type": "BitstringStatusList",
        "statusPurpose": changes.pop("purpose", "revocation"),
        "encodedList": encode_bitstring(bits if bits is not None else bytes(MINIMUM_BITS // 8)),
        **changes.pop("subject", {}),
    }
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
        **changes,
    }
    return unsigned


def _verify(signer, credential, status_list):
    resolver = OfflineResolver(
        providers={ISSUER_DID: signer.did_document, STATUS_LIST_URL: lambda: status_list}
    )
    context = VerificationContext(resolver=resolver, now=lambda: NOW)
    return verify(ParsedInput("ldp", signer.sign_ldp(credential)), context)


def _status(report):
    check = report.check("status")
    return check.status, check.message


def _set(index: int, bits: bytearray | None = None) -> bytes:
    bits = bits or bytearray(MINIMUM_BITS // 8)
    bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def test_3_2_a_set_bit_is_revoked_and_a_clear_one_active(signer):
    revoked = _verify(signer, make_credential(), signer.sign_ldp(_list(signer, bits=_set(42))))
    assert _status(revoked) == ("failed", "The credential has been revoked by its issuer")
    assert not revoked.verified
    active = _verify(signer, make_credential(), signer.sign_ldp(_list(signer, bits=_set(41))))
    assert active.verified and _status(active)[0] == "passed"


def test_3_2_step_9_a_list_below_131072_entries_is_a_status_list_length_error(signer):
    short = signer.sign_ldp(_list(signer, bits=bytes(16_384 // 8)))
    status, message = _status(_verify(signer, make_credential(), short))
    assert status == "failed"
    assert "STATUS_LIST_LENGTH_ERROR" in message and "16,384 entries" in message


def test_3_2_step_9_the_length_counts_entries_of_status_size_bits(signer):
    """131,072 bits hold only 65,536 two-bit entries: too short at statusSize 2."""
    credential = make_credential()
    credential["credentialStatus"] |= {
        "statusSize": 2,
        "statusMessage": [{"status": f"0x{n}", "message": f"m{n}"} for n in range(4)],
    }
    _, message = _status(_verify(signer, credential, signer.sign_ldp(_list(signer))))
    assert "STATUS_LIST_LENGTH_ERROR" in message and "65,536 entries" in message


def test_2_1_status_size_reads_that_many_bits_at_index_times_size():
    """statusSize 2, index 3: bits 6 and 7 (0b01 = 0x1), whose statusMessage is returned."""
    bits = _set(7, bytearray(2 * MINIMUM_BITS // 8))
    entry = StatusEntry(
        "BitstringStatusListEntry", STATUS_LIST_URL, 3, "message", size=2,
        messages=(("0x0", "pending"), ("0x1", "accepted"), ("0x2", "rejected"), ("0x3", "x")),
    )  # fmt: skip
    status_list = {"credentialSubject": {"statusPurpose": "message",
                                         "encodedList": encode_bitstring(bits)}}  # fmt: skip
    result = check_bitstring_entry(entry, status_list)
    assert (result.set, result.message) == (True, "accepted")
    entry_at_2 = StatusEntry(**{**entry.__dict__, "index": 2})
    assert check_bitstring_entry(entry_at_2, status_list).message == "pending"


def test_2_1_status_size_above_one_needs_a_status_message_per_value(signer):
    credential = make_credential()
    credential["credentialStatus"]["statusSize"] = 2
    long_list = signer.sign_ldp(_list(signer, bits=bytes(2 * MINIMUM_BITS // 8)))
    status, message = _status(_verify(signer, credential, long_list))
    assert status == "failed" and "MALFORMED_VALUE_ERROR" in message and "statusMessage" in message


def test_3_2_step_5_the_entry_purpose_must_be_a_purpose_of_the_list(signer):
    suspension_list = signer.sign_ldp(_list(signer, purpose="suspension"))
    _, message = _status(_verify(signer, make_credential(), suspension_list))
    assert "STATUS_VERIFICATION_ERROR" in message and "'suspension'" in message


def test_3_2_step_4_the_list_must_be_signed_and_verify(signer):
    tampered = signer.sign_ldp(_list(signer, bits=_set(42)))
    tampered["credentialSubject"]["encodedList"] = encode_bitstring(bytes(MINIMUM_BITS // 8))
    _, message = _status(_verify(signer, make_credential(), tampered))
    assert "STATUS_VERIFICATION_ERROR" in message and "does not verify" in message


def test_the_list_must_be_issued_by_the_credentials_issuer(signer):
    """Someone else's validly signed list cannot speak for our credential. Our rule beyond
    §3.2 step 4 (which asks only that the list's proofs verify), reported with that step's
    STATUS_VERIFICATION_ERROR (§3.4)."""
    stranger = KeyPair.generate()
    did = "did:key:" + stranger.public_key.to_multikey()
    foreign = create_proof(
        _list(signer, issuer=did), stranger, f"{did}#{did[8:]}", created="2026-01-01T00:00:00Z"
    )
    _, message = _status(_verify(signer, make_credential(), foreign))
    assert "STATUS_VERIFICATION_ERROR" in message and f"issued by {did!r}" in message


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [({"validUntil": (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}, "Expired"),
     ({"validFrom": (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}, "Not valid yet")],
)  # fmt: skip
def test_the_list_must_be_within_its_validity_period(signer, changes, phrase):
    """§2.2 BitstringStatusListCredential ``validFrom``/``validUntil`` (VC DM 2.0 §4.9 Validity
    Period): a list outside its period is not verified, §3.2 step 4's STATUS_VERIFICATION_ERROR."""
    status_list = signer.sign_ldp(_list(signer, **changes))
    _, message = _status(_verify(signer, make_credential(), status_list))
    assert "STATUS_VERIFICATION_ERROR" in message and phrase in message


def test_3_2_step_10_an_index_outside_the_list_is_a_range_error(signer):
    credential = make_credential()
    credential["credentialStatus"]["statusListIndex"] = str(MINIMUM_BITS)
    _, message = _status(_verify(signer, credential, signer.sign_ldp(_list(signer))))
    assert "RANGE_ERROR" in message


def test_3_2_step_4_an_unreachable_list_is_a_status_retrieval_error(signer):
    """§3.2 step 4: "If the dereference fails, raise a STATUS_RETRIEVAL_ERROR"."""
    credential = make_credential()
    credential["credentialStatus"]["statusListCredential"] = "urn:example:nowhere"
    _, message = _status(_verify(signer, credential, {}))
    assert "STATUS_RETRIEVAL_ERROR" in message


def test_2_1_the_list_must_be_a_bitstring_status_list_credential(signer):
    """§2.1 statusListCredential: "When the URL is dereferenced, the resulting verifiable
    credential MUST have type property that includes the BitstringStatusListCredential value"
    (a validly signed credential of another type is not a status list)."""
    not_a_list = signer.sign_ldp({**_list(signer), "type": ["VerifiableCredential"]})
    _, message = _status(_verify(signer, make_credential(), not_a_list))
    assert (
        "STATUS_VERIFICATION_ERROR" in message and "not a BitstringStatusListCredential" in message
    )


def test_3_4_an_enveloped_list_that_is_not_a_vc_jwt_is_a_malformed_value_error(signer):
    """VC DM 2.0 §4.13: an EnvelopedVerifiableCredential's ``id`` is a data: URL of the
    enveloped credential's media type; a list enveloped as anything but a VC-JWT cannot be read
    (§3.4 MALFORMED_VALUE_ERROR), and is never taken as "not revoked"."""
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+ld+json," + json.dumps(_list(signer)),
    }
    status, message = _status(_verify(signer, make_credential(), enveloped))
    assert status == "failed" and "MALFORMED_VALUE_ERROR" in message


@pytest.mark.parametrize("revoked", [True, False])
def test_the_list_as_a_vc_jose_jwt_is_read_like_the_json_ld_one(key_store, signer, revoked):
    """VC DM 2.0 §4.13: a list fetched as a JWT comes back as an EnvelopedVerifiableCredential."""
    jwt_signer = CredentialSigner(ISSUER_DID, key_store)
    token = jwt_signer.sign_jwt(
        _list(signer, bits=_set(42 if revoked else 7)), jwt_format="vc-jose"
    )
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + token,
    }
    report = _verify(signer, make_credential(), enveloped)
    if revoked:
        assert _status(report) == ("failed", "The credential has been revoked by its issuer")
    else:
        assert report.verified and _status(report)[0] == "passed"


def test_a_forged_status_list_jwt_fails_verification(key_store, signer):
    token = CredentialSigner(ISSUER_DID, key_store).sign_jwt(
        _list(signer, bits=_set(42)), jwt_format="vc-jose"
    )
    header, _, signature = token.split(".")
    other = CredentialSigner(ISSUER_DID, key_store).sign_jwt(_list(signer), jwt_format="vc-jose")
    forged = f"{header}.{other.split('.')[1]}.{signature}"
    enveloped = {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + forged}
    _, message = _status(_verify(signer, make_credential(), enveloped))
    assert "STATUS_VERIFICATION_ERROR" in message
