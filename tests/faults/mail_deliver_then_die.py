"""Run ``flask --app wsgi mail deliver`` and die like a killed process after the N-th commit.

Usage: ``python mail_deliver_then_die.py N``. The first commit of a delivery batch writes the
leases; each later one records a sent message. ``os._exit`` skips every clean-up (no
rollback, no SMTP QUIT, no atexit), exactly like SIGKILL. Exit status 137 (128 + 9).
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import event
from sqlalchemy.orm import Session

from wsgi import create_app

KILLED = 137


def main(commits_before_death: int) -> None:
    app = create_app()
    commits = 0

    @event.listens_for(Session, "after_commit")
    def _count(session: Session) -> None:
        nonlocal commits
        commits += 1
        if commits == commits_before_death:
            os._exit(KILLED)

    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    sys.stdout.write(result.output)
    sys.exit(f"the command finished (status {result.exit_code}) without being killed")


if __name__ == "__main__":
    main(int(sys.argv[1]))
