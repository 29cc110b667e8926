from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.form_fields import add_error


class AuditFilterForm(FlaskForm):
    """Read-only filters sent by GET: no CSRF token needed."""

    class Meta:
        csrf = False

    actor = StringField("Actor (email contains)", validators=[Optional(), Length(max=254)])
    action = SelectField("Action", validators=[Optional()])
    target_type = SelectField("Target type", validators=[Optional()])
    target_id = StringField("Target id", validators=[Optional(), Length(max=60)])
    date_from = DateField("From (date, UTC)", validators=[Optional()])
    date_to = DateField("To (date, UTC, inclusive)", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            add_error(self.date_to, "The end date must not be before the start date.")
            valid = False
        return valid
