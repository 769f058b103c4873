"""Configuration objects. Environment variables prefixed ``BADGES_`` override any key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


class Config:
    """Embedded defaults: SQLite in the instance folder, development keys generated on demand."""

    ENV_NAME = "development"
    SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
    DATABASE_URL: str | None = None  # None: sqlite file in the instance folder
    AUTO_MIGRATE_EMBEDDED = True  # bring the embedded SQLite default to head on start
    LOAD_BADGES_ON_START = True  # load badge_definitions/*.yaml on start (idempotent)
    KEYS_DIR: str | None = None  # None: <instance>/keys
    KEY_PASSPHRASE = "dev-only-key-passphrase"  # noqa: S105 - refused in production
    ISSUER_DOMAIN = "localhost%3A5000"  # did:web:<ISSUER_DOMAIN>; %3A encodes a port
    PUBLIC_BASE_URL = "http://localhost:5000"
    ISSUER_NAME = "Linked Learning Alliance"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # The public verifier's resolver for did:web / https keys and foreign status lists
    # (verifier/network.py): https only, public addresses only, no redirects.
    PROXY_FIX_HOPS = 0  # reverse proxies in front of the app that set X-Forwarded-For/-Proto
    # Rate limits: counts kept in this process (memory://) or shared (redis://host:6379/0)
    RATE_LIMIT_STORAGE_URL = "memory://"
    VERIFY_RATE_LIMIT = 60  # verifications per client address per window
    VERIFY_RATE_WINDOW_SECONDS = 60
    LOGIN_RATE_LIMIT = 10  # failed sign-ins per account (email) per window
    LOGIN_RATE_WINDOW_SECONDS = 300
    VERIFIER_NETWORK_ENABLED = True
    VERIFIER_NETWORK_CONNECT_TIMEOUT = 3  # seconds
    VERIFIER_NETWORK_TOTAL_TIMEOUT = 5  # seconds
    VERIFIER_NETWORK_MAX_BYTES = 256 * 1024  # per response, after decompression
    VERIFIER_NETWORK_CACHE_TTL = 300  # seconds
    # Fetch from 127.0.0.1 / ::1 too: only for tests that serve status lists on loopback
    # (declared here so that BADGES_…=0 or =false reads as off; refused in production).
    VERIFIER_NETWORK_ALLOW_LOOPBACK_FOR_TESTS = False
    # Sessions (issuer/web/sessions.py): kept server-side; the cookie is HttpOnly, SameSite=Lax,
    # and Secure with the __Host- prefix when PUBLIC_BASE_URL is https.
    SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60  # unused this long: signed out
    SESSION_ABSOLUTE_TIMEOUT_SECONDS = 12 * 3600  # signed in this long: signed out
    SESSION_COOKIE_SAMESITE = "Lax"  # Flask's default is None (no attribute)
    SESSION_COOKIE_HTTPONLY = True
    # Sign-in limits (issuer/web/security.py AttemptLimiter), besides LOGIN_RATE_LIMIT per
    # account: failures per client address (IPv6: per /64) and over all clients, per
    # LOGIN_RATE_WINDOW_SECONDS; each holds again with twice the failures over
    # LOGIN_BACKOFF_FACTOR times the window, LOGIN_BACKOFF_STEPS times (5 min, 1 h, 12 h).
    LOGIN_RATE_LIMIT_PER_ADDRESS = 30
    LOGIN_RATE_LIMIT_OVERALL = 1000
    LOGIN_BACKOFF_STEPS = 2
    LOGIN_BACKOFF_FACTOR = 12
    LOGIN_RATE_KEY_PREFIX = "login"  # the counts' names in the store (sites sharing one Redis)
    # Bulk issuance jobs (issuer/jobs): empty runs them in this process (the embedded
    # default); amqp://… (RabbitMQ) or redis://… sends chunks to Dramatiq workers
    JOBS_BROKER_URL = ""
    JOBS_QUEUE_NAME = "bulk-issuance"  # one queue per deployment sharing a broker
    # Public verifier isolation (issue #8, sec-verifier): see verifier/web/admission.py
    # CPU for all canonicalizations + JSON-LD checks of a request: the largest credential the
    # canonicalization budget admits needs about 0.2 s cold, so 0.5 s leaves room for it
    VERIFY_WORK_BUDGET_SECONDS = 0.5
    VERIFY_COST_UNIT_SECONDS = 0.05  # each 50 ms of CPU beyond the first counts as one more attempt
    VERIFY_MAX_CONCURRENT_PER_CLIENT = 2  # verifications of one address running at once
    VERIFY_MAX_CONCURRENT = 8  # verifications running at once in one process
    # The quarantine lane (verifier/web/lane.py): verifications that look expensive run in
    # niced worker processes (0 workers: every verification runs in the web process)
    VERIFY_LANE_WORKERS = 1  # per web process, started on first use
    VERIFY_LANE_QUEUE = 4  # verifications waiting or running in the lane; more: 503
    VERIFY_LANE_PER_CLIENT = 1  # lane verifications of one address at once; more: 429
    VERIFY_LANE_TIMEOUT_SECONDS = 30  # wall time a request waits for the lane; then 503
    VERIFY_LANE_MIN_BYTES = 64 * 1024  # a larger request body goes to the lane
    VERIFY_LANE_MAX_ENDORSEMENTS = 2  # more embedded endorsements: the lane
    VERIFY_LANE_MAX_OBJECTS = 200  # more JSON objects (RDF nodes): the lane
    VERIFY_LANE_FLAG_SECONDS = 0.1  # a verification using this much CPU flags its client...
    VERIFY_LANE_HISTORY_SECONDS = 600  # ...whose verifications then go to the lane this long
    # Reports of our own badges (and of presented credentials whose inputs are all ours) kept
    # per web process until an input changes (verifier/verdict_cache.py); 0 turns it off
    VERDICT_CACHE_ENTRIES = 4096
    VERIFIER_NETWORK_MAX_DID_DOCUMENT_BYTES = 100_000  # DID / controller documents (keys)
    # Mail (accounts-mail): award, sign-in, invitation and password-reset e-mails over SMTP,
    # delivered outside the request by issuer/notifications/delivery.py.
    MAIL_HOST = ""  # empty: no server, messages wait in the outbox (see /dev/outbox)
    MAIL_PORT = 25
    MAIL_TLS = "none"  # none | starttls | ssl (implicit TLS, usually port 465)
    MAIL_USER = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Linked Learning Badges <badges@localhost>"
    MAIL_TIMEOUT_SECONDS = 10  # per SMTP operation: a hanging server costs the worker this much
    MAIL_MAX_ATTEMPTS = 5  # then the message shows as failed with the reason
    MAIL_RETRY_SECONDS = 60  # first back-off; doubles after each failed attempt
    MAIL_LEASE_SECONDS = 300  # a claimed message is taken again after this if its worker died
    MAIL_DELIVERY_THREAD = True  # deliver from a thread of the web process (development)
    MAIL_POLL_SECONDS = 5
    MAIL_DEV_SINK_PORT = 8025  # `demo run` starts a local SMTP sink here (0: any free port)
    DEV_OUTBOX_ENABLED = True  # /dev/outbox shows queued e-mails; never in production
    STUDENT_SIGN_IN_RATE_LIMIT = 5  # sign-in links asked per email (and 4x per address)
    STUDENT_SIGN_IN_RATE_WINDOW_SECONDS = 900
    PASSWORD_RESET_RATE_LIMIT = 5  # reset links asked per email (and 4x per address)
    PASSWORD_RESET_RATE_WINDOW_SECONDS = 900


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    VERIFIER_NETWORK_ENABLED = False  # tests never reach out
    MAIL_DELIVERY_THREAD = False  # tests deliver explicitly (accounts-mail)
    VERIFY_LANE_WORKERS = 0  # verify in-process; tests of the lane turn it on


class ProductionConfig(Config):
    ENV_NAME = "production"
    MAIL_DELIVERY_THREAD = False  # run `flask --app wsgi mail deliver --loop` (accounts-mail)
    DEV_OUTBOX_ENABLED = False


CONFIGS = {"development": Config, "test": TestConfig, "production": ProductionConfig}

# Production secrets: the setting, its development default, and the shortest value accepted.
# SECRET_KEY signs session cookies (``python -c "import secrets; print(secrets.token_hex())"``);
# KEY_PASSPHRASE seals the private keys on disk.
PRODUCTION_SECRETS = {
    "SECRET_KEY": (Config.SECRET_KEY, 32),
    "KEY_PASSPHRASE": (Config.KEY_PASSPHRASE, 16),
}
MIN_PRODUCTION_SCRYPT_N = 2**15


def refuse_development_secrets(config: Mapping[str, Any]) -> None:
    """In production, refuse to start with a development default, empty or short secret, a
    key-sealing cost below ``MIN_PRODUCTION_SCRYPT_N``, or a test-only network setting.

    The error names the setting and never its value (the message reaches logs and terminals).
    Outside production nothing is checked: development and tests run on the defaults.
    """
    if config.get("ENV_NAME") != "production":
        return
    for name, (default, minimum) in PRODUCTION_SECRETS.items():
        value = config.get(name)
        if not isinstance(value, str) or not value.strip():
            problem = "is not set"
        elif value == default:
            problem = "is still the development default"
        elif len(value) < minimum:
            problem = f"is shorter than {minimum} characters"
        else:
            continue
        raise RuntimeError(
            f"refusing to start in production: {name} {problem}; "
            f"set BADGES_{name} to a long random value"
        )
    if config.get("VERIFIER_NETWORK_ALLOW_LOOPBACK_FOR_TESTS"):
        raise RuntimeError(
            "refusing to start in production: VERIFIER_NETWORK_ALLOW_LOOPBACK_FOR_TESTS is on, "
            "which lets the public verifier fetch from this host's own services"
        )
    scrypt_n = int(config.get("KEY_SCRYPT_N", MIN_PRODUCTION_SCRYPT_N))
    if scrypt_n < MIN_PRODUCTION_SCRYPT_N:
        raise RuntimeError(
            "refusing to start in production: KEY_SCRYPT_N is below 2**15, "
            "too cheap against an offline guess of KEY_PASSPHRASE"
        )


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults of the chosen config class, then ``BADGES_*`` environment, then ``overrides``."""
    env_name = (overrides or {}).get("ENV_NAME") or os.environ.get("BADGES_ENV", "development")
    base = CONFIGS[env_name]
    values = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    for key, raw in os.environ.items():
        if key.startswith("BADGES_"):
            name = key.removeprefix("BADGES_")
            is_flag = isinstance(values.get(name), bool)
            values[name] = raw.strip().lower() in {"1", "true", "yes", "on"} if is_flag else raw
    if values.get("DATABASE_URL") is None and os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = os.environ["DATABASE_URL"]
    values.update(overrides or {})
    return values
