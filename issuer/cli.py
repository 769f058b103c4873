"""The issuer's commands: ``flask --app wsgi <group> <command>``.

Each command owns its transaction: it calls services, then commits (or lets the error roll
back). Commands act as the operator at the command line (``actor`` None in the audit log,
labelled "command line").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from badge_definitions import BadgeDefinitionError
from issuer.database import get_engine, get_session, upgrade
from issuer.jobs import bulk as bulk_jobs
from issuer.jobs import executors
from issuer.models import Award, CertificationLevel, Organisation, Role
from issuer.permissions import PermissionDenied
from issuer.services import (
    badges,
    certifications,
    criteria,
    issuance,
    key_compromise,
    revocation,
    status_lists,
    students,
    users,
)
from issuer.signing import CredentialSigner
from keys.did import public_key_of
from keys.keypairs import InvalidKey
from keys.store import KeyStoreError

DOMAIN_ERRORS = (LookupError, ValueError, PermissionDenied, BadgeDefinitionError, KeyStoreError)


def current_signer() -> CredentialSigner:
    """The app's credential signer (built once in ``create_app``)."""
    return current_app.extensions["signer"]


def current_site() -> issuance.IssuerSite:
    return issuance.IssuerSite.from_config(current_app.config)


def _now() -> datetime:
    return datetime.now(UTC)


