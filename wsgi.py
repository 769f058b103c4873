"""The composition root: ``create_app`` builds the adapters and passes them in.

Run with ``flask --app wsgi run``; CLI commands are ``flask --app wsgi <group> <command>``.

Nothing heavy happens at import or in ``create_app`` for a command that does not need it
(README "Command start-up"): costly ``app.extensions`` entries (engine, signer, verification
context) are made on first use, command groups import their modules when one of their commands
is run, and under the ``flask`` command the web side (views, their hooks and error pages) is set
up on first need: the first request, ``url_for`` or ``flask routes``.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map

from config import load_config, refuse_development_secrets

if TYPE_CHECKING:
    from issuer.benefit_sources import IssuerRecords
    from issuer.services.registry import SignedRegistry
    from issuer.signing import CredentialSigner, EmployerSigners
    from verifier.inputs import ParsedInput
    from verifier.report import VerificationReport
    from verifier.resolvers import DocumentResolver
    from verifier.verdict_cache import VerdictCache
    from verifier.verification import VerificationContext

# The command groups: name, what ``flask --help`` says, and where its commands live
# ("module:attribute", a click group or command), imported only when the group is used.
COMMAND_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("db", "Manage the database schema.", ("issuer.database:db_cli",)),
    ("badges", "Badge definitions (badge_definitions/*.yaml).", ("issuer.cli:badges_cli",)),
    ("pathways", "Pathways and their certifications.", ("issuer.cli:pathways_cli",)),
    ("users", "People who sign in.", ("issuer.cli:users_cli",)),
    ("students", "Students of the pathways.", ("issuer.cli:students_cli",)),
    ("criteria", "Criterion results.", ("issuer.cli:criteria_cli",)),
    ("awards", "Issue and revoke badges.", ("issuer.cli:awards_cli",)),
    ("jobs", "Bulk issuance jobs: list, status, resume.", ("issuer.jobs.cli:jobs_cli",)),
    (
        "mail",
        "Deliver queued e-mails; tell students of expiring badges.",
        ("issuer.notifications.cli:mail_cli",),
    ),
    ("demo", "Demonstration data and a one-command local server.", ("issuer.cli:demo_cli",)),
    (
        "keys",
        "Manage the issuer's signing keys.",
        ("keys.cli:keys_cli", "issuer.cli:revoke_key_command"),  # revoke also marks our awards
    ),
    (
        "credentials",
        "Sign and verify credentials.",
        ("issuer.credentials_cli:sign_command", "verifier.cli:verify_command"),
    ),
)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The app: config (class defaults, ``BADGES_*`` environment, then ``overrides``), the
    database, signers and verification context (each made on first use), the command groups,
    and the web side (see the module docstring for when)."""
    app = App(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(overrides))
    refuse_development_secrets(app.config)
    from issuer import database

    database.init_app(app)  # engine and sessions, made on first use
    app.extensions.provide("signer", lambda: _signer(app))
    app.extensions.provide("employer_signers", lambda: _employer_signers(app))
    app.extensions.provide("issuer_records", lambda: _issuer_records(app))
    app.extensions.provide("signed_registry", lambda: _signed_registry(app))
    app.extensions.provide("local_resolvers", lambda: _local_resolvers(app))
    app.extensions.provide("verification_context", lambda: _verification_context(app))
    app.extensions.provide("verdict_cache", lambda: _verdict_cache(app))
    app.extensions.provide(
        "verify_lane_factory", lambda: partial(lane_verifier, _picklable(app.config))
    )
    for name, help_text, sources in COMMAND_GROUPS:
        app.cli.add_command(LazyGroup(name, help_text, sources))
    if click.get_current_context(silent=True) is None:
        _init_web(app)  # a server or a test: ready before the first request
    else:  # under the `flask` command, which mostly runs commands that need no views
        app.set_up_web_on_first_need(_init_web)
    return app


