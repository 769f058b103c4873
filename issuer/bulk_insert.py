"""Many rows of one table in one go, inside the caller's transaction: PostgreSQL's ``COPY …
FROM STDIN`` (psycopg 3 ``Cursor.copy``), else SQLAlchemy's batched INSERT (a multi-row
INSERT … RETURNING when ids are wanted, ``executemany`` otherwise).

Bulk issuance writes four rows per credential (award, audit event, claim link, e-mail); COPY
streams them without a statement per thousand rows to parse, plan and bind (PostgreSQL manual
§14.4.2 "Use COPY": "optimized for loading large numbers of rows; it is less flexible than
INSERT, but incurs significantly less overhead for large data loads"). Values go
through each column's SQLAlchemy type first, so an enum is stored as its value and a JSON
column as the JSON text SQLAlchemy's default serializer writes, as the ORM stores them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Dialect, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeEngine


def insert_rows(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    *,
    return_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (column name -> Python value, every row the same columns) into
    ``model``'s table in the session's transaction (nothing is committed; a rollback removes
    them). Returns the new primary keys in the order of ``rows`` when ``return_ids``, else an
    empty list. On PostgreSQL the ids are drawn from the table's sequence first (one query)
    and the rows streamed with COPY; elsewhere a multi-row INSERT … RETURNING.
    Raises ``sqlalchemy.exc.IntegrityError`` on a unique or foreign-key violation, as the
    INSERT would (``psycopg`` errors are wrapped the same way).
    """
    if not rows:
        return []
    connection = session.connection()
    table = model.__table__  # type: ignore[attr-defined]
    if connection.dialect.name != "postgresql":
        if not return_ids:
            session.execute(insert(model), list(rows))
            return []
        statement = insert(model).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, list(rows)))
    ids: list[int] = []
    if return_ids:
        sequence = func.pg_get_serial_sequence(table.name, "id")
        ids = list(
            session.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
            )
        )
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    defaults = _python_defaults(table, set(rows[0]))
    if defaults:  # COPY knows only the server's defaults; the ORM's are added here
        rows = [{**defaults, **row} for row in rows]
    columns = list(rows[0])
    processors = [_processor(table.c[name].type, connection.dialect) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    import psycopg  # the PostgreSQL driver (the ``postgres`` extra): only on this path

    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if process is None or value is None else process(value)
                        for value, process in zip(
                            (row[name] for name in columns), processors, strict=True
                        )
                    ]
                )
    except psycopg.IntegrityError as error:  # as an INSERT's would be: callers catch this one
        raise IntegrityError(statement, None, error) from error
    return ids


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What turns a Python value into the value COPY sends for this column: JSON as its text
    (``json.dumps``, as SQLAlchemy's default serializer writes it), anything else through the
    type's own bind processor (an enum to its stored value), or None to send it as is."""
    if isinstance(column_type.dialect_impl(dialect), JSON):
        return json.dumps
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _python_defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """The Python-side scalar defaults (``mapped_column(default=…)``) of the columns not
    ``given``, which an INSERT through SQLAlchemy would fill in and COPY would leave NULL.
    Raises ValueError for a missing column whose default is computed (a callable or SQL)."""
    defaults = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"give {table.name}.{column.name}: its default is computed")
        defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
    return defaults
