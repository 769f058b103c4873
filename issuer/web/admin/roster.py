"""A pathway's roster in the browser: list (with each student's email and id), add, edit,
move between the admin's pathways, deactivate; import a roster CSV through a preview; the
template and an export. Every lookup goes through ``access`` (the admin's pathways) first."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from issuer import csv_files, permissions
from issuer.database import get_session
from issuer.models import Pathway, Student
from issuer.services import students
from issuer.web.admin import access, bp, bulk, context, csv_preview, queries
from issuer.web.admin.forms import StudentForm

TEMPLATE_ROWS = (
    ("name", "email", "graduation_year", "name_display_consent"),
    ("María José Núñez", "maria.nunez@students.example.org", "2027", "yes"),
    ("陳小明", "xiaoming.chen@students.example.org", "2028", "no"),
)


def csv_response(text: str, filename: str) -> Response:
    """A CSV download (never shown inline; not cached: it names students)."""
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _roster(pathway: Pathway) -> list[Student]:
    return list(
        get_session().scalars(
            select(Student)
            .where(Student.pathway_id == pathway.id)
            .order_by(Student.active.desc(), Student.name)
        )
    )


def _page(
    pathway: Pathway,
    *,
    form: StudentForm | None = None,
    upload_error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "admin/roster.html",
        pathway=pathway,
        students=_roster(pathway),
        form=form or StudentForm(),
        upload_error=upload_error,
        max_rows=csv_files.MAX_ROWS,
    ), status


@bp.get("/pathways/<slug>/students")
@access.roles(*access.MANAGERS)
def roster(slug: str) -> tuple[str, int]:
    return _page(access.managed_pathway(slug))


@bp.post("/pathways/<slug>/students")
@access.roles(*access.MANAGERS)
def add_student(slug: str) -> Any:
    pathway = access.managed_pathway(slug)
    form = StudentForm(request.form)
    del form.pathway, form.active
    if not form.validate():
        return _page(pathway, form=form, status=422)
    db = get_session()
    try:
        student = students.create_student(
            db,
            pathway=pathway,
            name=form.name.data,
            email=form.email.data,
            graduation_year=form.graduation_year.data,
            name_display_consent=form.name_display_consent.data,
            actor=access.user(),
            now=context.now(),
        )
    except (students.StudentError, permissions.PermissionDenied):
        db.rollback()
        form.email.errors = [
            "This address is already registered: find the student on your rosters, "
            "or ask the Alliance if they moved schools."
        ]
        return _page(pathway, form=form, status=422)
    db.commit()
    flash(f"Added {student.name} (id {student.id}).", "success")
    return redirect(url_for("admin.roster", slug=slug))


def _edit_form(student: Student, data: MultiDict[str, str] | None = None) -> StudentForm:
    form = StudentForm(data, obj=student) if data is not None else StudentForm(obj=student)
    if data is None:
        form.pathway.data = student.pathway.slug
    form.pathway.choices = [
        (p.slug, p.name) for p in queries.visible_pathways(get_session(), access.principal())
    ]
    return form


@bp.route("/pathways/<slug>/students/<int:student_id>/edit", methods=("GET", "POST"))
@access.roles(*access.MANAGERS)
def edit_student(slug: str, student_id: int) -> Any:
    """Edit the details, move to another of the admin's pathways, or (de)activate."""
    pathway = access.managed_pathway(slug)
    student = access.managed_student(pathway, student_id)
    if request.method == "GET":
        return render_template(
            "admin/student_edit.html", pathway=pathway, student=student, form=_edit_form(student)
        )
    form = _edit_form(student, request.form)
    if not form.validate():
        return render_template(
            "admin/student_edit.html", pathway=pathway, student=student, form=form
        ), 422
    target = access.managed_pathway(form.pathway.data)
    db = get_session()
    try:
        changes = students.update_student(
            db,
            student,
            name=form.name.data,
            email=form.email.data,
            graduation_year=form.graduation_year.data,
            name_display_consent=form.name_display_consent.data,
            pathway=target,
            active=form.active.data,
            actor=access.user(),
            now=context.now(),
        )
    except students.StudentError as exc:
        db.rollback()
        form.email.errors = [str(exc).capitalize() + "."]
        return render_template(
            "admin/student_edit.html", pathway=pathway, student=student, form=form
        ), 422
    db.commit()
    if not changes:
        flash("Nothing changed.", "success")
    elif "pathway" in changes:
        flash(f"Moved {student.name} to {target.name}.", "success")
    elif "active" in changes:
        flash(
            f"{student.name} is {'active again' if student.active else 'deactivated'}.",
            "success",
        )
    else:
        flash(f"Saved {student.name}.", "success")
    return redirect(url_for("admin.roster", slug=target.slug))


@bp.get("/pathways/<slug>/roster-template.csv")
@access.roles(*access.MANAGERS)
def roster_template(slug: str) -> Response:
    access.managed_pathway(slug)
    return csv_response(
        csv_files.to_csv(TEMPLATE_ROWS[0], TEMPLATE_ROWS[1:]), "roster-template.csv"
    )


@bp.get("/pathways/<slug>/roster.csv")
@access.roles(*access.MANAGERS)
def roster_export(slug: str) -> Response:
    pathway = access.managed_pathway(slug)
    rows = [
        (
            s.id,
            s.name,
            s.email,
            s.graduation_year,
            "yes" if s.name_display_consent else "no",
            "yes" if s.active else "no",
        )
        for s in _roster(pathway)
    ]
    header = ("student_id", "name", "email", "graduation_year", "name_display_consent", "active")
    return csv_response(csv_files.to_csv(header, rows), f"{pathway.slug}-roster.csv")


def _too_large(slug: str) -> tuple[str, int]:
    return _page(access.managed_pathway(slug), upload_error=csv_files.TOO_LARGE, status=413)


bulk.UPLOAD_PAGES["admin.roster_preview"] = _too_large


@bp.post("/pathways/<slug>/roster/preview")
@access.roles(*access.MANAGERS)
def roster_preview(slug: str) -> Any:
    """Check the file and show every row's fate; nothing is written."""
    pathway = access.managed_pathway(slug)
    return csv_preview.preview_upload(
        lambda db, content: students.preview_roster(
            db, pathway=pathway, content=content, actor=access.user()
        ),
        statuses=(students.NEW, students.UNCHANGED, students.ERROR),
        refuse=lambda message, status: _page(pathway, upload_error=message, status=status),
        template="admin/roster_preview.html",
        pathway=pathway,
    )


@bp.post("/pathways/<slug>/roster/import")
@access.roles(*access.MANAGERS)
def roster_import(slug: str) -> Any:
    """Add the new rows of a previewed file (checked again; re-importing adds no one twice)."""
    pathway = access.managed_pathway(slug)
    content = request.form.get("content", "").encode()
    db = get_session()
    try:
        rows = students.import_roster_rows(
            db, pathway=pathway, content=content, actor=access.user(), now=context.now()
        )
    except csv_files.CsvFileError as exc:
        db.rollback()
        return _page(pathway, upload_error=f"This file cannot be used: {exc}.", status=422)
    db.commit()
    added = sum(1 for r in rows if r.status == students.NEW)
    skipped = sum(1 for r in rows if r.status == students.ERROR)
    flash(
        f"Added {added} student{'s' if added != 1 else ''}"
        + (f"; {skipped} row{'s' if skipped != 1 else ''} with errors left out" if skipped else "")
        + ".",
        "success",
    )
    return redirect(url_for("admin.roster", slug=slug))