def _init_web(app: Flask) -> None:
    """The blueprints with their hooks, error pages and template helpers."""
    from issuer import web as issuer_web
    from issuer.wallets import init_app as wallets_init_app
    from issuer.web import public as public_web
    from verifier import web as verifier_web

    issuer_web.init_app(app)
    public_web.init_app(app)
    verifier_web.init_app(app)
    wallets_init_app(app)
    if hops := int(app.config.get("PROXY_FIX_HOPS", 0)):
        # Behind a reverse proxy: client address and scheme from its X-Forwarded-* headers,
        # so rate limits count clients, not the proxy, and HSTS sees https. Outermost, so the
        # verifier's penalty box (inside) sees the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _signer(app: Flask) -> CredentialSigner:
    from issuer.signing import signer_from_config

    return signer_from_config(app.config, app.instance_path)


def _employer_signers(app: Flask) -> EmployerSigners:
    from issuer.signing import EmployerSigners

    return EmployerSigners.from_config(app.config, app.instance_path)


def _issuer_records(app: Flask) -> IssuerRecords:
    """The issuer's records the verifier reads (stored credentials, benefit facts)."""
    from issuer.benefit_sources import IssuerRecords
    from issuer.database import get_session

    return IssuerRecords(
        get_session,
        issuer_id=app.extensions["signer"].issuer_did,
        base_url=app.config["PUBLIC_BASE_URL"],
    )


def _signed_registry(app: Flask) -> SignedRegistry:
    """The issuer registry credential, signed once per change, for the verify path and
    ``/registry/issuers`` alike."""
    from issuer.services.registry import SignedRegistry

    return SignedRegistry(
        app.extensions["signer"],
        base_url=app.config["PUBLIC_BASE_URL"],
        issuer_name=app.config["ISSUER_NAME"],
    )


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


def _local_resolvers(app: Flask) -> list[DocumentResolver]:
    """Our own documents, read locally (never the network): status lists, the signed registry
    and employers' documents, our DID document."""
    from issuer.benefit_sources import IssuerDocuments
    from issuer.database import get_session
    from issuer.trust_sources import TrustDocuments
    from verifier.resolvers import OfflineResolver

    signer = app.extensions["signer"]
    base_url = app.config["PUBLIC_BASE_URL"]
    return [
        IssuerDocuments(get_session, base_url=base_url),
        TrustDocuments(
            get_session,
            signed_registry=app.extensions["signed_registry"],
            employers=app.extensions["employer_signers"],
            base_url=base_url,
        ),
        OfflineResolver(providers={signer.issuer_did: _our_did_document(signer)}),
    ]


