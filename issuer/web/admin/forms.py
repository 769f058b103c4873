"""WTForms forms of the cohort pages (roster, bulk revoke): field parsing and validation
with messages in plain words. CSRF stays with ``issuer.web.csrf``, which protects every POST
of the app (forms and scripts alike) and is tested as such; these forms only validate fields,
so ``meta.csrf`` is off."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, EmailField, Form, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp, ValidationError

from issuer.services.students import MAX_YEAR, MIN_YEAR


class _NoFormula:
    """Refuse text a spreadsheet would read as a formula when the roster is exported
    (exports neutralise it too; refusing it at entry keeps the data clean)."""

    def __call__(self, form: Form, field: Any) -> None:
        if (field.data or "").startswith(("=", "+", "-", "@")):
            raise ValidationError("Start with a letter: = + - @ at the start are not allowed.")


class StudentForm(Form):
    """Add or edit one student. Names are kept exactly as typed (any script), only trimmed."""

    name = StringField(
        "Name",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired("Give the student's name."), Length(max=200), _NoFormula()],
    )
    email = EmailField(
        "Email",
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            DataRequired("Give the student's email address."),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="This is not an email address."),
            Length(max=320),
        ],
    )
    graduation_year = IntegerField(
        "Graduation year",
        validators=[
            DataRequired("Give the graduation year, such as 2027."),
            NumberRange(MIN_YEAR, MAX_YEAR, "Give a year such as 2027."),
        ],
    )
    name_display_consent = BooleanField("The student agrees to show their name on badge pages")
    pathway = SelectField("Pathway", validate_choice=True)
    active = BooleanField("Active (unticked: left the pathway; their badges stay valid)")


class RevokeForm(Form):
    reason = StringField(
        "Reason (the students' schools and the Alliance read it)",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired("Give the reason for revoking."),
            Length(max=2000, message="Keep the reason under 2000 characters."),
        ],
    )
