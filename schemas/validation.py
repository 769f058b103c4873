"""JSON Schema validation of Open Badges 3.0 credentials and profiles, every violation at once.

The schemas are the draft-04 files in ``schemas/json/`` (provenance in its README). They refer
to each other by their published ``https://purl.imsglobal.org/...`` ids; those ids resolve only
through a ``referencing.Registry`` holding the local files, so no ``$ref`` is ever fetched.

A failed ``anyOf``/``oneOf`` is reported through its most relevant sub-error (``best_match``),
and a schema fragment may carry an ``errorMessage`` annotation (ignored by JSON Schema itself)
giving the plain-words message to show instead of the generic one.

Speed: each schema is also compiled to Python by ``fastjsonschema`` (same local files, same
date-time rule, ``$ref`` answered from the same map). A document the compiled check accepts is
valid (a test holds the two to that on the corpus and on generated mutations); only a document
it refuses goes through ``jsonschema``, which lists every violation with its path. Valid
credentials, the common case, are checked in a fraction of the time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from schemas.work_budget import uncharged

SCHEMAS_DIR = Path(__file__).parent / "json"

_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = _BASE + "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA = _BASE + "ob_v3p0_endorsementcredential_schema.json"
PROFILE_SCHEMA = _BASE + "ob_v3p0_profile_schema.json"

_FILES = {
    ACHIEVEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_achievementcredential_schema_draft4.json",
    ENDORSEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_endorsementcredential_schema_draft4.json",
    PROFILE_SCHEMA: "ob_v3p0_profile_schema_draft4.json",
}

# OB 3.0 B.1.2 / B.1.7: the credential's type names the class, and so the schema.
_SCHEMA_FOR_TYPE = {
    "AchievementCredential": ACHIEVEMENT_CREDENTIAL_SCHEMA,
    "OpenBadgeCredential": ACHIEVEMENT_CREDENTIAL_SCHEMA,
    "EndorsementCredential": ENDORSEMENT_CREDENTIAL_SCHEMA,
}

# RFC 3339 date-time with a mandatory offset (OB 3.0 DateTimeZ); jsonschema only checks
# "date-time" when the optional rfc3339-validator package is installed, so we check it here.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)
_FORMAT_CHECKER = FormatChecker(formats=())


@_FORMAT_CHECKER.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # "format" applies to strings only; "type" reports the rest
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class SchemaViolation:
    """One way the document breaks its schema: where (a JSON path) and what, in plain words."""

    path: str
    message: str


class UnknownCredentialType(ValueError):
    """The credential's ``type`` names no class we hold a schema for."""


def validate_credential(credential: Mapping[str, Any]) -> list[SchemaViolation]:
    """Every schema violation of an AchievementCredential/OpenBadgeCredential or
    EndorsementCredential, sorted by path; the schema is chosen by the credential's ``type``.

    A credential whose ``type`` names none of those classes yields a single violation at
    ``$.type`` (it cannot be checked against any OB 3.0 credential schema).
    """
    schema_url = _schema_for(credential)
    if schema_url is None:
        return [
            SchemaViolation(
                "$.type",
                "type must include 'AchievementCredential', 'OpenBadgeCredential' or "
                "'EndorsementCredential'",
            )
        ]
    if _accepts(schema_url, credential):
        return []
    return _violations(_validator(schema_url), credential)


def validate_profile(profile: Mapping[str, Any]) -> list[SchemaViolation]:
    """Every violation of the OB 3.0 Profile schema (B.1.14), sorted by path."""
    if _accepts(PROFILE_SCHEMA, profile):
        return []
    return _violations(_validator(PROFILE_SCHEMA), profile)


@cache
def _compiled(schema_url: str) -> Any:
    """The schema compiled to a Python function; ``$ref`` to the other schemas is answered from
    the local files (never fetched), ``date-time`` by the same rule as ``jsonschema``'s check.
    Compiled once per process, outside any request's work budget (it is set-up, not work the
    document chose)."""
    with uncharged():
        return fastjsonschema.compile(
            _registry().contents(schema_url),
            handlers={"https": lambda url: _load(_FILES[url.split("#")[0]])},
            formats={"date-time": _is_date_time},
            use_default=False,
        )


def _accepts(schema_url: str, document: Any) -> bool:
    """True when the compiled schema accepts ``document`` (False says nothing more: the full
    validator then finds every violation)."""
    try:
        _compiled(schema_url)(document)
    except fastjsonschema.JsonSchemaException:
        return False
    except (RecursionError, TypeError, ValueError):  # leave odd input to the full validator
        return False
    return True


