"""Two workers given the same chunk at once (a redelivered queue message while the first is
still running) issue each row once: the second's COPY of the awards meets the first's
idempotency keys, waits for its commit, fails on them and reads what the first did."""

from __future__ import annotations

import io
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.jobs import bulk
from issuer.models import Award, BulkJobRow, OneTimeLink, OutboundMessage
from tests.faults.conftest import on_postgres
from tests.issuer.conftest import SITE


class _MeetingSigner:
    """Signs as ``inner``, but each thread's first badge (not the status list, which is signed
    under its row lock) waits until both threads are signing badges: both have planned the
    chunk (no award yet) before either writes."""

    def __init__(self, inner, parties: int) -> None:
        self.inner, self.issuer_did = inner, inner.issuer_did
        self.barrier = threading.Barrier(parties, timeout=30)
        self.met: set[int] = set()

    def sign_ldp(self, credential):
        badge = "AchievementCredential" in credential.get("type", [])
        if badge and threading.get_ident() not in self.met:
            self.met.add(threading.get_ident())
            self.barrier.wait()
        return self.inner.sign_ldp(credential)

    def sign_jwt(self, credential, **options):
        return self.inner.sign_jwt(credential, **options)


@on_postgres
def test_the_same_chunk_run_twice_at_once_issues_each_row_once(world, fake_signer, engine):
    students = [world.student(world.pathways.gold, f"Twin Learner{i}") for i in range(4)]
    world.session.commit()
    content = "student_email\n" + "".join(f"{s.email}\n" for s in students)
    job = bulk.open_job(
        world.session, stream=io.BytesIO(content.encode()), filename="twins.csv",
        badge=world.badge, actor=None, now=world.now,
    )  # fmt: skip
    world.session.commit()
    signer = _MeetingSigner(fake_signer, parties=2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                bulk.run_chunk(session, job.id, 0, signer=signer, site=SITE, now=world.now)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(signer.met) == 2, "both workers planned the chunk before either wrote"
    session = world.session
    session.expire_all()
    count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Award) == count(OutboundMessage) == count(OneTimeLink) == len(students)
    outcomes = session.scalars(select(BulkJobRow.outcome).where(BulkJobRow.job_id == job.id))
    assert sorted(outcomes) == ["issued"] * len(students)
    assert bulk.progress(session, job).issued == len(students)
