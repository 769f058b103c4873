"""A deterministic generator of varied Open Badges 3.0 credentials for canonicalization tests.

``credentials(count, seed)`` returns distinct credentials covering what the equivalence tests
need: VC DM 1.1 (credentials/v1 + OB 3.0.x, issuanceDate) and DM 2.0 (credentials/v2 +
OB 3.0.x, validFrom), unicode names (emoji, right-to-left scripts, combining characters),
characters N-Quads escapes (quotes, backslashes, tabs, newlines), several evidence items with
and without ids (identical ones too, which makes blank nodes share first-degree hashes),
results, result descriptions with @list values, alignments, endorsements, blank-node subjects,
identity objects, numbers, booleans, dates, language-tagged values, @json values, and proofs
(one, several, none). Used by tests/schemas/test_canonical.py and bench/bench_canonicalize.py;
nothing here is random at run time.
"""

from __future__ import annotations

import random
from typing import Any

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXTS = [
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
]
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
EXT = "https://example.org/extensions#"

NAMES = [
    "Teamwork Badge",
    "Équipe 🤝 Collaboration",
    "العمل الجماعي",  # Arabic, right-to-left
    "עבודת צוות",  # Hebrew, right-to-left
    "Zoë Ångström-Nuñez",
    "e\u0301cole cafe\u0301 n\u0303",  # combining acute accent and tilde
    "团队合作 チームワーク 팀워크",
    "Welding 🔥🧑‍🏭 Level 2",
    'Quote "inside" and back\\slash',
    "Tab\tand\nnewline\r\nand carriage return",
    "Ünïcödé \u200d zero-width joiner \u2028 line separator",
    "Mathematical " + "".join(map(chr, (0x1D518, 0x1D52B, 0x1D526, 0x1D520, 0x1D52C))),  # astral
]
SKILLS = ["Welding", "Carpentry", "Nursing", "Data analysis", "Électricité", "Soudure", "溶接"]
GENRES = ["Certificate", "Portfolio", "Video", "Transcript", "Assessment"]


def _pick(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]


def _date(rng: random.Random, year: int | None = None) -> str:
    year = year or rng.randrange(2015, 2030)
    return f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00Z"


def _profile(rng: random.Random, index: int, full: bool) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": f"https://example.edu/issuers/{index % 7}",
        "type": ["Profile"] if rng.random() < 0.7 else "Profile",
        "name": _pick(rng, NAMES),
    }
    if full:
        profile.update(
            {
                "url": "https://www.example.edu",
                "email": f"registrar{index}@example.edu",
                "phone": "+1-555-0100",
                "description": _pick(rng, NAMES) + " issuer",
                "image": {
                    "id": f"https://example.edu/logo/{index}.png",
                    "type": "Image",
                    "caption": _pick(rng, NAMES),
                },
                "address": {
                    "type": ["Address"],
                    "addressCountry": "USA",
                    "addressLocality": "Austin",
                    "postalCode": f"{10000 + index}",
                    "geo": {"type": "GeoCoordinates", "latitude": 30.27, "longitude": -97.74},
                },
                "otherIdentifier": [
                    {
                        "type": "IdentifierEntry",
                        "identifier": f"ID-{index}",
                        "identifierType": "sourcedId",
                    }
                ],
            }
        )
    return profile


def _result_description(rng: random.Random, index: int, n: int) -> dict[str, Any]:
    description: dict[str, Any] = {
        "id": f"urn:uuid:rd-{index}-{n}",
        "type": ["ResultDescription"],
        "name": f"{_pick(rng, SKILLS)} result {n}",
        "resultType": _pick(rng, ["LetterGrade", "Percent", "RubricCriterionLevel", "Status"]),
    }
    if rng.random() < 0.6:
        description["allowedValue"] = ["A", "B", "C", "D", "F"][: rng.randrange(1, 6)]
    if rng.random() < 0.5:
        description["rubricCriterionLevel"] = [
            {
                "id": f"urn:uuid:level-{index}-{n}-{k}",
                "type": ["RubricCriterionLevel"],
                "name": f"Level {k}",
                "level": str(k),
                "points": str(k * 10),
            }
            for k in range(rng.randrange(1, 4))
        ]
        description["requiredLevel"] = f"urn:uuid:level-{index}-{n}-0"
    if rng.random() < 0.4:
        description["valueMin"] = "0"
        description["valueMax"] = "100"
    return description