def _explained(command: Callable[..., Any]) -> Callable[..., Any]:
    """Domain errors become a one-line message and exit status 1, not a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DOMAIN_ERRORS as exc:
            get_session().rollback()
            raise click.ClickException(str(exc)) from exc

    return run


def _student(email: str) -> Any:
    student = students.find_student(get_session(), email)
    if student is None:
        raise LookupError(f"no student with email {email}")
    return student


# -- badges ------------------------------------------------------------------------------------
badges_cli = AppGroup("badges")  # registered, with its help, by wsgi.create_app


@badges_cli.command("load")
@click.option(
    "--directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Where the YAML files are (default: the badge_definitions package).",
)
@_explained
def load_badges_command(directory: Path | None) -> None:
    """Load or update every badge definition (unchanged ones are left alone)."""
    session = get_session()
    outcomes = badges.load_all(session, directory, now=_now())
    session.commit()
    for outcome in outcomes:
        click.echo(f"{outcome.slug} version {outcome.version}: {outcome.action}")


# -- pathways ----------------------------------------------------------------------------------
pathways_cli = AppGroup("pathways")  # registered, with its help, by wsgi.create_app
_level = click.option(
    "--level", required=True, type=click.Choice([level.value for level in CertificationLevel])
)
_awarded = click.option("--awarded-on", required=True, type=click.DateTime(["%Y-%m-%d"]))
_expires = click.option(
    "--expires-on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The first day the certification no longer holds.",
)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@pathways_cli.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--school", required=True)
@click.option("--district", required=True)
@click.option("--sector", required=True, help="e.g. health, engineering")
@_level
@_awarded
@_expires
@_explained
def create_pathway_command(
    slug: str,
    name: str,
    school: str,
    district: str,
    sector: str,
    level: str,
    awarded_on: datetime,
    expires_on: datetime | None,
) -> None:
    """Add a pathway with its current certification."""
    session = get_session()
    certifications.create_pathway(
        session,
        slug=slug,
        name=name,
        school=school,
        district=district,
        sector=sector,
        level=level,
        awarded_on=awarded_on.date(),
        expires_on=_day(expires_on),
        actor=None,
        now=_now(),
    )
    session.commit()
    click.echo(f"Created {name} ({level}).")


@pathways_cli.command("certify")
@click.argument("slug")
@_level
@_awarded
@_expires
@click.option("--note")
@_explained
def certify_command(
    slug: str, level: str, awarded_on: datetime, expires_on: datetime | None, note: str | None
) -> None:
    """Record a (re)certification of pathway SLUG."""
    session = get_session()
    pathway = certifications.find_pathway(session, slug)
    certifications.record_certification(
        session,
        pathway=pathway,
        level=level,
        awarded_on=awarded_on.date(),
        expires_on=_day(expires_on),
        note=note,
        actor=None,
        now=_now(),
    )
    session.commit()
    click.echo(f"{pathway.name} is now {level}.")


# -- users -------------------------------------------------------------------------------------
users_cli = AppGroup("users")  # registered, with its help, by wsgi.create_app


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for (hidden) when not given.",
)
@click.option(
    "--pathway",
    "pathway_slugs",
    multiple=True,
    help="A pathway a pathway admin manages (repeatable).",
)
@click.option(
    "--organisation",
    "organisation_slug",
    help="The employer of an employer partner, e.g. sutter-health.",
)
@_explained
def create_user_command(
    email: str,
    name: str,
    role: str,
    password: str,
    pathway_slugs: tuple[str, ...],
    organisation_slug: str | None,
) -> None:
    """Create a user."""
    session = get_session()
    organisation = None
    if organisation_slug:
        organisation = session.scalar(
            select(Organisation).where(Organisation.slug == organisation_slug)
        )
        if organisation is None:
            raise LookupError(f"no organisation {organisation_slug!r}")
    user = users.create_user(
        session,
        email=email,
        name=name,
        role=role,
        password=password,
        pathways=[certifications.find_pathway(session, s) for s in pathway_slugs],
        organisation=organisation,
        actor=None,
        now=_now(),
    )
    session.commit()
    click.echo(f"Created {user.role} {user.email}.")


# -- students ----------------------------------------------------------------------------------
students_cli = AppGroup("students")  # registered, with its help, by wsgi.create_app


@students_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--pathway", "pathway_slug", required=True)
@_explained
def import_students_command(csv_file: Any, pathway_slug: str) -> None:
    """Create the students listed in CSV_FILE (name,email,graduation_year[,name_display_consent])."""
    session = get_session()
    pathway = certifications.find_pathway(session, pathway_slug)
    report = students.import_roster(
        session, pathway=pathway, content=csv_file.read(), actor=None, now=_now()
    )
    session.commit()
    click.echo(
        f"{report.created} created, {report.unchanged} already present, "
        f"{len(report.errors)} with errors."
    )
    for error in report.errors:
        click.echo(f"  {error}", err=True)


# -- criteria ----------------------------------------------------------------------------------
criteria_cli = AppGroup("criteria")  # registered, with its help, by wsgi.create_app


@criteria_cli.command("record")
@click.option("--student", "student_email", required=True)
@click.option("--badge", "badge_slug", required=True)
@click.option("--criterion", required=True)
@click.option("--met/--not-met", required=True)
@click.option("--evidence-url")
@click.option("--note")
@_explained
def record_criterion_command(
    student_email: str,
    badge_slug: str,
    criterion: str,
    met: bool,
    evidence_url: str | None,
    note: str | None,
) -> None:
    """Record whether a student met one criterion of a badge."""
    session = get_session()
    criteria.record_result(
        session,
        student=_student(student_email),
        badge=badges.find_badge(session, badge_slug),
        criterion_key=criterion,
        met=met,
        evidence_url=evidence_url,
        note=note,
        actor=None,
        now=_now(),
    )
    session.commit()
    click.echo(f"{criterion}: {'met' if met else 'not met'}.")


# -- awards ------------------------------------------------------------------------------------
awards_cli = AppGroup("awards")  # registered, with its help, by wsgi.create_app


@awards_cli.command("issue")
@click.option("--student", "student_email", required=True)
@click.option("--badge", "badge_slug", required=True)
@_explained
def issue_command(student_email: str, badge_slug: str) -> None:
    """Issue a badge to one student."""
    session = get_session()
    try:
        award = issuance.issue_badge(
            session,
            student=_student(student_email),
            badge=badges.find_badge(session, badge_slug),
            actor=None,
            signer=current_signer(),
            site=current_site(),
            now=_now(),
        )
    except issuance.NotEligible as exc:
        session.rollback()
        raise click.ClickException("not eligible:\n  " + "\n  ".join(exc.result.messages)) from exc
    session.commit()
    click.echo(
        f"Issued {award.credential_id} (valid until "
        f"{award.valid_until.date() if award.valid_until else 'no end date'})."
    )


@awards_cli.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True)
@_explained
def revoke_command(credential_id: str, reason: str) -> None:
    """Revoke the award CREDENTIAL_ID (urn:uuid:...)."""
    session = get_session()
    award = session.scalar(select(Award).where(Award.credential_id == credential_id))
    if award is None:
        raise LookupError(f"no award {credential_id}")
    revocation.revoke(session, award=award, reason=reason, actor=None, now=_now())
    status_lists.refresh(
        session,
        award.status_list_id,
        current_signer(),
        _now(),
        base_url=current_app.config["PUBLIC_BASE_URL"],
    )
    session.commit()
    click.echo(f"Revoked {credential_id}.")


@awards_cli.command("publish-status-lists")
@_explained
def publish_status_lists_command() -> None:
    """Sign every status list that needs it (after deploying, and daily from a timer)."""
    session = get_session()
    signed = status_lists.publish_all(
        session, current_signer(), _now(), base_url=current_app.config["PUBLIC_BASE_URL"]
    )
    session.commit()
    click.echo(f"Signed {len(signed)} status list(s); the others were current.")


@awards_cli.command("bulk-issue")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--badge", "badge_slug", required=True)
@click.option(
    "--issue-valid-rows",
    is_flag=True,
    help="Issue the rows without errors even when other rows have some (skips the check pass).",
)
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="one per core",
    help="Local processes signing in parallel (without JOBS_BROKER_URL).",
)
@click.option("--chunk-size", type=click.IntRange(min=1), default=bulk_jobs.CHUNK_SIZE)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With JOBS_BROKER_URL: queue the job for the workers and return at once.",
)
@_explained
def bulk_issue_command(
    csv_file: Path,
    badge_slug: str,
    issue_valid_rows: bool,
    processes: int,
    chunk_size: int,
    no_wait: bool,
) -> None:
    """Issue a badge to every student of CSV_FILE (student_email or student_id[, evidence_url]).

    Any number of rows: the file is streamed into a job of chunks, run by local processes or,
    with JOBS_BROKER_URL, by the queue's workers. Safe to run again with the same file: an
    unfinished run resumes and rows already issued are skipped.
    """
    session = get_session()
    badge = badges.find_badge(session, badge_slug)
    with csv_file.open("rb") as stream:
        job = bulk_jobs.open_job(
            session,
            stream=stream,
            filename=csv_file.name,
            badge=badge,
            actor=None,
            now=_now(),
            chunk_size=chunk_size,
        )
    session.commit()
    if not issue_valid_rows:
        check = bulk_jobs.check(session, job, now=_now())
        for row in check.failed[:50]:
            click.echo(f"line {row.line} ({row.student_ref}): {row.message}", err=True)
        if len(check.failed) > 50:
            click.echo(f"… and {len(check.failed) - 50} more rows with errors", err=True)
        click.echo(
            f"{check.to_issue} to issue, {check.already_issued} already issued "
            f"from this file, {len(check.failed)} with errors."
        )
        session.rollback()
        if check.failed:
            raise click.ClickException(
                f"{len(check.failed)} row(s) have errors: fix the file, "
                "or use --issue-valid-rows to issue the others"
            )
    job.submitted_at = job.submitted_at or _now()
    pending = bulk_jobs.pending_chunks(session, job)
    session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    errors: list[str] = []
    if app.config.get("JOBS_BROKER_URL"):
        executors.executor_of(app).submit(job.id, pending)
        click.echo(f"Queued {len(pending)} chunk(s) as job {job.token}.")
        if no_wait:
            return
        with click.progressbar(length=job.total_rows, label="Issuing") as bar:
            while True:
                current = bulk_jobs.progress(session, job)
                session.rollback()
                bar.update(current.processed - bar.pos)
                if current.state == bulk_jobs.FINISHED:
                    break
                time.sleep(1)
    else:
        with click.progressbar(length=len(pending), label="Issuing") as bar:

            def chunk_ended(chunk_no: int, error: str | None) -> None:
                if error is not None:
                    errors.append(f"chunk {chunk_no}: {error}")
                bar.update(1)

            executors.run_in_processes(
                app, job.id, pending, processes=processes, on_chunk=chunk_ended
            )
    for row in bulk_jobs.rows(session, job, outcome=bulk_jobs.FAILED, limit=50):
        click.echo(f"line {row.line} ({row.student_ref}): {row.message}", err=True)
    done = bulk_jobs.progress(session, job)
    session.rollback()
    if done.skipped:
        click.echo(f"{done.skipped} already issued from this file.")
    click.echo(f"Issued {done.issued}, failed {done.failed}.")
    if errors:
        raise click.ClickException(
            f"{len(errors)} chunk(s) could not run ({errors[0]}); run the same command "
            "again to finish them"
        )


# -- demo --------------------------------------------------------------------------------------
demo_cli = AppGroup("demo")  # registered, with its help, by wsgi.create_app


def _refuse_in_production() -> None:
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("demo data has well-known passwords: not in production")


def _print_logins() -> None:
    from issuer import demo  # demo data is loaded only by the commands that use it

    click.echo("Demo sign-ins:")
    for login in demo.DEMO_LOGINS:
        click.echo(f"  {login.role:<17} {login.email:<34} {login.password:<22} ({login.scope})")


def _demo_prerequisites() -> CredentialSigner:
    """What demo data needs, done if missing: the schema at head, development keys, the badge
    definitions (so ``demo seed`` on a new database works as ``demo run`` does)."""
    upgrade(get_engine())
    signer = current_signer()
    for record in signer.key_store.generate():
        click.echo(f"Created development {record.key_type} key {signer.issuer_did}#{record.id}")
    badges.load_all(get_session(), now=_now())
    return signer


def _demo_employer_signer() -> Any:
    """Sutter Health's own signer (its key created on first use) for the demo endorsement."""
    from issuer import demo

    return current_app.extensions["employer_signers"].signer(demo.DEMO_EMPLOYER)


