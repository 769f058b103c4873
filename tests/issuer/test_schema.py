"""The migrations build exactly the models' schema, and the audit log cannot be rewritten."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text, update
from sqlalchemy.exc import DBAPIError

from issuer.database import is_at_head, make_engine, upgrade
from issuer.models import AuditEvent, Base
from issuer.services import audit


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_an_empty_database_is_brought_to_head_by_one_call(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert not is_at_head(engine)
    upgrade(engine)
    upgrade(engine)  # a second run does nothing
    assert is_at_head(engine)
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("students")}
    assert "ix_students_pathway_id" in indexes
    engine.dispose()


def test_audit_events_cannot_be_changed_or_deleted(world):
    session = world.session
    event = audit.record(session, None, "test.event", world.pathways.gold, {"n": 1}, now=world.now)
    session.commit()
    event.details = {"n": 2}
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(event)
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()
    session.rollback()


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_the_audit_log_even_outside_the_orm(world):
    session = world.session
    if session.bind.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(update(AuditEvent).values(action="rewritten"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_events"))
    session.rollback()


def test_the_embedded_default_is_migrated_when_the_database_is_first_used(tmp_path):
    from issuer import database
    from wsgi import App

    app = App(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(DATABASE_URL=None, LOAD_BADGES_ON_START=False)
    database.init_app(app)
    assert not (tmp_path / "instance" / "badges.sqlite").exists()  # nothing until first use
    with app.app_context():
        assert database.is_at_head(database.get_engine())
    assert (tmp_path / "instance" / "badges.sqlite").exists()
    app.extensions["sqlalchemy_engine"].dispose()
