"""Awards of a cohort: bulk revocation with one reason (from a selection on the dashboard or
from a CSV, always through a preview) and the awards export. Awards are looked up among the
pathway's students only (the pathway is checked against the admin's scope first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from issuer import csv_files, permissions
from issuer.database import get_session
from issuer.models import Award, Pathway, Student
from issuer.recipients import normalise_email
from issuer.services import revocation
from issuer.web.admin import access, bp, bulk, context, queries
from issuer.web.admin.forms import RevokeForm
from issuer.web.admin.roster import csv_response

MAX_SELECTION = 1000


@dataclass(frozen=True)
class Refused:
    line: int
    ref: str
    message: str


def _pathway_awards(pathway: Pathway) -> Any:
    return (
        select(Award)
        .join(Award.student)
        .where(Student.pathway_id == pathway.id)
        .options(selectinload(Award.student), selectinload(Award.badge))
    )


def _selected(pathway: Pathway, ids: list[str]) -> list[Award]:
    numbers = [int(i) for i in ids[:MAX_SELECTION] if i.isdigit()]
    query = _pathway_awards(pathway).where(Award.id.in_(numbers)).order_by(Award.issued_at)
    return list(get_session().scalars(query))


def _from_csv(pathway: Pathway, content: bytes) -> tuple[list[Award], list[Refused]]:
    """The active awards a revocation CSV names (``credential_id`` or ``student_email``)."""
    rows = csv_files.read_rows(
        content, required=(), one_of=("credential_id", "student_email"), optional=("name",)
    )
    active = [
        a
        for a in get_session().scalars(_pathway_awards(pathway).where(Award.revoked_at.is_(None)))
        if queries.award_status(a, context.now()) == "active"
    ]
    by_id = {a.credential_id: a for a in active}
    by_email: dict[str, list[Award]] = {}
    for award in active:
        by_email.setdefault(award.student.email, []).append(award)
    chosen: dict[int, Award] = {}
    refused: list[Refused] = []
    for line, values in rows:
        credential_id = values.get("credential_id", "")
        email = normalise_email(values.get("student_email", ""))
        ref = credential_id or email
        if credential_id:
            urn = (
                credential_id
                if credential_id.startswith("urn:uuid:")
                else f"urn:uuid:{credential_id}"
            )
            found = [by_id[urn]] if urn in by_id else []
        else:
            found = by_email.get(email, [])
        if not found:
            refused.append(
                Refused(line, ref, "no active badge with that id or email in this pathway")
            )
            continue
        for award in found:
            if award.id in chosen:
                refused.append(Refused(line, ref, "already named on an earlier line"))
            chosen[award.id] = award
    return list(chosen.values()), refused


def _preview(
    pathway: Pathway,
    awards: list[Award],
    refused: list[Refused],
    form: RevokeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    now = context.now()
    return render_template(
        "admin/bulk_revoke.html",
        pathway=pathway,
        awards=[a for a in awards if queries.award_status(a, now) != "revoked"],
        already=[a for a in awards if queries.award_status(a, now) == "revoked"],
        refused=refused,
        form=form or RevokeForm(),
    ), status


def _too_large(slug: str) -> Any:
    flash(csv_files.TOO_LARGE, "error")
    return redirect(url_for("admin.pathway_dashboard", slug=access.managed_pathway(slug).slug))


bulk.UPLOAD_PAGES["admin.bulk_revoke_preview"] = _too_large


@bp.post("/pathways/<slug>/revoke")
@access.roles(*access.MANAGERS)
def bulk_revoke_preview(slug: str) -> Any:
    """The awards about to be revoked, from the dashboard's selection or a CSV."""
    pathway = access.managed_pathway(slug)
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        try:
            awards, refused = _from_csv(pathway, upload.stream.read(csv_files.MAX_UPLOAD_BYTES + 1))
        except csv_files.CsvFileError as exc:
            flash(f"This file cannot be used: {exc}.", "error")
            return redirect(url_for("admin.pathway_dashboard", slug=slug))
    else:
        awards, refused = _selected(pathway, request.form.getlist("award")), []
    if not awards and not refused:
        flash("Select the badges to revoke first.", "error")
        return redirect(url_for("admin.pathway_dashboard", slug=slug))
    return _preview(pathway, awards, refused)


@bp.post("/pathways/<slug>/revoke/confirm")
@access.roles(*access.MANAGERS)
def bulk_revoke(slug: str) -> Any:
    """Revoke every listed award still active, with the one reason, in one transaction."""
    pathway = access.managed_pathway(slug)
    awards = _selected(pathway, request.form.getlist("award"))
    form = RevokeForm(request.form)
    if not form.validate() or not awards:
        return _preview(pathway, awards, [], form, 422)
    db = get_session()
    revoked = []
    try:
        for award in awards:
            if award.revoked_at is not None:
                continue
            revocation.revoke(
                db, award=award, reason=form.reason.data, actor=access.user(), now=context.now()
            )
            revoked.append(award.student.name)
    except (ValueError, permissions.PermissionDenied) as exc:
        db.rollback()
        form.reason.errors = [str(exc)]
        return _preview(pathway, awards, [], form, 422)
    db.commit()
    flash(
        f"Revoked {len(revoked)} badge{'s' if len(revoked) != 1 else ''} ({', '.join(revoked)}). "
        "Verifiers see them as revoked from now on.",
        "success",
    )
    return redirect(url_for("admin.pathway_dashboard", slug=slug))


@bp.get("/pathways/<slug>/awards.csv")
@access.roles(*access.MANAGERS)
def awards_export(slug: str) -> Response:
    pathway = access.managed_pathway(slug)
    now = context.now()
    awards = get_session().scalars(_pathway_awards(pathway).order_by(Award.issued_at))
    header = (
        "credential_id", "student_id", "student_email", "name", "badge", "issued_at",
        "valid_until", "status", "revocation_reason",
    )  # fmt: skip
    rows = [
        (
            a.credential_id,
            a.student_id,
            a.student.email,
            a.student.name,
            a.badge.slug,
            a.issued_at.isoformat(),
            a.valid_until.isoformat() if a.valid_until else "",
            queries.award_status(a, now),
            a.revocation_reason or "",
        )
        for a in awards
    ]
    return csv_response(csv_files.to_csv(header, rows), f"{pathway.slug}-awards.csv")
