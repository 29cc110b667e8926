from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from portal.attendance.services import WEEKDAYS
from portal.classes.forms import CheckboxListField
from portal.form_fields import PROGRAM_DATES, PrintableText, WholeNumberField
from portal.ids import coerce_id


class PlaceFields(FlaskForm):
    room = StringField("Room", validators=[Optional(), Length(max=120), PrintableText()])
    address = StringField("Address", validators=[Optional(), Length(max=300), PrintableText()])
    online_url = StringField("Online meeting link", validators=[Optional(), Length(max=500), URL(require_tld=False)],
                             description="For a session held online, instead of or beside a room.")
    topic = StringField("Module or topic", validators=[Optional(), Length(max=200), PrintableText()])
    instructor_id = SelectField("Instructor", coerce=lambda value: coerce_id(value) if value else None)


class PatternForm(PlaceFields):
    first_day = DateField("From", validators=[DataRequired(), PROGRAM_DATES])
    weeks = WholeNumberField("For how many weeks", validators=[DataRequired(), NumberRange(min=1, max=12)])
    weekdays = CheckboxListField("On", coerce=int, choices=list(enumerate(WEEKDAYS)), default=[0, 1, 2, 3, 4],
                                 validators=[DataRequired(message="Choose at least one day.")])
    starts_at = TimeField("Starts at", validators=[DataRequired()], description="In the class's time zone.")
    ends_at = TimeField("Ends at", validators=[DataRequired()])
    skip_holidays = BooleanField("Skip the listed holidays", default=True)
    submit = SubmitField("Add these sessions")


class SessionForm(PlaceFields):
    day = DateField("Date", validators=[DataRequired(), PROGRAM_DATES])
    starts_at = TimeField("Starts at", validators=[DataRequired()], description="In the class's time zone.")
    ends_at = TimeField("Ends at", validators=[DataRequired()])
    submit = SubmitField("Save session")


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason, sent to the class", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Cancel the session and tell the class")


class HolidayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired(), PROGRAM_DATES])
    name = StringField("Name", validators=[DataRequired(), Length(max=120), PrintableText()])
    submit = SubmitField("Add holiday")


class FederalHolidaysForm(FlaskForm):
    year = WholeNumberField("Year", validators=[DataRequired(), NumberRange(min=1990, max=2099)])
    submit = SubmitField("Add the year's federal holidays")


class AttendanceForm(FlaskForm):
    """The CSRF token and the reason; each officer's row is read from the posted fields by the view."""

    reason = TextAreaField("Reason for the change", validators=[Optional(), Length(max=500)],
                           description="Required when you change attendance after the session's day.")


class ConfirmForm(FlaskForm):
    """A button with the CSRF token."""
