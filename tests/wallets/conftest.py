"""Wallet tests use the same fixtures as the student pages."""

from tests.students.conftest import client, db, issue  # noqa: F401 - fixtures used here
