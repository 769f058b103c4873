"""Issue #11 end to end below the web: the signed registry of recognized issuers and the
employer's own endorsement, issued by the services and judged by the project's verifier
through the same local trust documents the app serves."""

from __future__ import annotations

import copy
import io
from datetime import timedelta

import pytest

from issuer.jobs import bulk
from issuer.models import Award, RegistryEntryStatus, Role
from issuer.permissions import PermissionDenied
from issuer.services import endorsements, issuance, registry, revocation, status_lists, users
from issuer.signing import CredentialSigner, EmployerSigners
from issuer.trust_sources import TrustDocuments
from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from keys.store import KeyStore
from tests.issuer.conftest import SITE
from verifier.inputs import ParsedInput
from verifier.resolvers import ChainResolver, OfflineResolver
from verifier.trust import RegistryPolicy
from verifier.verification import VerificationContext, verify

PASSWORD = "correct horse battery staple"


@pytest.fixture
def employers(tmp_path, world):
    return EmployerSigners(
        tmp_path / "employers",
        "test-passphrase",
        issuer_domain="badges.example.org",
        scrypt_n=2**10,
        clock=lambda: world.now,
    )


@pytest.fixture
def partner(world):
    user = users.create_user(
        world.session,
        email="partner@sutterhealth.example.org",
        name="Sutter partner",
        role=Role.EMPLOYER_PARTNER,
        password=PASSWORD,
        organisation=world.badge.employer,
        actor=None,
        now=world.now,
    )
    world.session.commit()
    return user


class Trust:
    """The verifier wired as wsgi.py wires it, over the test database."""

    def __init__(self, world, signer, employers, documents=None) -> None:
        self.world, self.signer = world, signer
        self.trust = TrustDocuments(
            lambda: world.session,
            signed_registry=registry.SignedRegistry(
                signer, base_url=SITE.base_url, issuer_name=SITE.issuer_name
            ),
            employers=employers,
            base_url=SITE.base_url,
            clock=lambda: world.now,
        )
        self.extra = documents or {}

    def context(self, at=None) -> VerificationContext:
        world, signer = self.world, self.signer

        def status_list():
            return status_lists.publish(
                world.session, 1, signer, world.now, base_url=SITE.base_url
            ).credential

        return VerificationContext(
            resolver=ChainResolver(
                OfflineResolver(documents=self.extra),
                self.trust,
                OfflineResolver(
                    providers={
                        signer.issuer_did: signer.did_document,
                        f"{SITE.base_url}/status-lists/1": status_list,
                    }
                ),
            ),
            now=lambda: at or world.now + timedelta(hours=1),
            registry=RegistryPolicy(
                registry.registry_url(SITE.base_url),
                signer.issuer_did,
                "the Linked Learning Alliance",
            ),
        )

    def verify(self, credential, at=None):
        return verify(ParsedInput("ldp", credential), self.context(at))


def _issue(world, signer, name="Ana Chen"):
    student = world.student(world.pathways.silver, name)
    award = issuance.issue_badge(
        world.session,
        student=student,
        badge=world.badge,
        actor=None,
        signer=signer,
        site=SITE,
        now=world.now,
    )
    world.session.commit()
    return award


def _statuses(report):
    return {check.id: check.status for check in report.checks}


# -- issuer recognition ---------------------------------------------------------------------


def test_our_badge_is_recognized_in_its_own_check_apart_from_the_proof(world, signer, employers):
    award = _issue(world, signer)
    report = Trust(world, signer, employers).verify(award.credential_json)
    assert report.verified
    assert _statuses(report)["proof"] == "passed"
    assert report.check("issuer-recognized").status == "passed"
    assert "Linked Learning Alliance" in report.check("issuer-recognized").message
    assert report.credential.issuer_recognized is True
    assert report.to_json()["credential"]["issuer_recognized"] is True


def test_a_foreign_did_key_credential_is_valid_but_its_issuer_not_recognized(
    world, signer, employers
):
    award = _issue(world, signer)
    key = KeyPair.generate("Ed25519")
    did = did_key_for(key.public_key)
    foreign = copy.deepcopy(award.credential_json)
    for name in ("proof", "credentialStatus"):
        foreign.pop(name)
    foreign["issuer"] = {"id": did, "type": ["Profile"], "name": "Foreign Community College"}
    signed = create_proof(foreign, key, f"{did}#{did[8:]}", created="2026-03-02T17:30:00Z")
    report = Trust(world, signer, employers).verify(signed)
    assert report.verified, report.checks
    assert _statuses(report)["proof"] == "passed"
    recognized = report.check("issuer-recognized")
    assert recognized.status == "warning"
    assert recognized.message.startswith("Signature valid · issuer not recognized")
    assert report.credential.issuer_recognized is False


