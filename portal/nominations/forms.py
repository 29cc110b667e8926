from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    FloatField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from portal.form_fields import PROGRAM_DATES, PrintableText, add_error
from portal.ids import coerce_id


class NominationForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=80), PrintableText()])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80), PrintableText()])
    email = EmailField("Email address", validators=[DataRequired(), Email(), Length(max=254)],
                       description="The officer's work email: the invitation is sent there once the nomination is approved.")
    badge_number = StringField("Badge number", validators=[Optional(), Length(max=40), PrintableText()])
    rank = StringField("Rank", validators=[Optional(), Length(max=60), PrintableText()])
    years_experience = FloatField("Years of law-enforcement experience", validators=[
        InputRequired(message="Give the years of experience, e.g. 3 or 2.5."), NumberRange(min=0, max=60)],
        description="At least 2 years are required.")
    us_citizen = RadioField("Is the officer a US citizen?", choices=[("yes", "Yes"), ("no", "No")],
                            validators=[InputRequired(message="Answer yes or no.")])
    background_check_date = DateField("Background check completed on", validators=[Optional(), PROGRAM_DATES],
                                      description="A completed background check is required.")
    submit = SubmitField("Nominate officer")


class RosterUploadForm(FlaskForm):
    roster = FileField("Roster file (CSV)", validators=[FileRequired(message="Choose a CSV file to upload.")],
                       description="UTF-8 CSV with the template's header; at most 512 KB.")
    submit = SubmitField("Upload and nominate")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[
            ("approve", "Approve: background check verified; open the account and send the invitation"),
            ("reject", "Reject"),
        ],
        validators=[InputRequired(message="Choose approve or reject.")],
    )
    verified_on = DateField("Background check verified on", validators=[Optional(), PROGRAM_DATES])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)],
                         description="Required when rejecting; shown to the agency's coordinator.")
    submit = SubmitField("Record decision")

    def validate(self, extra_validators=None) -> bool:
        # Checked here, not as inline validators: Optional() stops those on empty input.
        valid = super().validate(extra_validators)
        if self.decision.data == "approve" and not self.verified_on.data and not self.verified_on.errors:
            add_error(self.verified_on, "Give the date the background check was verified.")
            valid = False
        if self.decision.data == "reject" and not (self.note.data or "").strip():
            add_error(self.note, "Say why the nomination is rejected.")
            valid = False
        return valid


MAX_BULK = 200


class BulkDecisionForm(DecisionForm):
    """Several nominations decided at once: first reviewed on a confirmation page (`confirmed`
    empty), then done (`confirmed` "yes")."""

    nomination_ids = SelectMultipleField("Nominations", coerce=coerce_id, validate_choice=False)
    confirmed = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.nomination_ids.errors and not self.nomination_ids.data:
            add_error(self.nomination_ids, "Choose at least one nomination.")
            valid = False
        elif len(self.nomination_ids.data or []) > MAX_BULK:
            add_error(self.nomination_ids, f"Choose at most {MAX_BULK} nominations at a time.")
            valid = False
        return valid
