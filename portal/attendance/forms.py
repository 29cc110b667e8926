from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, Field, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TimeInput

from portal.attendance.services import WEEKDAYS
from portal.classes.forms import CheckboxListField
from portal.form_fields import PROGRAM_DATES, PrintableText, WholeNumberField
from portal.ids import coerce_id


class ClockTimeField(Field):
    """A time of day ("08:00"). Not WTForms' TimeField: that is a DateTimeField, and every date
    field carries a date range, which a time of day has no use for."""

    widget = TimeInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        for fmt in ("%H:%M", "%H:%M:%S"):
            try:
                self.data = datetime.strptime(valuelist[0], fmt).time()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("Enter a time as hours and minutes, for example 08:00.")


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
    starts_at = ClockTimeField("Starts at", validators=[InputRequired()], description="In the class's time zone.")
    ends_at = ClockTimeField("Ends at", validators=[InputRequired()])
    skip_holidays = BooleanField("Skip the listed holidays", default=True)
    submit = SubmitField("Add these sessions")


class SessionForm(PlaceFields):
    day = DateField("Date", validators=[DataRequired(), PROGRAM_DATES])
    starts_at = ClockTimeField("Starts at", validators=[InputRequired()], description="In the class's time zone.")
    ends_at = ClockTimeField("Ends at", validators=[InputRequired()])
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