def _verification_context(app: Flask) -> VerificationContext:
    """Our own documents locally (:func:`_local_resolvers`); did:key offline; anything else
    through ``verifier.network`` when ``VERIFIER_NETWORK_ENABLED`` (off under test)."""
    from issuer.services.registry import registry_url
    from verifier.limits import InputLimits
    from verifier.network import NetworkPolicy, NetworkResolver
    from verifier.resolvers import ChainResolver
    from verifier.trust import RegistryPolicy
    from verifier.verification import VerificationContext

    signer = app.extensions["signer"]
    resolvers = list(app.extensions["local_resolvers"])
    if app.config.get("VERIFIER_NETWORK_ENABLED", not app.testing):
        resolvers.append(NetworkResolver(NetworkPolicy.from_config(app.config)))
    # issuer-recognized: our own signed registry, which must be signed by our own DID.
    registry = RegistryPolicy(
        url=registry_url(app.config["PUBLIC_BASE_URL"]),
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


def _verdict_cache(app: Flask) -> VerdictCache | None:
    """Reports of credentials whose every input reads the same through our own documents
    (never the network), reused until one changes (``verifier/verdict_cache.py``); None when
    ``VERDICT_CACHE_ENTRIES`` is 0."""
    from verifier.resolvers import ChainResolver
    from verifier.verdict_cache import VerdictCache

    if not (entries := int(app.config["VERDICT_CACHE_ENTRIES"])):
        return None
    return VerdictCache(ChainResolver(*app.extensions["local_resolvers"]), max_entries=entries)


def _picklable(config: Any) -> dict[str, Any]:
    """The settings a lane worker is built from (values that cannot cross to another process
    are left to their defaults there)."""
    import pickle

    settings = {}
    for key, value in config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: S112 - whatever cannot be pickled stays behind
            continue
        settings[key] = value
    return settings


def lane_verifier(
    settings: dict[str, Any],
) -> Callable[[ParsedInput, str | None], VerificationReport]:
    """Run in a quarantine-lane worker (``verifier/web/lane.py``): an app from the web
    process's ``settings`` that only verifies (no badge loading, migration, mail thread or
    lane of its own), and its verification, with the same resolvers, our records included."""
    app = create_app(
        settings
        | {
            "LOAD_BADGES_ON_START": False,
            "AUTO_MIGRATE_EMBEDDED": False,
            "MAIL_DELIVERY_THREAD": False,
            "VERIFY_LANE_WORKERS": 0,
        }
    )
    from verifier.verification import verify

    context = app.extensions["verification_context"]

    def run(parsed: ParsedInput, email: str | None) -> VerificationReport:
        with app.app_context():
            return verify(parsed, context, recipient_email=email)

    return run


class Extensions(dict[str, Any]):
    """``app.extensions`` whose costly entries are made on first use, once (thread-safe).

    ``provide(name, factory)`` registers a maker; ``extensions[name]`` (or ``.get``) calls it
    the first time and keeps the value. Assigning a value (as tests do) replaces the maker.
    """

    def __init__(self) -> None:
        super().__init__()
        self._factories: dict[str, Callable[[], Any]] = {}
        self._lock = threading.RLock()  # re-entrant: one factory may ask for another entry

    def provide(self, name: str, factory: Callable[[], Any]) -> None:
        self._factories[name] = factory

    def __missing__(self, name: str) -> Any:
        if name not in self._factories:
            raise KeyError(name)
        with self._lock:
            if not dict.__contains__(self, name):
                self[name] = self._factories[name]()
            return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if dict.__contains__(self, name) or name in self._factories:
            return self[name]  # a maker's own errors propagate
        return default


class App(Flask):
    """Flask with lazily made ``extensions``, and a web side that can wait for its first need:
    anything that reads ``url_map`` (routing a request, ``url_for``, ``flask routes``) sets it
    up first, once, and other threads wait for it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._web_setup: Callable[[Flask], None] | None = None
        self._web_lock = threading.RLock()
        super().__init__(*args, **kwargs)
        self.extensions: Extensions = Extensions()  # type: ignore[assignment]

    def set_up_web_on_first_need(self, setup: Callable[[Flask], None]) -> None:
        self._web_setup = setup

    @property  # type: ignore[override]
    def url_map(self) -> Map:
        if self._web_setup is not None:
            with self._web_lock:
                # Cleared before it runs: the setup itself adds rules to this map.
                setup, self._web_setup = self._web_setup, None
                if setup is not None:
                    setup(self)
        return self._url_map

    @url_map.setter
    def url_map(self, value: Map) -> None:
        self._url_map = value


class LazyGroup(click.Group):
    """A command group that imports its commands' modules when one of them is listed or run
    (click's "lazily loading subcommands" pattern): ``flask --help`` imports none of them, and
    ``keys list`` only ``keys.cli``.

    ``sources`` are "module:attribute" names of click groups (their commands are taken) or
    commands, looked through in order.
    """

    def __init__(self, name: str, help_text: str, sources: tuple[str, ...]) -> None:
        super().__init__(name, help=help_text)
        self._sources = sources
        self._loaded: dict[str, dict[str, click.Command]] = {}

    def _commands(self) -> Iterator[dict[str, click.Command]]:
        for source in self._sources:
            if source not in self._loaded:
                module, _, attribute = source.partition(":")
                found = getattr(importlib.import_module(module), attribute)
                is_group = isinstance(found, click.Group)
                self._loaded[source] = found.commands if is_group else {found.name: found}
            yield self._loaded[source]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for commands in self._commands() for name in commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for commands in self._commands():
            if cmd_name in commands:
                return commands[cmd_name]
        return None
