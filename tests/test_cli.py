"""The CLI contract: `flask --app wsgi keys …` and `credentials sign|verify` (exit 0/1/2, --json)."""

import json

import pytest

from tests.verifier.conftest import make_credential
from wsgi import create_app


@pytest.fixture
def app(tmp_path):
    return create_app(
        {
            "ENV_NAME": "test",
            "KEYS_DIR": str(tmp_path / "keys"),
            "KEY_SCRYPT_N": 2**14,
            "ISSUER_DOMAIN": "badges.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        }
    )


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def unsigned(tmp_path):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    credential = make_credential(
        issuer={"id": "did:web:badges.example.org", "type": ["Profile"], "name": "Alliance"},
        credential_status=None,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
    )
    path = tmp_path / "unsigned.json"
    path.write_text(json.dumps(credential))
    return path


def test_keys_generate_list_rotate(cli):
    assert "No keys yet" in cli("keys", "list").output
    generated = cli("keys", "generate")
    assert generated.exit_code == 0
    assert generated.output.count("created") == 3
    assert "already has a current key" in cli("keys", "generate").output
    rotated = cli("keys", "rotate", "--type", "Ed25519")
    assert "new current Ed25519 key" in rotated.output
    listing = cli("keys", "list").output
    assert listing.count("retired") == 1 and listing.count("current") == 3
    document = json.loads(cli("keys", "list", "--did-document").output)
    # 4 keys; each of the 2 Ed25519 keys also as the JsonWebKey its EdDSA JWTs name
    assert len(document["assertionMethod"]) == 6


@pytest.mark.parametrize("output_format", ["ldp", "jwt", "jose"])
def test_sign_then_verify(cli, unsigned, tmp_path, output_format):
    cli("keys", "generate")
    signed = cli("credentials", "sign", str(unsigned), "--format", output_format)
    assert signed.exit_code == 0, signed.output
    path = tmp_path / "signed"
    path.write_text(signed.output)
    result = cli("credentials", "verify", str(path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verified"] is True
    assert {c["id"] for c in report["checks"]} >= {"proof", "issuer", "validity", "schema"}
    assert report["credential"]["name"] == "Health Care Industry Badge"


def test_verify_exit_status_1_when_not_verified(cli, unsigned, tmp_path):
    cli("keys", "generate")
    signed = json.loads(cli("credentials", "sign", str(unsigned)).output)
    signed["name"] = "Forged"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(signed))
    result = cli("credentials", "verify", str(path))
    assert result.exit_code == 1
    assert result.output.startswith("NOT VERIFIED")
    assert "✘ proof" in result.output


def test_verify_checks_the_recipient_email(cli, unsigned, tmp_path):
    cli("keys", "generate")
    path = tmp_path / "signed.json"
    path.write_text(cli("credentials", "sign", str(unsigned)).output)
    right = cli("credentials", "verify", str(path), "--email", "ana.student@example.org", "--json")
    wrong = cli("credentials", "verify", str(path), "--email", "eve@example.org", "--json")
    assert right.exit_code == 0, right.output
    assert wrong.exit_code == 1
    assert any(
        c["id"] == "recipient" and c["status"] == "failed"
        for c in json.loads(wrong.output)["checks"]
    )


def test_verify_exit_status_2_on_unusable_input(cli, tmp_path):
    path = tmp_path / "junk.json"
    path.write_text('{"a": 1, "a": 2}')
    result = cli("credentials", "verify", str(path), "--json")
    assert result.exit_code == 2
    assert json.loads(result.output) == {
        "error": "unusable input",
        "detail": "JSON object has the key 'a' twice",
    }


def test_sign_without_keys_names_the_command(cli, unsigned):
    result = cli("credentials", "sign", str(unsigned))
    assert result.exit_code != 0
    assert "keys generate" in result.output
