"""``flask --app wsgi jobs …``: bulk issuance jobs seen and steered from the command line,
whoever started them (the web page, the command line, another host)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from issuer.database import get_session
from issuer.jobs import bulk, executors
from issuer.models import BulkJob

jobs_cli = AppGroup("jobs")  # registered, with its help, by wsgi.create_app


def _job(token: str) -> BulkJob:
    job = get_session().scalar(select(BulkJob).where(BulkJob.token == token))
    if job is None:
        raise click.ClickException(f"no bulk job {token}")
    return job


def _line(job: BulkJob) -> str:
    progress = bulk.progress(get_session(), job)
    started = "not started" if job.submitted_at is None else progress.state
    return (
        f"{job.token}  {job.created_at:%Y-%m-%d %H:%M}  {job.badge.slug}  {job.filename}  "
        f"{started}: {progress.processed}/{progress.total} rows, {progress.issued} issued, "
        f"{progress.skipped} already issued, {progress.failed} not issued"
    )


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int) -> None:
    """The newest jobs with their progress."""
    for job in get_session().scalars(select(BulkJob).order_by(BulkJob.id.desc()).limit(limit)):
        click.echo(_line(job))


@jobs_cli.command("status")
@click.argument("token")
@click.option("--failures", is_flag=True, help="Also list the rows not issued.")
def status_command(token: str, failures: bool) -> None:
    """One job's progress (and, with --failures, why rows were not issued)."""
    job = _job(token)
    click.echo(_line(job))
    if failures:
        for row in bulk.rows(get_session(), job, outcome=bulk.FAILED, limit=10_000):
            click.echo(f"line {row.line} ({row.student_ref}): {row.message}")


@jobs_cli.command("resume")
@click.argument("token")
def resume_command(token: str) -> None:
    """Send a started job's unfinished chunks to the executor again (safe: a chunk already
    done, or done twice at once, issues nothing twice)."""
    session = get_session()
    job = _job(token)
    if job.submitted_at is None:
        raise click.ClickException("this job was never started: start it from its page")
    pending = bulk.pending_chunks(session, job)
    session.rollback()
    if not pending:
        click.echo("Nothing to resume: every chunk is done.")
        return
    executors.executor_of(current_app._get_current_object()).submit(job.id, pending)  # type: ignore[attr-defined]
    executors.wait_for_runs(current_app._get_current_object(), timeout=24 * 3600)  # type: ignore[attr-defined]
    click.echo(f"Resumed {len(pending)} chunk(s).")
    click.echo(_line(job))
