"""The Dramatiq queue for bulk issuance chunks (RabbitMQ or Redis).

Why Dramatiq: workers are separate processes on any host, a message is acknowledged only
after its chunk committed (a killed worker's message is delivered again), retries with
exponential back-off are built in, and it speaks both brokers this deployment already runs,
with far less machinery than Celery. The chunk task itself is idempotent (see
``issuer.jobs.bulk``), so at-least-once delivery issues every row exactly once.

Workers: ``dramatiq issuer.jobs.worker --processes N --threads 1`` with ``BADGES_JOBS_BROKER_URL``
(and the web app's other settings) in the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

ACTOR_NAME = "issue_bulk_chunk"
MAX_RETRIES = 8
TIME_LIMIT_MS = 10 * 60 * 1000  # a chunk of 500 signs in about a second; ten minutes is a hang


def broker_for(url: str) -> dramatiq.Broker:
    """A broker for ``amqp://…`` (RabbitMQ) or ``redis://…``; ``ValueError`` for anything else."""
    if url.startswith(("amqp://", "amqps://")):
        return RabbitmqBroker(url=url)
    if url.startswith(("redis://", "rediss://")):
        return RedisBroker(url=url)
    raise ValueError(f"JOBS_BROKER_URL must be amqp://… or redis://…, not {url.split(':')[0]!r}")


def chunk_actor(
    broker: dramatiq.Broker, queue_name: str, task: Callable[[int, int], Any]
) -> dramatiq.Actor:
    """Declare the chunk task on ``broker``'s queue ``queue_name`` (``JOBS_QUEUE_NAME``)."""
    return dramatiq.actor(
        task,
        broker=broker,
        actor_name=ACTOR_NAME,
        queue_name=queue_name,
        max_retries=MAX_RETRIES,
        min_backoff=1_000,
        max_backoff=60_000,
        time_limit=TIME_LIMIT_MS,
    )
