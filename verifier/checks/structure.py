"""The ``context`` and ``type`` checks: the credential says it is an Open Badges 3.0
credential, under contexts we hold (VC DM 2.0 §4.3 Contexts, §4.5 Types; OB 3.0 §8.1)."""

from __future__ import annotations

from typing import Any

from schemas.loader import VC_V1, VC_V2, is_pinned
from verifier.checks.common import Checks, as_list

OB_CONTEXT_PREFIXES = (
    "https://purl.imsglobal.org/spec/ob/v3p0/context",
    "https://imsglobal.github.io/openbadges-specification/",
)
CREDENTIAL_TYPES = {"AchievementCredential", "OpenBadgeCredential", "EndorsementCredential"}

# Real OB 3.0 credentials name 2 to 4 contexts (VC, OB, sometimes Data Integrity and an
# extension); every pinned one together is 20. More than 6 is no real credential, and each entry
# is context processing for every canonicalization and JSON-LD check of the request.
MAX_CONTEXTS = 6


def check_context(credential: dict[str, Any], checks: Checks) -> None:
    """``context``: at most :data:`MAX_CONTEXTS` entries, the VC context first, only pinned
    URLs (never inline objects), the OB 3.0 context among them; VC DM 1.1 is a warning."""
    contexts = as_list(credential.get("@context"))
    if len(contexts) > MAX_CONTEXTS:
        checks.add(
            "context",
            "failed",
            f"@context has {len(contexts)} entries; at most {MAX_CONTEXTS} are accepted",
        )
        return
    if not contexts or contexts[0] not in (VC_V1, VC_V2):
        checks.add(
            "context",
            "failed",
            "The first @context must be the W3C Verifiable Credentials context (v1 or v2)",
        )
        return
    inline = [c for c in contexts if not isinstance(c, str)]
    if inline:
        checks.add("context", "failed", "Embedded (inline) @context objects are not accepted")
        return
    unknown = [c for c in contexts if not is_pinned(c)]
    if unknown:
        checks.add(
            "context", "failed", f"Unknown @context {unknown[0]} (contexts are never fetched)"
        )
        return
    if not any(c.startswith(OB_CONTEXT_PREFIXES) for c in contexts):
        checks.add("context", "failed", "The Open Badges 3.0 context is missing from @context")
        return
    if contexts[0] == VC_V1:
        checks.add(
            "context",
            "warning",
            "VC Data Model 1.1 credential: accepted, but OB 3.0 now uses VC Data Model 2.0",
        )
    else:
        checks.add(
            "context", "passed", "Contexts are the published VC 2.0 and Open Badges 3.0 contexts"
        )


def check_types(credential: dict[str, Any], checks: Checks) -> None:
    """``type``: VerifiableCredential and one of :data:`CREDENTIAL_TYPES`."""
    types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
    if "VerifiableCredential" not in types:
        checks.add("type", "failed", "type must include VerifiableCredential")
    elif not types & CREDENTIAL_TYPES:
        checks.add(
            "type", "failed", "type must include OpenBadgeCredential or AchievementCredential"
        )
    else:
        checks.add(
            "type",
            "passed",
            "An Open Badges credential (" + ", ".join(sorted(types & CREDENTIAL_TYPES)) + ")",
        )
