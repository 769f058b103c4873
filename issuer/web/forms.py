"""Field validation for the account and people forms (WTForms).

WTForms validates and re-displays fields; CSRF stays with the app-wide check in
``issuer.web.csrf`` (every POST on the site is checked there and tested), so the forms here
are built with ``meta.csrf = False`` and the templates carry ``{{ csrf_token() }}``.
"""

from __future__ import annotations

from wtforms import (
    EmailField,
    Form,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from issuer.services.users import MIN_PASSWORD_LENGTH

EMAIL_MESSAGE = "Enter an e-mail address such as name@example.org."


class EmailForm(Form):
    """One e-mail address: the student's sign-in link, a forgotten password."""

    email = EmailField(
        "Email address",
        validators=[
            DataRequired(EMAIL_MESSAGE),
            Email(EMAIL_MESSAGE, check_deliverability=False),
            Length(max=320),
        ],
    )


class PasswordForm(Form):
    """Choose a password (invitation) or a new one (reset)."""

    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Use at least {MIN_PASSWORD_LENGTH} characters (a few words work well).",
            ),
        ],
    )
    confirm = PasswordField(
        "The same password again",
        validators=[EqualTo("password", "The two passwords are not the same.")],
    )


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InviteForm(Form):
    """The Alliance admin invites a user: role, and the pathways or organisation it covers."""

    name = StringField(
        "Name", validators=[DataRequired("Give the person's name."), Length(max=200)]
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired(EMAIL_MESSAGE),
            Email(EMAIL_MESSAGE, check_deliverability=False),
            Length(max=320),
        ],
    )
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("pathway_admin", "Pathway admin (their pathways' students and badges)"),
            SelectChoice(
                "employer_partner", "Employer partner (their organisation's badges, read-only)"
            ),
            SelectChoice("alliance_admin", "Alliance admin (the whole network)"),
        ],
    )
    pathways = CheckboxesField("Pathways (pathway admins)", coerce=int, validators=[Optional()])
    organisation = SelectField(
        "Organisation (employer partners)", coerce=int, validators=[Optional()]
    )

    def validate(self, extra_validators: object = None) -> bool:  # type: ignore[override]
        ok = super().validate()
        if self.role.data == "pathway_admin" and not self.pathways.data:
            self.pathways.errors = [*self.pathways.errors, "Choose at least one pathway."]
            ok = False
        if self.role.data == "employer_partner" and not self.organisation.data:
            self.organisation.errors = [*self.organisation.errors, "Choose the organisation."]
            ok = False
        return ok
