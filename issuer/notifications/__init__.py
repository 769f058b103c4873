"""E-mail to students and users through an outbox.

``queue_message`` records a message in the caller's transaction (so an award and its e-mail
commit or roll back together); delivery happens outside the request and is recorded on the
same row (``issuer.models.OutboundMessage``: queued, sent, or failed with the reason).

- ``outbox``: ``queue_message``, the one way a message enters the outbox;
- ``messages``: what each message says (award, revocation, expiry, sign-in, invitation, reset);
- ``delivery``: the worker that claims due rows under a lease, sends over SMTP and records the
  outcome, with retries and back-off; ``sink``: the development SMTP sink (aiosmtpd).
"""

from issuer.notifications.messages import (
    queue_award_expiring,
    queue_award_issued,
    queue_award_revoked,
    queue_awards_issued,
    queue_password_reset,
    queue_student_sign_in,
    queue_user_invited,
)
from issuer.notifications.outbox import queue_message

__all__ = [
    "queue_award_expiring",
    "queue_award_issued",
    "queue_award_revoked",
    "queue_awards_issued",
    "queue_message",
    "queue_password_reset",
    "queue_student_sign_in",
    "queue_user_invited",
]