def test_a_partner_added_to_the_registry_is_recognized_and_removed_is_not(world, signer, employers):
    key = KeyPair.generate("Ed25519")
    did = did_key_for(key.public_key)
    entry = registry.add_entry(
        world.session, did=did, name="Valley College", url=None, actor=world.admin, now=world.now
    )
    world.session.commit()
    published = Trust(world, signer, employers).trust.resolve(registry.registry_url(SITE.base_url))
    assert [s["id"] for s in published["credentialSubject"]] == [signer.issuer_did, did]
    registry.remove_entry(
        world.session, entry, own_did=signer.issuer_did, actor=world.admin, now=world.now
    )
    world.session.commit()
    published = Trust(world, signer, employers).trust.resolve(registry.registry_url(SITE.base_url))
    assert [s["id"] for s in published["credentialSubject"]] == [signer.issuer_did]


def test_the_registry_is_signed_once_per_change_of_its_entries_or_our_keys(
    world, employers, tmp_path
):
    """Like the status lists, the registry credential is signed when it changes, not per
    verification: two verifications sign it once; a new entry, a key rotation and the
    approach of its validUntil each sign it again, and verification sees the new one."""
    signer = CredentialSigner(
        issuer_did="did:web:badges.example.org",
        key_store=KeyStore(tmp_path / "own", "test-passphrase", scrypt_n=2**10),
        clock=lambda: world.now,
    )
    signer.key_store.generate(("Ed25519", "P-256"))
    award = _issue(world, signer)
    registry_url = registry.registry_url(SITE.base_url)
    signed = []
    sign_ldp = signer.sign_ldp

    def counting(credential):
        if credential["id"] == registry_url:
            signed.append(credential["credentialSubject"])
        return sign_ldp(credential)

    signer.sign_ldp = counting
    trust = Trust(world, signer, employers)
    assert trust.verify(award.credential_json).credential.issuer_recognized is True
    assert trust.verify(award.credential_json).credential.issuer_recognized is True
    assert len(signed) == 1

    partner = did_key_for(KeyPair.generate("Ed25519").public_key)
    registry.add_entry(
        world.session, did=partner, name="Valley College", url=None, actor=None, now=world.now
    )
    world.session.commit()
    assert trust.verify(award.credential_json).verified
    assert len(signed) == 2 and signed[-1][1]["id"] == partner
    published = trust.trust.resolve(registry_url)
    assert [s["id"] for s in published["credentialSubject"]] == [signer.issuer_did, partner]

    signer.key_store.rotate(("Ed25519",))
    published = trust.trust.resolve(registry_url)
    assert len(signed) == 3
    assert published["proof"]["verificationMethod"] == signer.method_id(
        signer.key_store.current("Ed25519").record.id
    )
    assert trust.verify(award.credential_json).credential.issuer_recognized is True
    assert len(signed) == 3

    world.now += registry.REGISTRY_VALIDITY - registry.REGISTRY_REFRESH_BEFORE
    assert trust.trust.resolve(registry_url)["validFrom"] == world.now.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert len(signed) == 4


def test_suspending_our_own_entry_turns_old_badges_not_recognized_without_failing_the_proof(
    world, signer, employers
):
    award = _issue(world, signer)
    registry.suspend_own(
        world.session,
        own_did=signer.issuer_did,
        own_name=SITE.issuer_name,
        url=SITE.base_url,
        actor=world.admin,
        now=world.now,
    )
    world.session.commit()
    report = Trust(world, signer, employers).verify(award.credential_json)
    assert report.verified
    assert _statuses(report)["proof"] == "passed"
    assert report.check("issuer-recognized").status == "warning"
    assert report.credential.issuer_recognized is False

    entry = registry.find_entry(world.session, signer.issuer_did)
    registry.set_status(
        world.session, entry, RegistryEntryStatus.ACTIVE, actor=world.admin, now=world.now
    )
    world.session.commit()
    assert (
        Trust(world, signer, employers).verify(award.credential_json).credential.issuer_recognized
    )


