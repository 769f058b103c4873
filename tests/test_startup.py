"""Command start-up (issue #13 item 6): a command imports only what it uses.

Each command runs in a fresh interpreter exactly as ``flask --app wsgi …`` would, and reports
which modules it loaded; the assertions are on those modules, never on time (README "Speed",
"Command start-up" has the figures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Run the flask command in-process, then print the loaded module names as the last line.
RUN_AND_LIST_MODULES = """
import json, sys
sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
from flask.cli import main
try:
    main()
except SystemExit as exit:
    if exit.code:
        raise
print(json.dumps(sorted(sys.modules)))
"""

VIEWS = ("issuer.web", "verifier.web", "issuer.wallets")
VERIFICATION = ("pyld", "jsonschema", "jwcrypto", "verifier.verification", "keys.proofs")
IMAGES = ("PIL", "qrcode")
DATABASE = ("sqlalchemy", "alembic", "issuer.models")


@pytest.fixture
def environment(tmp_path):
    return {
        **os.environ,
        "BADGES_DATABASE_URL": f"sqlite:///{tmp_path / 'badges.sqlite'}",
        "BADGES_KEYS_DIR": str(tmp_path / "keys"),
    }


def _flask(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _modules_loaded(environment: dict[str, str], *args: str) -> set[str]:
    return set(json.loads(_flask(environment, *args).stdout.splitlines()[-1]))


def _loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_help_lists_every_group_without_importing_any_of_them(environment):
    result = _flask(environment, "--help")
    for group in ("awards", "credentials", "db", "demo", "jobs", "keys", "mail", "users"):
        assert f"\n  {group} " in result.stdout
    modules = set(json.loads(result.stdout.splitlines()[-1]))
    assert _loaded(modules, VIEWS + VERIFICATION + IMAGES + DATABASE + ("cryptography",)) == []
    assert "issuer.cli" not in modules


def test_keys_list_touches_neither_the_database_nor_the_views(environment):
    modules = _modules_loaded(environment, "keys", "list")
    assert _loaded(modules, VIEWS + VERIFICATION + IMAGES + DATABASE) == []
    assert "keys.cli" in modules


def test_jobs_list_loads_the_database_but_not_the_views_or_the_verifier(environment):
    _flask(environment, "db", "upgrade")
    modules = _modules_loaded(environment, "jobs", "list")
    assert _loaded(modules, VIEWS + VERIFICATION + IMAGES) == []
    assert "issuer.models" in modules


def test_the_web_side_is_there_when_a_command_needs_it(environment):
    """``flask routes`` reads the URL map: the views are registered on that first need."""
    routes = _flask(environment, "routes").stdout
    assert "/verify" in routes and "/admin" in routes and "/.well-known/did.json" in routes


def test_an_extension_is_made_once_on_first_use_even_by_two_threads_at_once():
    import threading
    import time

    from wsgi import Extensions

    made = []

    def slow_engine():
        time.sleep(0.05)  # long enough for the second thread to ask meanwhile
        made.append(object())
        return made[-1]

    extensions = Extensions()
    extensions.provide("engine", slow_engine)
    assert made == [] and extensions.get("missing", "default") == "default"
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(extensions["engine"])) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and seen == [made[0], made[0]]
    extensions["engine"] = "a test's own"
    assert extensions.get("engine") == "a test's own"


def test_a_deferred_web_side_is_set_up_by_the_first_url_for():
    from flask import url_for

    from wsgi import App

    app = App(__name__)
    calls = []

    def web(app):
        calls.append("web")
        app.add_url_rule("/verify", "verify", lambda: "ok")

    app.set_up_web_on_first_need(web)
    assert calls == []
    with app.test_request_context():
        assert url_for("verify") == "/verify"
    assert app.test_client().get("/verify").text == "ok"
    assert calls == ["web"]
