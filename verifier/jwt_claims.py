"""The registered JWT claims of a VC-JWT checked against the credential they secure.

OB 3.0 §8.2.4.1 maps each claim to a credential property (``iss``↔``issuer.id``, ``jti``↔``id``,
``nbf``↔``validFrom``, ``exp``↔``validUntil``, ``sub``↔``credentialSubject.id``) and §8.2.6.1
says how a verifier checks them. Every claim present must agree with its counterpart, whatever
the token's shape: a disagreement names both values.

What a missing claim means (decided from the specs, documented in the README):

* OB 3.0 VC-JWT (``typ: JWT``, and the older ``vc``-claim shape): §8.2.6.1 says the payload
  "MUST have" ``iss``, ``sub``, ``nbf`` and ``jti``. We require each of them whenever the
  credential has the property it must equal: ``iss`` always (every credential has an issuer),
  ``jti`` when the credential has an ``id``, ``nbf`` when it has ``validFrom`` (VC DM 1.1:
  ``issuanceDate``), and ``sub`` only when ``credentialSubject.id`` exists, because §9.1 lets a
  recipient be identified by ``identifier`` alone (our own credentials are), and a ``sub``
  there would have nothing to match. ``exp`` stays optional ("If the JSON object has the exp
  claim", §8.2.6.1); present, it must equal ``validUntil`` or, without one, sets it.
* VC-JOSE-COSE (``typ: vc+jwt``): the claims are optional (VC-JOSE-COSE §3.1.2 only
  recommends avoiding conflicting values); those present must agree all the same.

Types (RFC 7519 §2, §4.1): ``nbf``, ``exp`` and ``iat`` are NumericDates (JSON numbers; a
string or a boolean is refused), ``iss``/``jti``/``sub`` are strings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keys.proofs.jose import DecodedJws, JwtFormat, numeric_date

NUMERIC_DATE_CLAIMS = ("nbf", "exp", "iat")
STRING_CLAIMS = ("iss", "jti", "sub")


def _shown(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        moment = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{value!r} ({moment})"
    return repr(value)


def _issuer_id(credential: Mapping[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _subject_ids(credential: Mapping[str, Any]) -> list[Any]:
    subjects = credential.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    return [s["id"] for s in subjects if isinstance(s, Mapping) and "id" in s]


def _date_property(credential: Mapping[str, Any], *names: str) -> tuple[str, Any] | None:
    for name in names:
        if name in credential:
            return name, credential[name]
    return None


def _is_numeric_date(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def claim_problems(
    decoded: DecodedJws, credential: Mapping[str, Any], *, now: float, skew_seconds: float
) -> list[str]:
    """Every way the token's registered claims disagree with ``credential`` or are missing.

    ``now`` is a POSIX time in seconds; ``skew_seconds`` the clock skew allowed for ``nbf``
    and ``exp``. Returns plain-language problems, empty when the claims are in order.
    """
    payload = decoded.payload
    problems: list[str] = []
    for name in NUMERIC_DATE_CLAIMS:
        if name in payload and not _is_numeric_date(payload[name]):
            problems.append(
                f"the {name} claim must be a NumericDate (a number of seconds), "
                f"not {payload[name]!r} (RFC 7519 §4.1)"
            )
    for name in STRING_CLAIMS:
        if name in payload and not isinstance(payload[name], str):
            problems.append(f"the {name} claim must be a string, not {payload[name]!r}")
    if problems:
        return problems
    problems += _missing(decoded.format, payload, credential)
    problems += _disagreements(payload, credential)
    if _is_numeric_date(payload.get("nbf")) and payload["nbf"] > now + skew_seconds:
        problems.append(f"the nbf claim {_shown(payload['nbf'])} is in the future")
    if _is_numeric_date(payload.get("exp")) and payload["exp"] + skew_seconds <= now:
        problems.append(f"the exp claim {_shown(payload['exp'])} is in the past")
    return problems


def _missing(
    jwt_format: JwtFormat, payload: Mapping[str, Any], credential: Mapping[str, Any]
) -> list[str]:
    """OB 3.0 §8.2.6.1 "MUST have" claims, each required when its counterpart exists."""
    if jwt_format == "vc-jose":
        return []
    required = {
        "iss": True,
        "jti": "id" in credential,
        "nbf": _date_property(credential, "validFrom", "issuanceDate") is not None,
        "sub": bool(_subject_ids(credential)),
    }
    return [
        f"the {name} claim is missing (OB 3.0 §8.2.6.1)"
        for name, needed in required.items()
        if needed and name not in payload
    ]


def _disagreements(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> list[str]:
    problems = []
    if "iss" in payload and payload["iss"] != _issuer_id(credential):
        problems.append(
            f"the iss claim {payload['iss']!r} is not the issuer {_issuer_id(credential)!r}"
        )
    if "jti" in payload and payload["jti"] != credential.get("id"):
        problems.append(
            f"the jti claim {payload['jti']!r} does not match the credential id "
            f"{credential.get('id')!r}"
        )
    if "sub" in payload and payload["sub"] not in _subject_ids(credential):
        subject_ids = _subject_ids(credential)
        shown = repr(subject_ids[0]) if len(subject_ids) == 1 else "(none)"
        problems.append(
            f"the sub claim {payload['sub']!r} does not match credentialSubject.id {shown}"
        )
    for claim, names in (
        ("nbf", ("validFrom", "issuanceDate")),
        ("exp", ("validUntil", "expirationDate")),
    ):
        found = _date_property(credential, *names)
        if claim not in payload or found is None:
            continue
        name, value = found
        try:
            expected = numeric_date(value) if isinstance(value, str) else None
        except ValueError:
            expected = None
        if expected is None or math.floor(payload[claim]) != expected:
            problems.append(
                f"the {claim} claim {_shown(payload[claim])} does not match {name} {value!r}"
            )
    return problems