def _achievement(rng: random.Random, index: int) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": f"https://example.com/achievements/{index}",
        "type": ["Achievement"],
        "name": _pick(rng, NAMES),
        "description": _pick(rng, NAMES) + " — description",
        "criteria": {"narrative": _pick(rng, NAMES) + "\n\n* step one\n* step two"},
    }
    if rng.random() < 0.3:
        achievement["criteria"]["id"] = f"https://example.com/criteria/{index}"
    if rng.random() < 0.6:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"{_pick(rng, SKILLS)} standard {k}",
                "targetUrl": f"https://standards.example.org/{index}/{k}",
                "targetFramework": "O*NET",
                "targetCode": f"{k}.{index}",
                "targetType": "ceterms:Competency",
            }
            for k in range(rng.randrange(1, 5))
        ]
    if rng.random() < 0.5:
        achievement["resultDescription"] = [
            _result_description(rng, index, n) for n in range(rng.randrange(1, 4))
        ]
    if rng.random() < 0.5:
        achievement["creditsAvailable"] = _pick(rng, [3, 4.5, 0.25, 12.0, 1e-7])
    if rng.random() < 0.5:
        achievement["tag"] = [_pick(rng, SKILLS) for _ in range(rng.randrange(0, 5))]
    if rng.random() < 0.3:
        achievement["achievementType"] = _pick(rng, ["Badge", "Certificate", "Competency"])
        achievement["humanCode"] = f"HC-{index}"
        achievement["fieldOfStudy"] = _pick(rng, SKILLS)
        achievement["inLanguage"] = _pick(rng, ["en", "fr-CA", "ar"])
    if rng.random() < 0.3:
        achievement["creator"] = _profile(rng, index + 1, full=False)
    if rng.random() < 0.3:
        achievement["image"] = {"id": f"https://example.com/img/{index}.png", "type": "Image"}
    return achievement


def _evidence(rng: random.Random, index: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for n in range(rng.randrange(0, 7)):
        item: dict[str, Any] = {
            "type": ["Evidence"],
            "name": f"Evidence {n}: {_pick(rng, NAMES)}",
            "narrative": f'Narrative {n} with "quotes" and a tab\t({index})',
            "genre": _pick(rng, GENRES),
        }
        if rng.random() < 0.5:
            item["id"] = f"https://example.org/evidence/{index}/{n}"
        if rng.random() < 0.3:
            item["audience"] = "Employers"
        items.append(item)
    if items and rng.random() < 0.3:
        items.append(dict(items[-1]))  # an exact duplicate: same quads or the same blank shape
    return items


def _proof(rng: random.Random, index: int, v2: bool, n: int) -> dict[str, Any]:
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof" if v2 else "Ed25519Signature2020",
        "created": _date(rng),
        "verificationMethod": f"https://example.edu/issuers/{index % 7}#key-{n}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z"
        + "".join(_pick(rng, list("abcdefghijkmnopqrstuvwxyz123456789")) for _ in range(86)),
    }
    if v2:
        proof["cryptosuite"] = "eddsa-rdfc-2022"
    return proof


