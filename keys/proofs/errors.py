"""Why a proof did not verify. Each failure is explicit and says what was wrong."""


class ProofError(ValueError):
    """A proof is malformed, of an unsupported kind, or its signature does not verify."""


class UnsupportedProof(ProofError):
    """The proof's type or cryptosuite is not one we can check."""


class MalformedProof(ProofError):
    """The proof is structurally invalid (missing members, bad encodings, wrong lengths)."""


class SignatureInvalid(ProofError):
    """The signature does not match the document and key."""


class UnsafeJsonLd(SignatureInvalid):
    """A view the proof hashes fails JSON-LD safe mode: the signature does not cover some of
    what a JSON reader sees, so it does not verify the document as shown."""
