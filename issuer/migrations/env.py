"""Alembic environment: the engine comes from ``issuer.database.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from issuer.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our column types as plain SQLAlchemy ones, so revisions never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic -c issuer/migrations/alembic.ini ...`
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
            compare_type=True,
            render_item=render_item,
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations()
