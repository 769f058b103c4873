"""The roster in the browser (issue #12 item 1): add, edit, move, deactivate, and a CSV import
through a preview that is idempotent, keeps names in any script exactly and changes nothing
for a bad file."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from issuer.models import AuditEvent, Student
from tests.web_admin.data import LINCOLN, OAKLAND


def _upload(web, content: bytes, slug: str = "lincoln-health"):
    return web.post(
        f"/admin/pathways/{slug}/roster/preview",
        {"file": (io.BytesIO(content), "roster.csv")},
        content_type="multipart/form-data",
    )


def _count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Student))


def _import(web, page: str, slug: str = "lincoln-health"):
    import html
    import re

    content = html.unescape(re.search(r'name="content" value="([^"]*)"', page, re.S).group(1))
    return web.post(f"/admin/pathways/{slug}/roster/import", {"content": content})


ROSTER = (
    "name,email,graduation_year,name_display_consent\n"
    "Zoë Ångström,  Zoe.Angstrom@Students.Example.org ,2027,yes\n"
    "陳小明,xiaoming@students.example.org,2028,no\n"
    "نور الهدى,nour@students.example.org,2027,\n"
    ",nobody@students.example.org,2027,no\n"
    "Twice,xiaoming@students.example.org,2027,no\n"
    "Maria Again,maria.lopez@students.example.org,2027,no\n"
    'Formula,=HYPERLINK("x"),2027,no\n'
)


def test_the_roster_shows_each_students_email_and_id(web):
    web.login(LINCOLN)
    page = web.get("/admin/pathways/lincoln-health/students").get_data(as_text=True)
    assert "ana.chen@students.example.org" in page
    assert f'<td data-label="Id">{web.net.students["Ana Chen"]}</td>' in page
    assert "maria.lopez" not in page  # Oakland's student


def test_import_previews_then_adds_the_valid_rows_once_with_names_kept_exactly(web, db):
    web.login(LINCOLN)
    before = _count(db)
    preview = _upload(web, ROSTER.encode())
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert _count(db) == before, "a preview adds no one"
    assert "3 to add" in page and "4 with errors" in page
    assert "the name is missing" in page
    assert "the same email as line 3" in page
    # Maria is in Oakland, which Lincoln's admin does not manage: nothing of her shows
    assert "Maria Lopez" not in page and "Oakland" not in page
    assert "registered outside your pathways" in page
    assert "spreadsheet formula" in page
    assert "Import the valid rows (3)" in page

    assert _import(web, page).status_code == 302
    assert _count(db) == before + 3
    names = set(db.scalars(select(Student.name)))
    assert {"Zoë Ångström", "陳小明", "نور الهدى"} <= names
    zoe = db.scalar(select(Student).where(Student.name == "Zoë Ångström"))
    assert zoe.email == "zoe.angstrom@students.example.org" and zoe.name_display_consent

    again = _upload(web, ROSTER.encode()).get_data(as_text=True)
    assert "0 to add" in again and "3 already on the roster" in again
    _import(web, again)
    assert _count(db) == before + 3, "re-uploading the same file adds no one twice"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"student,mail\nA,a@b.org\n", "needs the column(s) name, email, graduation_year"),
        (b"name,email,graduation_year,emial\nA,a@b.org,2027,x\n", "unknown column(s) emial"),
        ("name,email,graduation_year\nJosé,j@b.org,2027\n".encode("latin-1"), "not UTF-8"),
        (b"", "the file is empty"),
    ],
)
def test_a_bad_file_gets_one_message_and_changes_nothing(web, db, content, message):
    web.login(LINCOLN)
    before = (_count(db), db.scalar(select(func.count()).select_from(AuditEvent)))
    response = _upload(web, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (_count(db), db.scalar(select(func.count()).select_from(AuditEvent))) == before


def test_a_10_mb_file_is_refused_with_a_message(web, db):
    web.login(LINCOLN)
    before = _count(db)
    response = _upload(web, b"name,email,graduation_year\n" + b"x" * (10 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 2 MB" in response.get_data(as_text=True)
    assert _count(db) == before


def test_add_edit_move_and_deactivate_a_student(web, db, app):
    web.login(LINCOLN)
    bad = web.post(
        "/admin/pathways/lincoln-health/students",
        {"name": "", "email": "not-an-email", "graduation_year": "27"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Give the student&#39;s name." in text and "This is not an email address." in text
    taken = web.post(
        "/admin/pathways/lincoln-health/students",
        {"name": "Copy", "email": "maria.lopez@students.example.org", "graduation_year": "2027"},
    )
    assert taken.status_code == 422 and "Maria" not in taken.get_data(as_text=True)

    added = web.post(
        "/admin/pathways/lincoln-health/students",
        {
            "name": " Łukasz Żółw ",
            "email": "LUKASZ@Students.Example.org",
            "graduation_year": "2027",
        },
    )
    assert added.status_code == 302
    student = db.scalar(select(Student).where(Student.email == "lukasz@students.example.org"))
    assert student.name == "Łukasz Żółw"

    edit = f"/admin/pathways/lincoln-health/students/{student.id}/edit"
    assert web.get(edit).status_code == 200
    fields = {"name": "Łukasz Żółw", "email": student.email, "graduation_year": "2028"}
    # Lincoln's admin cannot move a student to a pathway they do not manage
    assert web.post(edit, {**fields, "pathway": "oak-health", "active": "y"}).status_code == 422
    assert web.post(edit, {**fields, "pathway": "lincoln-health"}).status_code == 302
    db.expire_all()
    student = db.get(Student, student.id)
    assert student.graduation_year == 2028 and student.active is False
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "student.updated")).all()
    assert events[-1].details["changes"]["active"] == [True, False]
    assert events[-1].student_id == student.id


def test_the_alliance_moves_a_student_between_pathways(web, db):
    from tests.web_admin.data import ALLIANCE

    web.login(ALLIANCE)
    ana = web.net.students["Ana Chen"]
    response = web.post(
        f"/admin/pathways/lincoln-health/students/{ana}/edit",
        {
            "name": "Ana Chen",
            "email": "ana.chen@students.example.org",
            "graduation_year": "2027",
            "pathway": "oak-health",
            "active": "y",
            "name_display_consent": "y",
        },
    )
    assert response.status_code == 302 and response.location.endswith(
        "/pathways/oak-health/students"
    )
    db.expire_all()
    assert db.get(Student, ana).pathway.slug == "oak-health"
    web.logout()
    web.login(OAKLAND)
    assert "ana.chen@students.example.org" in web.get(
        "/admin/pathways/oak-health/students"
    ).get_data(as_text=True)


def test_roster_exports_neutralise_formula_cells(web, db):
    web.login(LINCOLN)
    ana = db.get(Student, web.net.students["Ana Chen"])
    ana.name = "=cmd|' /C calc'!A0"
    db.commit()
    response = web.get("/admin/pathways/lincoln-health/roster.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "'=cmd|' /C calc'!A0" in body
    assert "\n=cmd" not in body and ",=cmd" not in body
    template = web.get("/admin/pathways/lincoln-health/roster-template.csv").get_data(as_text=True)
    assert template.startswith("name,email,graduation_year,name_display_consent")
