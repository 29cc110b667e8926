from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.agencies.models import US_STATES, AgencyKind, AgreementKind, AgreementModel, AgreementStatus
from portal.form_fields import PROGRAM_DATES, PrintableText, add_error
from portal.timeutil import TIME_ZONES

SELECT = [("", "Select…")]  # nothing chosen until the person chooses: a first option is not a default


def chosen(what: str) -> DataRequired:
    return DataRequired(message=f"Choose {what}.")


KINDS = [(k.value, k.value.capitalize()) for k in AgencyKind]
STATES = [(s, s) for s in US_STATES]
MODELS = [(m.value, f"{m.value} — {m.label}") for m in AgreementModel]


class AgencyForm(FlaskForm):
    name = StringField("Agency name", validators=[DataRequired(), Length(max=160), PrintableText()])
    kind = SelectField("Kind of agency", choices=SELECT + KINDS, validators=[chosen("the kind of agency")])
    state = SelectField("State or territory", choices=SELECT + STATES, validators=[chosen("a state or territory")])
    contact_name = StringField("Point of contact", validators=[Optional(), Length(max=120), PrintableText()])
    contact_email = EmailField("Contact email", validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField("Contact phone", validators=[Optional(), Length(max=40)])
    time_zone = SelectField("Time zone", choices=[("", "The state's usual zone"), *TIME_ZONES], default="",
                            description="Its people read every date and time in this zone.")
    submit = SubmitField("Save agency")


class AgreementForm(FlaskForm):
    kind = SelectField("Document", choices=[(k.value, k.value) for k in AgreementKind])
    model = SelectField("Model", choices=MODELS)
    status = SelectField("Status", choices=[(s.value, s.label) for s in AgreementStatus])
    applied_on = DateField("Applied on", validators=[DataRequired(), PROGRAM_DATES])
    signed_on = DateField("Signed on", validators=[Optional(), PROGRAM_DATES])
    ends_on = DateField("Ends on", validators=[Optional(), PROGRAM_DATES],
                        description="Agreements run three years from signature; leave empty to use that.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
    comment = TextAreaField("Reason for the status change", validators=[Optional(), Length(max=2000)],
                            description="Required when the status changes; kept in the agreement's history.")
    submit = SubmitField("Save agreement")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        signed, ends = self.signed_on.data, self.ends_on.data
        if self.status.data in {AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED} and not signed:
            add_error(self.signed_on, "An active or suspended agreement needs its signature date.")
            valid = False
        if signed and self.applied_on.data and signed < self.applied_on.data:
            add_error(self.signed_on, "The signature date cannot be before the application date.")
            valid = False
        if ends and signed and ends <= signed:
            add_error(self.ends_on, "The end date must be after the signature date.")
            valid = False
        return valid


class ApplicationForm(FlaskForm):
    """An agency asks to join the 287(g) program (no account needed)."""

    name = StringField("Agency name", validators=[DataRequired(), Length(max=160), PrintableText()])
    kind = SelectField("Kind of agency", choices=SELECT + KINDS, validators=[chosen("the kind of agency")])
    state = SelectField("State or territory", choices=SELECT + STATES, validators=[chosen("a state or territory")])
    model = SelectField("Requested model", choices=SELECT + MODELS, validators=[chosen("a model of agreement")])
    contact_name = StringField("Point of contact (name and title)", validators=[DataRequired(), Length(max=120), PrintableText()])
    contact_email = EmailField("Point of contact email", validators=[DataRequired(), Email(), Length(max=254)])
    contact_phone = StringField("Point of contact phone", validators=[Optional(), Length(max=40)])
    comment = TextAreaField("Anything the program office should know", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Submit application")


class RenewalForm(FlaskForm):
    """A coordinator applies for a new agreement for their agency."""

    model = SelectField("Requested model", choices=SELECT + MODELS, validators=[chosen("a model of agreement")])
    comment = TextAreaField("Anything the program office should know", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Submit application")


class StatusChangeForm(FlaskForm):
    status = SelectField("New status")
    effective_on = DateField("Effective date", validators=[DataRequired(), PROGRAM_DATES],
                             description="For a signature, the date the agreement was signed: its 3-year term starts then.")
    comment = TextAreaField("Comment", validators=[DataRequired(message="Say why the status changes."), Length(max=2000)])
    submit = SubmitField("Change status")
