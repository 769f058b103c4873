"""Engine, sessions and migrations, in the shape of flaskr's ``db.py``.

``init_app`` provides one engine per app, made on first use (so commands that never touch the
database, and ``flask --help``, import no SQLAlchemy); ``get_session()`` gives the request (or
command) its session, closed on teardown. Views and commands own the transaction: they call
``session.commit()``; services never do.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup

if TYPE_CHECKING:
    from logging import Logger

    from alembic.config import Config as AlembicConfig
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def database_url(app: Flask) -> str:
    """The configured URL, or the embedded SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if url:
        return url
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'badges.sqlite'}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with SQLite made to enforce foreign keys and wait for writers."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(engine: Engine) -> AlembicConfig:
    """Alembic configured in code: no alembic.ini to find, the connection passed in.
    (Alembic is imported here, not at module level: most commands never migrate.)"""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent: at head it does nothing, without even
    importing Alembic, so every start of the embedded default stays cheap)."""
    if revision == "head" and is_at_head(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


_REVISION = re.compile(r'^(down_revision|revision)(?:: [^=]+)? = "?([^"\n]*)"?$', re.M)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migration(s), read from the revision files' ``revision``/``down_revision``
    lines (what Alembic itself would compute, for a linear or branched history)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        fields = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in fields:
            revisions.add(fields["revision"])
            parent = fields.get("down_revision", "None")
            if parent not in ("None", ""):
                parents.add(parent)
    return frozenset(revisions - parents)


def is_at_head(engine: Engine) -> bool:
    """Whether the database's schema revision is the newest migration (one query)."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return current == set(head_revisions())


def init_app(app: Flask) -> None:
    """Provide the engine and session factory, made on first use (``app.extensions`` is
    ``wsgi.Extensions``: ``app.extensions["sqlalchemy_engine"]`` and
    ``["sqlalchemy_sessionmaker"]``); close each app context's session on teardown.

    The first use makes the database ready: the embedded SQLite default (no ``DATABASE_URL``)
    is upgraded to head, so the first ``flask run`` works on an empty checkout (a configured
    server database is only migrated by ``flask db upgrade``), then the badge definitions are
    loaded when ``LOAD_BADGES_ON_START``.
    """
    app.extensions.provide("sqlalchemy_engine", lambda: ready_engine(app))
    app.extensions.provide("sqlalchemy_sessionmaker", lambda: session_factory(app))
    app.teardown_appcontext(close_session)


def ready_engine(app: Flask) -> Engine:
    """The app's engine, its schema migrated (embedded default) and badges loaded (see
    ``init_app``)."""
    engine = make_engine(database_url(app))
    if not app.config.get("DATABASE_URL") and app.config.get("AUTO_MIGRATE_EMBEDDED", True):
        upgrade(engine)
    if app.config.get("LOAD_BADGES_ON_START", True):
        load_badges_if_ready(engine, app.logger)
    return engine


def session_factory(app: Flask) -> sessionmaker[Session]:
    """Sessions over the app's engine; objects stay readable after commit."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(app.extensions["sqlalchemy_engine"], expire_on_commit=False)


def load_badges_if_ready(engine: Engine, logger: Logger) -> None:
    """Load the badge definitions (``badge_definitions/*.yaml``), if the schema is ready.

    Idempotent (unchanged files do nothing). Skipped, with a warning, when the database is down
    or before ``db upgrade`` has run, so that ``flask db upgrade`` itself can start on an empty
    database.
    """
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm import Session

    from issuer.services import badges

    try:
        ready = is_at_head(engine)
    except OperationalError as exc:
        logger.warning("database unavailable, badge definitions not loaded: %s", exc)
        return
    if not ready:
        logger.warning(
            "database schema is not at head: run 'flask --app wsgi db "
            "upgrade'; badge definitions not loaded"
        )
        return
    with Session(engine, expire_on_commit=False) as session:
        try:
            badges.load_all(session, now=datetime.now(UTC))
            session.commit()
        except IntegrityError:  # another worker loaded the same definitions at the same moment
            session.rollback()


def get_engine() -> Engine:
    return current_app.extensions["sqlalchemy_engine"]


def get_session() -> Session:
    """This app context's session, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["sqlalchemy_sessionmaker"]()
    return g.db_session


def close_session(exception: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exception is not None:
            session.rollback()
        session.close()


db_cli = AppGroup("db")  # registered, with its help, by wsgi.create_app


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION."""
    upgrade(get_engine(), revision)
    click.echo(f"Database at {revision}.")
