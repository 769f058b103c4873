"""Credentials from other issuers that got the wrong verdict (issue #9), each through the
library, the CLI (``flask --app wsgi credentials verify``) and ``POST /api/v1/verify``.

Each case stands for a kind (tests/vectors/interop-cases/README.md): RDFC-1.0 canonical N-Quads
escapes (01), the Bitstring Status List minimum length (02), a data-URI image larger than the
text cap for ordinary strings (06), an ``md5$`` IdentityHash (07), and a status list served as a
VC-JOSE JWT (15). The status lists are served on http://127.0.0.1:5251/ by this module, and the
verifier may fetch from loopback here only.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from verifier.inputs import parse_bytes
from verifier.network import NetworkPolicy, NetworkResolver
from verifier.resolvers import ChainResolver, OfflineResolver
from verifier.verification import VerificationContext, verify

CASES = Path(__file__).resolve().parents[1] / "vectors" / "interop-cases"
EMAIL = "ana.ruiz@student.example.org"  # case 07's recipient; the others are checked without
# file -> (verified, {check: (status, phrase in its message)})
VERDICTS: dict[str, tuple[bool, dict[str, tuple[str, str]]]] = {
    # RDFC-1.0 canonical N-Quads: U+000B is written \u000B, so the signature verifies
    "01-canon-control-char.json": (True, {"proof": ("passed", "eddsa-rdfc-2022")}),
    # Bitstring Status List §3.2 step 9: 16,384 entries < 131,072
    "02-statuslist-too-short.json": (
        False,
        {"proof": ("passed", ""), "status": ("failed", "STATUS_LIST_LENGTH_ERROR")},
    ),
    # OB 3.0 App. B Image.id may be a data URI: an 89 KB image in a 123 KB credential
    "06-large-image-data-uri.json": (True, {"proof": ("passed", "")}),
    # OB 3.0 App. B IdentityHash: md5$ as well as sha256$
    "07-recipient-md5.json": (True, {"recipient": ("passed", "awarded to this email")}),
    # Bitstring Status List §3.2 with the list as a VC-JOSE JWT: verified, not revoked
    "15-statuslist-as-jwt.jwt": (True, {"status": ("passed", "Not revoked")}),
}


def _email(name: str) -> str | None:
    return EMAIL if name.startswith("07-") else None


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def guess_type(self, path: Any) -> str:
        return "application/vc+jwt" if str(path).endswith(".jwt") else "application/json"


@pytest.fixture(scope="module")
def case_server() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(CASES))
    server = ThreadingHTTPServer(("127.0.0.1", 5251), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:5251/"
    server.shutdown()
    server.server_close()


def _assert_verdict(name: str, report: dict[str, Any]) -> None:
    verified, expected = VERDICTS[name]
    checks = {check["id"]: check for check in report["checks"]}
    failed = {k: c["message"] for k, c in checks.items() if c["status"] == "failed"}
    assert report["verified"] is verified, failed
    for check_id, (status, phrase) in expected.items():
        assert checks[check_id]["status"] == status, checks[check_id]
        assert phrase in checks[check_id]["message"]


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_each_case_through_the_library(case_server, name):
    context = VerificationContext(
        resolver=ChainResolver(
            OfflineResolver(), NetworkResolver(NetworkPolicy(allow_loopback=True))
        )
    )
    report = verify(parse_bytes((CASES / name).read_bytes()), context, recipient_email=_email(name))
    _assert_verdict(name, report.to_json())


@pytest.fixture
def app(tmp_path):
    from wsgi import create_app

    return create_app(
        {
            "ENV_NAME": "test",
            "KEYS_DIR": str(tmp_path / "keys"),
            "KEY_SCRYPT_N": 2**10,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cases.sqlite'}",
            "VERIFIER_NETWORK_ENABLED": True,
            "VERIFIER_NETWORK_ALLOW_LOOPBACK_FOR_TESTS": True,
        }
    )


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_each_case_through_the_cli(case_server, app, name):
    email = ["--email", EMAIL] if _email(name) else []
    result = app.test_cli_runner().invoke(
        args=["credentials", "verify", str(CASES / name), *email, "--json"]
    )
    verified = VERDICTS[name][0]
    assert result.exit_code == (0 if verified else 1), result.output
    _assert_verdict(name, json.loads(result.output))


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_each_case_through_the_api(case_server, app, name):
    text = (CASES / name).read_text(encoding="utf-8")
    body = json.loads(text) if name.endswith(".json") else text
    response = app.test_client().post(
        "/api/v1/verify", json={"credential": body, "email": _email(name) or ""}
    )
    assert response.status_code == 200, response.json
    _assert_verdict(name, response.json)
