"""The queue worker's entry module: ``dramatiq issuer.jobs.worker --processes N --threads 1``.

Each worker process builds the app once from the environment (the same ``BADGES_*`` settings
as the web app, ``BADGES_JOBS_BROKER_URL`` included) and runs chunks in an app context.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dramatiq

from issuer.database import get_session
from issuer.jobs import bulk, queue
from issuer.services.issuance import IssuerSite
from wsgi import create_app

app = create_app()
broker = queue.broker_for(app.config["JOBS_BROKER_URL"])
dramatiq.set_broker(broker)


def issue_bulk_chunk(job_id: int, chunk_no: int) -> None:
    """Run one chunk; an exception makes Dramatiq retry it with back-off."""
    with app.app_context():
        bulk.run_chunk(
            get_session(),
            job_id,
            chunk_no,
            signer=app.extensions["signer"],
            site=IssuerSite.from_config(app.config),
            now=datetime.now(UTC),
        )


issue_chunk = queue.chunk_actor(broker, app.config["JOBS_QUEUE_NAME"], issue_bulk_chunk)
