"""The bulk engine issues exactly what single issuance would, side effects included."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from issuer.jobs import bulk
from issuer.models import Award, LinkPurpose, MessageStatus, OutboundMessage
from issuer.services import links
from tests.issuer.conftest import SITE


def test_each_bulk_issued_badge_queues_its_student_award_email_with_a_claim_link(
    world, fake_signer
):
    students = [world.student(world.pathways.gold, f"Learner Number{i}") for i in range(3)]
    world.session.commit()
    content = "student_email\n" + "".join(f"{s.email}\n" for s in students)
    job = bulk.open_job(
        world.session, stream=io.BytesIO(content.encode()), filename="cohort.csv",
        badge=world.badge, actor=None, now=world.now, chunk_size=2,
    )  # fmt: skip
    world.session.commit()
    for chunk_no in bulk.pending_chunks(world.session, job):
        bulk.run_chunk(
            world.session, job.id, chunk_no, signer=fake_signer, site=SITE, now=world.now
        )
    messages = world.session.scalars(
        select(OutboundMessage).where(OutboundMessage.kind == "award.issued")
    ).all()
    assert sorted(m.to_address for m in messages) == sorted(s.email for s in students)
    for message in messages:
        assert message.award_id is not None
        assert message.body_text.count("/my/claim/") == 1
        # the link works, once, for this award and its student (the rows are written in bulk)
        token = re.search(r"/my/claim/(\S+)", message.body_text).group(1)
        assert f"/my/claim/{token}" in (message.body_html or "")
        signer = links.LinkSigner(SITE.link_secret)
        link = links.check(
            world.session, signer, token, purpose=LinkPurpose.STUDENT_CLAIM, now=world.now
        )
        award = world.session.get(Award, message.award_id)
        assert (link.award_id, link.student_id) == (award.id, award.student_id)
        assert message.student_id == award.student_id
        assert message.status == MessageStatus.QUEUED  # the mail process will send it
        assert award.student.email == message.to_address
