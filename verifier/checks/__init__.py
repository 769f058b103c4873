"""The named checks of verification, one module each, in the order ``verifier.verification.verify``
runs them (OB 3.0 §9 "Verification and Validation", VC DM 2.0 §4-5):

- ``structure``: ``context`` and ``type``; ``schema``; ``json_ld``: ``json-ld`` (safe mode and
  compact form);
- ``proof``: ``proof`` for embedded Data Integrity proofs and VC-JWTs, with ``keys`` (the
  signing key behind a verification method) and ``issuer`` (the key's controller is the
  issuer; JWT registered claims);
- ``issuer_recognized``, ``validity``, ``status``, ``recipient``, ``endorsements``.

Each takes the credential, the :class:`~verifier.checks.common.VerificationContext` it needs and
the :class:`~verifier.checks.common.Checks` being recorded, and adds its named result.
"""