def _schema_for(credential: Mapping[str, Any]) -> str | None:
    if not isinstance(credential, Mapping):
        return ACHIEVEMENT_CREDENTIAL_SCHEMA  # the schema reports "not an object"
    types = credential.get("type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    for name in names:
        if isinstance(name, str) and name in _SCHEMA_FOR_TYPE:
            return _SCHEMA_FOR_TYPE[name]
    return None


@cache
def _registry() -> Registry:
    resources = [
        (url, Resource.from_contents(_load(name), default_specification=DRAFT4))
        for url, name in _FILES.items()
    ]
    # Anything not in the registry is an error, never a fetch.
    return Registry().with_resources(resources).crawl()


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))


@cache
def _validator(schema_url: str) -> Draft4Validator:
    schema = _registry().contents(schema_url)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, registry=_registry(), format_checker=_FORMAT_CHECKER)


def _violations(validator: Draft4Validator, document: Any) -> list[SchemaViolation]:
    found: set[SchemaViolation] = set()
    for error in validator.iter_errors(document):
        found.update(_describe(error))
    return sorted(found, key=lambda v: (v.path, v.message))


def _describe(error: ValidationError) -> list[SchemaViolation]:
    """One error as violations: an anyOf/oneOf failure becomes its closest branch's errors.

    Iterative (explicit stack), so a hostile schema/document pair cannot exhaust recursion.
    """
    out: list[SchemaViolation] = []
    stack = [error]
    while stack:
        current = stack.pop()
        custom = _custom_message(current)
        if custom is not None:
            out.append(SchemaViolation(json_path(current.absolute_path), custom))
        elif current.validator in ("anyOf", "oneOf") and current.context:
            stack.extend(_closest_branch(current.context))
        else:
            out.append(SchemaViolation(_path_of(current), _plain_message(current)))
    return out


def _closest_branch(context: list[ValidationError]) -> list[ValidationError]:
    """The errors of the alternative the instance most nearly matched.

    Branches whose own ``type`` rejects the instance (an object given where a string branch
    expects a URI) are the least relevant; among the rest, the branch that failed deepest in
    the instance got furthest, then the one with fewest errors. Ties go to ``best_match``.
    """
    branches: dict[object, list[ValidationError]] = {}
    for sub in context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def rank(errors: list[ValidationError]) -> tuple[bool, int, int]:
        wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
        depth = max(len(e.relative_path) for e in errors)
        return (not wrong_type, depth, -len(errors))

    ranked = sorted(branches.values(), key=rank, reverse=True)
    if len(ranked) > 1 and rank(ranked[0]) == rank(ranked[1]):
        best = best_match(context)
        return [best] if best is not None else []
    return ranked[0]


def _custom_message(error: ValidationError) -> str | None:
    """The fragment's ``errorMessage``, for the combinator/enum failure it was written for.

    A fragment may hold other keywords too (``required``, ``type``): their failures keep
    their own messages, so ``errorMessage`` only speaks for ``_MESSAGE_KEYWORDS``.
    """
    schema = error.schema
    if error.validator in _MESSAGE_KEYWORDS and isinstance(schema, Mapping):
        message = schema.get("errorMessage")
        if isinstance(message, str):
            return message
    return None


_MESSAGE_KEYWORDS = frozenset({"anyOf", "oneOf", "not", "enum"})


def _path_of(error: ValidationError) -> str:
    path = list(error.absolute_path)
    if error.validator == "required":
        # Point at the missing property itself: "$.credentialSubject.achievement.criteria".
        missing = re.match(r"'(.*)' is a required property", error.message)
        if missing:
            path.append(missing.group(1))
    return json_path(path)


def _plain_message(error: ValidationError) -> str:
    match error.validator:
        case "required":
            return "this required property is missing"
        case "type":
            return (
                f"must be of type {_join(error.validator_value)}, not {_json_type(error.instance)}"
            )
        case "enum":
            return f"must be one of {_join(error.validator_value)}, not {error.instance!r}"
        case "format":
            return f"{error.instance!r} is not a valid {error.validator_value}"
        case "pattern":
            return f"{error.instance!r} does not have the expected form"
        case "minItems":
            return f"must have at least {error.validator_value} item(s)"
        case "additionalProperties":
            return error.message.replace(
                "Additional properties are not allowed", "not allowed here"
            )
        case "additionalItems":
            return "has items that are not allowed here"
        case _:
            return error.message


def _join(value: object) -> str:
    values = value if isinstance(value, list) else [value]
    return " or ".join(repr(v) if not isinstance(v, str) or " " in v else f"'{v}'" for v in values)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(parts: Iterable[str | int]) -> str:
    """JSONPath in dot notation, bracketed where a key is not a plain identifier."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            escaped = str(part).replace("\\", "\\\\").replace("'", "\\'")
            out += f"['{escaped}']"
    return out
