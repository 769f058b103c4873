"""The composition root: ``create_app`` builds the adapters and passes them in.

Run with ``flask --app wsgi run``; CLI commands are ``flask --app wsgi <group> <command>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config, refuse_development_secrets
from verifier.limits import InputLimits
from verifier.resolvers import ChainResolver, DocumentResolver, OfflineResolver
from verifier.verification import VerificationContext


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(overrides))
    refuse_development_secrets(app.config)
    if hops := int(app.config.get("PROXY_FIX_HOPS", 0)):
        # Behind a reverse proxy: client address and scheme from its X-Forwarded-* headers,
        # so rate limits count clients, not the proxy, and HSTS sees https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from issuer import cli as issuer_cli
    from issuer import database
    from issuer import web as issuer_web
    from issuer.credentials_cli import sign_command
    from issuer.notifications import cli as mail_cli
    from issuer.signing import EmployerSigners, signer_from_config
    from issuer.wallets import init_app as wallets_init_app
    from issuer.web import public as public_web
    from keys.cli import keys_cli
    from verifier import web as verifier_web
    from verifier.cli import verify_command

    database.init_app(app)
    app.extensions["signer"] = signer_from_config(app.config, app.instance_path)
    app.extensions["employer_signers"] = EmployerSigners.from_config(app.config, app.instance_path)
    app.extensions["verification_context"] = _verification_context(app)

    credentials_cli = click.Group("credentials", help="Sign and verify credentials.")
    credentials_cli.add_command(sign_command)
    credentials_cli.add_command(verify_command)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(keys_cli)
    issuer_cli.init_app(app)
    mail_cli.init_app(app)
    issuer_web.init_app(app)
    public_web.init_app(app)
    verifier_web.init_app(app)
    wallets_init_app(app)
    if app.config["LOAD_BADGES_ON_START"]:
        issuer_cli.load_badges_on_start(app)
    return app


def _our_did_document(signer: Any) -> Callable[[], dict[str, Any]]:
    """Our DID document for the verifier; a key store that cannot be unsealed makes our keys
    unresolvable (a failed check), never an error page."""
    from keys.store import KeyStoreError
    from verifier.resolvers import ResolutionError

    def provide() -> dict[str, Any]:
        try:
            return signer.shared_did_document()
        except KeyStoreError as error:
            raise ResolutionError(f"our key store cannot be read: {error}") from None

    return provide


def _verification_context(app: Flask) -> VerificationContext:
    """Our own DID document and status lists locally (no network); did:key offline; anything
    else through ``verifier.network`` when ``VERIFIER_NETWORK_ENABLED`` (off under test).
    Also publishes the issuer's records (stored credentials, benefit facts) for the verifier."""
    from issuer.benefit_sources import IssuerDocuments, IssuerRecords
    from issuer.database import get_session
    from issuer.services.registry import SignedRegistry, registry_url
    from issuer.trust_sources import TrustDocuments
    from verifier.network import NetworkPolicy, NetworkResolver
    from verifier.trust import RegistryPolicy
    from verifier.verdict_cache import VerdictCache

    signer = app.extensions["signer"]
    base_url = app.config["PUBLIC_BASE_URL"]
    # The registry is signed once per change, for the verify path and /registry/issuers alike.
    signed_registry = app.extensions["signed_registry"] = SignedRegistry(
        signer, base_url=base_url, issuer_name=app.config["ISSUER_NAME"]
    )
    resolvers: list[DocumentResolver] = [
        IssuerDocuments(get_session, base_url=base_url),
        TrustDocuments(
            get_session,
            signed_registry=signed_registry,
            employers=app.extensions["employer_signers"],
            base_url=base_url,
        ),
        OfflineResolver(providers={signer.issuer_did: _our_did_document(signer)}),
    ]
    if entries := int(app.config["VERDICT_CACHE_ENTRIES"]):
        # Reports of credentials whose every input reads the same through our own documents
        # (never the network), reused until one changes: verifier/verdict_cache.py.
        app.extensions["verdict_cache"] = VerdictCache(
            ChainResolver(*resolvers), max_entries=entries
        )
    if app.config.get("VERIFIER_NETWORK_ENABLED", not app.testing):
        resolvers.append(NetworkResolver(NetworkPolicy.from_config(app.config)))
    app.extensions["issuer_records"] = IssuerRecords(
        get_session, issuer_id=signer.issuer_did, base_url=base_url
    )
    # issuer-recognized: our own signed registry, which must be signed by our own DID.
    registry = RegistryPolicy(
        url=registry_url(base_url),
        controller=signer.issuer_did,
        owner_name=f"the {app.config['ISSUER_NAME']}",
    )
    return VerificationContext(
        resolver=ChainResolver(*resolvers),
        limits=InputLimits.from_config(app.config),
        work_budget_seconds=float(app.config["VERIFY_WORK_BUDGET_SECONDS"]),
        signing_records=app.extensions["issuer_records"],  # keys reported compromised
        registry=registry,
    )