def test_a_tampered_registry_is_not_trusted(world, signer, employers):
    """The registry is verified (its proof, by the Alliance key) before it is trusted."""
    award = _issue(world, signer)
    key = KeyPair.generate("Ed25519")
    did = did_key_for(key.public_key)
    genuine = Trust(world, signer, employers).trust.resolve(registry.registry_url(SITE.base_url))
    tampered = copy.deepcopy(genuine)
    tampered["credentialSubject"].append({"id": did, "type": ["Profile"], "name": "Forger"})
    trust = Trust(world, signer, employers, {registry.registry_url(SITE.base_url): tampered})
    report = trust.verify(award.credential_json)
    assert report.verified  # the badge itself is fine
    assert report.check("issuer-recognized").status == "warning"
    assert "Could not trust the registry" in report.check("issuer-recognized").message
    assert report.credential.issuer_recognized is None


def test_a_registry_signed_by_another_key_is_not_trusted(world, signer, employers):
    award = _issue(world, signer)
    key = KeyPair.generate("Ed25519")
    did = did_key_for(key.public_key)
    genuine = Trust(world, signer, employers).trust.resolve(registry.registry_url(SITE.base_url))
    forged = {name: value for name, value in genuine.items() if name != "proof"}
    forged_by_other = create_proof(forged, key, f"{did}#{did[8:]}", created="2026-03-02T17:30:00Z")
    trust = Trust(world, signer, employers, {registry.registry_url(SITE.base_url): forged_by_other})
    report = trust.verify(award.credential_json)
    assert report.check("issuer-recognized").status == "warning"
    assert report.credential.issuer_recognized is None


def test_the_alliance_entry_cannot_be_removed_and_bad_entries_are_refused(world, signer):
    entry = registry.suspend_own(
        world.session,
        own_did=signer.issuer_did,
        own_name=SITE.issuer_name,
        url=SITE.base_url,
        actor=world.admin,
        now=world.now,
    )
    with pytest.raises(registry.RegistryInputError, match="suspended, not removed"):
        registry.remove_entry(
            world.session, entry, own_did=signer.issuer_did, actor=world.admin, now=world.now
        )
    for did, url in (("https://college.example", None), ("did:key:z6Mk x", None)):
        with pytest.raises(registry.RegistryInputError, match="DID"):
            registry.add_entry(
                world.session, did=did, name="X", url=url, actor=world.admin, now=world.now
            )
    with pytest.raises(registry.RegistryInputError, match="https"):
        registry.add_entry(
            world.session,
            did="did:web:college.example",
            name="X",
            url="javascript:alert(1)",
            actor=world.admin,
            now=world.now,
        )


# -- the employer's endorsement ----------------------------------------------------------------


def _endorse(world, employers, partner, comment="We hire badge holders."):
    endorsement = endorsements.issue_endorsement(
        world.session,
        organisation=world.badge.employer,
        badge=world.badge,
        comment=comment,
        valid_until=world.now + timedelta(days=700),
        actor=partner,
        signer=employers.signer(world.badge.employer.slug),
        site=SITE,
        now=world.now,
    )
    world.session.commit()
    return endorsement