@demo_cli.command("seed")
@_explained
def seed_command() -> None:
    """Add the demo network (pathways, students, awards, sign-ins) unless already there;
    brings the database to the latest schema and creates development keys first if needed."""
    from issuer import demo

    _refuse_in_production()
    signer = _demo_prerequisites()
    session = get_session()
    created = demo.seed(
        session,
        signer=signer,
        site=current_site(),
        now=_now(),
        employer_signer=_demo_employer_signer(),
    )
    session.commit()
    click.echo("Demo data added." if created else "Demo data already present.")
    _print_logins()


@demo_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@_explained
def run_command(host: str, port: int) -> None:
    """Upgrade the database, create development keys and demo data if missing, then serve."""
    from issuer import demo

    _refuse_in_production()
    signer = _demo_prerequisites()
    session = get_session()
    created = demo.seed(
        session,
        signer=signer,
        site=current_site(),
        now=_now(),
        employer_signer=_demo_employer_signer(),
    )
    session.commit()
    click.echo("Demo data added." if created else "Demo data already present.")
    public = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    on_this_port = urlsplit(public).port in (port, None)
    # Open the site under the address its links use, so a sign-in cookie follows the links.
    site = public if on_this_port else f"http://{host}:{port}"
    click.echo(f"\nServing on {site}/ (listening on {host}:{port})")
    if uuid := _demo_badge_uuid(session):
        click.echo(f"  a demo badge's public page:    {site}/badges/{uuid}")
        click.echo(f"  what an employer's scan shows: {site}/verify/{uuid}")
        click.echo(f"  the public verifier:           {site}/verify\n")
    session.close()
    if not on_this_port:
        click.echo(
            f"Links, QR codes, claim e-mails and our DID name {public}, not port {port}. To "
            f"make them follow this port, start with BADGES_PUBLIC_BASE_URL=http://localhost:"
            f"{port} BADGES_ISSUER_DOMAIN=localhost%3A{port} (badges already issued keep "
            "their addresses: remove instance/ to start over).\n",
            err=True,
        )
    _print_logins()
    _start_demo_mail(site)
    run_simple(
        host,
        port,
        current_app._get_current_object(),
        use_debugger=True,  # type: ignore[attr-defined]
        use_reloader=False,
        threaded=True,
    )


