"""Run a ``flask --app wsgi`` command that dies like a killed process part-way through.

Usage: ``python bulk_issue_then_die.py MOMENT N COMMAND...`` with MOMENT ``after-commit`` (die
right after the N-th commit) or ``mid-row`` (die while signing the row after the N-th commit,
its award and status index added but not committed). ``os._exit`` skips every clean-up: no
rollback, no connection close, no atexit, exactly like SIGKILL. Exit status 137 (128 + 9).
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import event
from sqlalchemy.orm import Session

from wsgi import create_app

KILLED = 137


def main(moment: str, rows: int, command: list[str]) -> None:
    app = create_app()
    commits = 0

    @event.listens_for(Session, "after_commit")
    def _count(session: Session) -> None:
        nonlocal commits
        commits += 1
        if moment == "after-commit" and commits == rows:
            os._exit(KILLED)

    signer = app.extensions["signer"]
    sign_jwt = signer.sign_jwt

    def sign_jwt_then_maybe_die(credential, **options):
        if moment == "mid-row" and commits == rows:
            os._exit(KILLED)
        return sign_jwt(credential, **options)

    signer.sign_jwt = sign_jwt_then_maybe_die
    result = app.test_cli_runner().invoke(args=command)
    sys.stdout.write(result.output)
    sys.exit(f"the command finished (status {result.exit_code}) without being killed")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