def test_a_badge_issued_after_the_endorsement_embeds_it_and_it_verifies(
    world, signer, employers, partner
):
    endorsement = _endorse(world, employers, partner)
    credential = endorsement.credential_json
    assert credential["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert credential["issuer"]["id"] == "did:web:badges.example.org:employers:sutter-health"
    assert credential["credentialSubject"] == {
        "id": f"{SITE.base_url}/achievements/{world.badge.slug}",
        "type": ["EndorsementSubject"],
        "endorsementComment": "We hire badge holders.",
    }
    award = _issue(world, signer)
    achievement = award.credential_json["credentialSubject"]["achievement"]
    assert achievement["endorsement"] == [credential]
    report = Trust(world, signer, employers).verify(award.credential_json)
    assert report.verified, report.checks
    assert report.check("endorsements").status == "passed", report.check("endorsements")
    assert report.credential.endorsers == ("Sutter Health",)
    # The endorsement alone is a valid OB 3.0 EndorsementCredential for our verifier too.
    alone = Trust(world, signer, employers).verify(credential)
    assert alone.verified, alone.checks


def _resigned_with(world, signer, award, change):
    """The badge with its embedded endorsement changed, then re-signed by the Alliance, so
    only the endorsement is wrong."""
    credential = copy.deepcopy(award.credential_json)
    credential.pop("proof")
    change(credential["credentialSubject"]["achievement"]["endorsement"][0])
    return signer.sign_ldp(credential)


def test_a_tampered_endorsement_is_reported_and_names_no_endorser(
    world, signer, employers, partner
):
    _endorse(world, employers, partner)
    award = _issue(world, signer)

    def tamper(endorsement):
        endorsement["credentialSubject"]["endorsementComment"] = "Guaranteed job offer."

    report = Trust(world, signer, employers).verify(_resigned_with(world, signer, award, tamper))
    assert report.verified  # the badge is genuine; its endorsement is not
    check = report.check("endorsements")
    assert check.status == "warning"
    assert "does not verify" in check.message
    assert report.credential.endorsers == ()


def test_an_endorsement_signed_by_another_key_is_reported_and_names_no_endorser(
    world, signer, employers, partner
):
    _endorse(world, employers, partner)
    award = _issue(world, signer)
    other = employers.signer("otherco")  # a key of another employer's identity

    def resign(endorsement):
        endorsement.pop("proof")
        endorsement.update(other.sign_ldp(endorsement))

    report = Trust(world, signer, employers).verify(_resigned_with(world, signer, award, resign))
    check = report.check("endorsements")
    assert check.status == "warning"
    assert "not of the issuer" in check.message
    assert report.credential.endorsers == ()


def test_an_endorsement_of_another_achievement_does_not_count(world, signer, employers, partner):
    _endorse(world, employers, partner)
    award = _issue(world, signer)
    sutter = employers.signer(world.badge.employer.slug)

    def elsewhere(endorsement):
        endorsement.pop("proof")
        endorsement["credentialSubject"]["id"] = f"{SITE.base_url}/achievements/another-badge"
        endorsement.update(sutter.sign_ldp(endorsement))

    report = Trust(world, signer, employers).verify(_resigned_with(world, signer, award, elsewhere))
    assert report.check("endorsements").status == "warning"
    assert "another-badge" in report.check("endorsements").message
    assert report.credential.endorsers == ()


def test_revoking_the_endorsement_removes_it_from_badges_already_issued(
    world, signer, employers, partner
):
    endorsement = _endorse(world, employers, partner)
    award = _issue(world, signer)
    endorsements.revoke_endorsement(
        world.session, endorsement, reason="Programme changed", actor=partner, now=world.now
    )
    world.session.commit()
    report = Trust(world, signer, employers).verify(award.credential_json)
    assert report.verified
    assert report.check("endorsements").status == "warning"
    assert "revoked" in report.check("endorsements").message
    assert report.credential.endorsers == ()
    later = _issue(world, signer, "Ben Okafor")
    assert "endorsement" not in later.credential_json["credentialSubject"]["achievement"]


def test_only_the_employers_own_partners_sign_and_revoke(world, signer, employers, partner):
    with pytest.raises(PermissionDenied):
        endorsements.issue_endorsement(
            world.session,
            organisation=world.badge.employer,
            badge=world.badge,
            comment="Looks good",
            valid_until=None,
            actor=world.admin,
            signer=employers.signer(world.badge.employer.slug),
            site=SITE,
            now=world.now,
        )
    endorsement = _endorse(world, employers, partner)
    with pytest.raises(PermissionDenied):
        endorsements.revoke_endorsement(
            world.session, endorsement, reason="No", actor=world.lincoln_admin, now=world.now
        )


def test_a_revoked_badge_keeps_its_endorsement_check_apart(world, signer, employers, partner):
    _endorse(world, employers, partner)
    award = _issue(world, signer)
    revocation.revoke(world.session, award=award, reason="Error", actor=None, now=world.now)
    world.session.commit()
    report = Trust(world, signer, employers).verify(award.credential_json)
    assert _statuses(report)["status"] == "failed"
    assert report.check("endorsements").status == "passed"


def test_a_cohort_issued_in_bulk_carries_the_endorsement_too(world, signer, employers, partner):
    _endorse(world, employers, partner)
    student = world.student(world.pathways.silver, "Ana Chen")
    job = bulk.open_job(
        world.session,
        stream=io.BytesIO(f"student_email\n{student.email}\n".encode()),
        filename="cohort.csv",
        badge=world.badge,
        actor=None,
        now=world.now,
    )
    world.session.commit()
    for chunk_no in bulk.pending_chunks(world.session, job):
        bulk.run_chunk(world.session, job.id, chunk_no, signer=signer, site=SITE, now=world.now)
    award = world.session.query(Award).filter(Award.student_id == student.id).one()
    report = Trust(world, signer, employers).verify(award.credential_json)
    assert report.verified, report.checks
    assert report.credential.endorsers == ("Sutter Health",)