def credential(index: int, seed: int = 0) -> dict[str, Any]:
    """One credential; different ``index`` values give different credentials."""
    rng = random.Random(f"{seed}:{index}")
    v2 = index % 3 != 0
    # VC 2.0 protects terms the OB contexts before 3.0.3 redefine: pair it with 3.0.3 only
    ob_context = OB_CONTEXTS[0] if v2 else OB_CONTEXTS[index % len(OB_CONTEXTS)]
    context: list[Any] = [VC_V2 if v2 else VC_V1, ob_context]
    with_proof = rng.random() < 0.6
    if with_proof and not v2:
        context.append(ED25519_2020)
    document: dict[str, Any] = {
        "@context": context,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _profile(rng, index, full=rng.random() < 0.5)
        if rng.random() < 0.8
        else f"https://example.edu/issuers/{index % 7}",
        "name": _pick(rng, NAMES),
    }
    if rng.random() < 0.85:
        document["id"] = f"urn:uuid:credential-{seed}-{index}"
    if v2:
        document["validFrom"] = _date(rng, 2020)
        if rng.random() < 0.5:
            document["validUntil"] = _date(rng, 2031)
    else:
        document["issuanceDate"] = _date(rng, 2020)
        if rng.random() < 0.5:
            document["expirationDate"] = _date(rng, 2031)

    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": _achievement(rng, index),
    }
    if rng.random() < 0.5:
        subject["id"] = f"did:example:learner{index}"
    else:  # a blank-node subject identified by a hashed email
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "hashed": rng.random() < 0.8,
                "identityHash": f"sha256${index:064x}",
                "identityType": "emailAddress",
                "salt": f"salt{index}",
            }
        ]
    if rng.random() < 0.5:
        subject["result"] = [
            {
                "type": ["Result"],
                "value": _pick(rng, ["A", "B+", "92", "Pass"]),
                "status": _pick(rng, ["Completed", "Enrolled"]),
                "resultDescription": f"urn:uuid:rd-{index}-0",
            }
            for _ in range(rng.randrange(1, 3))
        ]
    if rng.random() < 0.4:
        subject["creditsEarned"] = _pick(rng, [3, 2.5, 10])
        subject["activityStartDate"] = "2023-09-01"
        subject["activityEndDate"] = "2024-06-15"
        subject["term"] = "Fall"
        subject["role"] = "Student"
        subject["licenseNumber"] = f"L-{index}"
    document["credentialSubject"] = subject

    evidence = _evidence(rng, index)
    if evidence:
        document["evidence"] = evidence
    if v2 and rng.random() < 0.3:
        document["description"] = {
            "@value": _pick(rng, NAMES),
            "@language": _pick(rng, ["fr", "AR", "he-IL", "en-US"]),
        }
    if v2 and rng.random() < 0.3:
        document["awardedDate"] = _date(rng)
        # the pinned VC 2.0 context has no @vocab: extension terms need full IRIs or a context
        document[EXT + "score"] = _pick(rng, [7, -3, 4.75, 1e22, True, False, 0])
        document[EXT + "flags"] = [True, 1, "1", 1.0]
    if v2 and rng.random() < 0.2:
        context.append({"ext": EXT, "level": {"@id": "ext:level", "@type": "@id"}})
        subject_extension = {"ext:rank": rng.randrange(100), "level": "ext:gold"}
    else:
        subject_extension = {}
    if v2 and rng.random() < 0.2:
        document["credentialSchema"] = [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ]
        document["credentialStatus"] = {
            "id": f"https://example.edu/status/1#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": "https://example.edu/status/1",
        }
    if v2 and rng.random() < 0.15:
        document["credentialSchema"] = {
            "id": "https://example.org/schema.json",
            "type": "JsonSchema",
            "jsonSchema": {"$schema": "x", "b": [1, 2.5, True, None], "a": "ü"},
        }
    if rng.random() < 0.25:
        endorsement: dict[str, Any] = {
            "@context": [VC_V2, OB_CONTEXTS[0]] if v2 else [VC_V1, ob_context],
            "id": f"urn:uuid:endorsement-{index}",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Endorsement of " + _pick(rng, NAMES),
            "issuer": _profile(rng, index + 3, full=False),
            "credentialSubject": {
                "id": f"https://example.com/achievements/{index}",
                "type": ["EndorsementSubject"],
                "endorsementComment": _pick(rng, NAMES),
            },
        }
        endorsement["validFrom" if v2 else "issuanceDate"] = _date(rng, 2021)
        document["endorsement"] = [endorsement]
    document["credentialSubject"].update(subject_extension)
    if with_proof:
        proofs = [_proof(rng, index, v2, n) for n in range(1 if rng.random() < 0.7 else 2)]
        document["proof"] = proofs[0] if len(proofs) == 1 else proofs
    return document


def credentials(count: int, seed: int = 0) -> list[dict[str, Any]]:
    return [credential(index, seed) for index in range(count)]


def large_credential(index: int = 0) -> dict[str, Any]:
    """A realistic but large credential: many evidence items, alignments, results, a proof."""
    document = credential(3 * index + 1, seed=10_000)  # index % 3 != 0: a VC 2.0 credential
    rng = random.Random(f"large:{index}")
    achievement = document["credentialSubject"]["achievement"]
    achievement["alignment"] = [
        {
            "type": ["Alignment"],
            "targetName": f"{_pick(rng, SKILLS)} standard {k}",
            "targetUrl": f"https://standards.example.org/{index}/{k}",
            "targetFramework": "O*NET",
            "targetCode": f"{k}.{index}",
        }
        for k in range(8)
    ]
    achievement["resultDescription"] = [_result_description(rng, index, n) for n in range(4)]
    document["credentialSubject"]["result"] = [
        {"type": ["Result"], "value": "A", "resultDescription": f"urn:uuid:rd-{index}-{n}"}
        for n in range(4)
    ]
    document["evidence"] = [
        {
            "id": f"https://example.org/evidence/{index}/{n}",
            "type": ["Evidence"],
            "name": f"Evidence {n}: {_pick(rng, NAMES)}",
            "narrative": f"Narrative {n}",
            "genre": _pick(rng, GENRES),
        }
        for n in range(10)
    ]
    document["issuer"] = _profile(rng, index, full=True)
    document["proof"] = _proof(rng, index, True, 0)
    return document
