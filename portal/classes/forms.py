from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.form_fields import PROGRAM_DATES, PrintableText, WholeNumberField
from portal.ids import coerce_id
from portal.timeutil import DEFAULT_TIME_ZONE, TIME_ZONES


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ClassForm(FlaskForm):
    course_id = SelectField("Course", coerce=coerce_id, validators=[DataRequired()])
    name = StringField("Class name", validators=[DataRequired(), Length(max=160), PrintableText()],
                       description="For example “JEM Basic — Charlotte, January 2027”.")
    start_date = DateField("Start date", validators=[DataRequired(), PROGRAM_DATES])
    capacity = WholeNumberField("Capacity (seats)", validators=[DataRequired(), NumberRange(min=1, max=1000)])
    location = StringField("Location or delivery note", validators=[Optional(), Length(max=200), PrintableText()])
    time_zone = SelectField("Time zone", choices=TIME_ZONES, default=DEFAULT_TIME_ZONE,
                            description="Each week of the class opens at midnight in this zone.")
    instructor_ids = CheckboxListField("Instructors", coerce=coerce_id)
    submit = SubmitField("Save class")


class EnrollForm(FlaskForm):
    officer_ids = CheckboxListField(
        "Officers to enroll", coerce=coerce_id, validators=[DataRequired(message="Choose at least one officer.")]
    )
    submit = SubmitField("Enroll selected officers")


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Withdraw officer")


class MoveForm(FlaskForm):
    class_id = SelectField("Move to class", coerce=coerce_id, validators=[DataRequired(message="Choose a class.")])
    submit = SubmitField("Move officer")