# -- keys revoke (the key store's part is keys/, the awards' part is ours) ----------------------


def _moment(text: str) -> datetime:
    """An ISO 8601 time with its offset (``2026-11-02T08:00Z``); a bare date is midnight UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 2026-11-02T08:00Z") from None
    if moment.tzinfo is None:
        if len(text.strip()) > 10:
            raise ValueError(f"{text!r} has no offset: add Z (UTC) or +hh:mm")
        moment = moment.replace(tzinfo=UTC)
    return moment


@click.command("revoke")
@click.argument("key_id")
@click.option(
    "--compromised-at",
    required=True,
    metavar="TIME",
    help="From when the key is not trusted (ISO 8601 with offset, e.g. 2026-11-02T08:00Z).",
)
@with_appcontext
@_explained
def revoke_key_command(key_id: str, compromised_at: str) -> None:
    """Retire KEY_ID (its fragment or full DID URL) as compromised from TIME.

    The key leaves the DID document's assertionMethod (kept listed, marked ``revoked``, so a
    verifier can say why a credential fails); a current key is replaced by a new one; every
    award it signed is marked, and those signed at or after TIME are listed to issue again;
    our status lists are signed again with the replacement key; the event is audited.
    """
    moment = _moment(compromised_at)
    signer = current_signer()
    store = signer.key_store
    fragment = key_id.rsplit("#", 1)[-1]
    record = next((r for r in store.records() if r.id == fragment), None)
    if record is None:
        raise LookupError(f"no key {fragment!r}; 'flask --app wsgi keys list' shows them")
    jwk = dict(store.public_keys())[fragment].to_jwk()
    method_ids = set()
    for method in signer.did_document().get("verificationMethod", []):
        try:
            if public_key_of(method).to_jwk() == jwk:
                method_ids.add(method["id"])
        except InvalidKey:
            continue
    session, now = get_session(), _now()
    report = key_compromise.record_compromise(
        session,
        key_id=signer.method_id(fragment),
        key_type=record.key_type,
        method_ids=method_ids,
        compromised_at=moment,
        actor=None,
        now=now,
    )
    _revoked, replacement = store.revoke(fragment, moment, now=now)
    # Our status lists may carry the compromised key's proof: sign them again with the new one.
    status_lists.publish_all(session, signer, now, base_url=current_site().base_url, force=True)
    session.commit()
    click.echo(f"revoked {signer.method_id(fragment)}, compromised from {moment.isoformat()}")
    if replacement is not None:
        click.echo(f"new current {replacement.key_type} key {signer.method_id(replacement.id)}")
    to_reissue = report.to_reissue
    click.echo(
        f"{len(report.signed)} award(s) signed by it; {len(to_reissue)} signed at or after "
        "the compromise now fail verification: revoke and issue them again"
    )
    for award in to_reissue:
        click.echo(f"  {award.credential_id}\t{award.student.email}\t{award.badge.slug}")


def _demo_badge_uuid(session: Session) -> str | None:
    """The UUID of the demo's first active award (the one its public page is addressed by)."""
    credential_id = session.scalars(
        select(Award.credential_id).where(Award.revoked_at.is_(None)).order_by(Award.id)
    ).first()
    return credential_id.removeprefix("urn:uuid:") if credential_id else None


def _start_demo_mail(site: str) -> None:
    """Without a configured MAIL_HOST, start the local SMTP sink (aiosmtpd) and deliver to it
    from a background thread, so the demo's e-mails really travel over SMTP; say where to
    read them (accounts-mail)."""
    from issuer.notifications.sink import SmtpSink
    from issuer.web.mail import start_delivery_thread

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_HOST"):
        try:
            sink = SmtpSink(port=int(app.config.get("MAIL_DEV_SINK_PORT", 8025))).start()
        except OSError:  # the port is taken: any free one will do
            sink = SmtpSink().start()
        app.config.update(MAIL_HOST=sink.host, MAIL_PORT=sink.port, MAIL_TLS="none")
        app.extensions["mail_dev_sink"] = sink
        click.echo(f"\nE-mails go to a local SMTP sink at {sink.host} port {sink.port} (nothing")
        click.echo("leaves this machine). Read what students and users would get at")
    else:
        click.echo(f"\nE-mails are sent through {app.config['MAIL_HOST']}; copies are listed at")
    click.echo(f"  {site}/dev/outbox\n")
    start_delivery_thread(app)
