"""Revoking an award: a confirmation page with a required reason."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from issuer import permissions
from issuer.database import get_session
from issuer.models import Award
from issuer.services import revocation, status_lists
from issuer.web.admin import access, bp, context, queries

MAX_REASON = 2000


def _confirm(
    award: Award, *, reason: str = "", error: str | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "admin/revoke.html",
        award=award,
        reason=reason,
        error=error,
        state=queries.award_status(award, context.now()),
    ), status


def _back(award: Award) -> str:
    return url_for(
        "admin.student_page",
        slug=award.student.pathway.slug,
        student_id=award.student_id,
        badge=award.badge.slug,
    )


@bp.get("/awards/<int:award_id>/revoke")
@access.roles(*access.MANAGERS)
def revoke_form(award_id: int) -> tuple[str, int]:
    return _confirm(access.managed_award(award_id))


@bp.post("/awards/<int:award_id>/revoke")
@access.roles(*access.MANAGERS)
def revoke(award_id: int) -> Any:
    award = access.managed_award(award_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _confirm(
            award,
            error="Give the reason for revoking; the student's school "
            "and the Alliance will read it.",
            status=422,
        )
    if len(reason) > MAX_REASON:
        return _confirm(
            award,
            reason=reason,
            status=422,
            error=f"Keep the reason under {MAX_REASON} characters.",
        )
    db = get_session()
    try:
        revocation.revoke(db, award=award, reason=reason, actor=access.user(), now=context.now())
        status_lists.refresh(
            db,
            award.status_list_id,
            current_app.extensions["signer"],
            context.now(),
            base_url=current_app.config["PUBLIC_BASE_URL"],
        )
    except (revocation.AlreadyRevoked, ValueError, permissions.PermissionDenied) as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(_back(award))
    db.commit()
    flash(
        f"Revoked {award.student.name}'s {award.badge.name}. Verifiers see it as revoked "
        "from now on.",
        "success",
    )
    return redirect(_back(award))
