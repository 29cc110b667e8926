from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.agencies.models import AgreementModel
from portal.form_fields import PrintableText, WholeNumberField
from portal.ids import coerce_id


class CourseForm(FlaskForm):
    code = StringField("Course code", validators=[DataRequired(), Length(max=40),
                       Regexp(r"^[A-Z0-9][A-Z0-9-]*$", message="Use capital letters, digits and dashes, e.g. 287G-JEM-BASIC.")])
    title = StringField("Title", validators=[DataRequired(), Length(max=200), PrintableText()])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    agreement_model = SelectField(
        "Agreement model", choices=[("", "Any")] + [(m.value, f"{m.value} — {m.label}") for m in AgreementModel]
    )
    weeks = WholeNumberField("Weeks", validators=[DataRequired(), NumberRange(min=1, max=12)])
    hours = WholeNumberField("Hours of instruction", validators=[DataRequired(), NumberRange(min=1, max=1000)])
    pass_mark = WholeNumberField("Pass mark (%)", default=70, validators=[DataRequired(), NumberRange(min=1, max=100)])
    attendance_share = WholeNumberField(
        "Attendance required (% of scheduled class hours)", default=90,
        validators=[DataRequired(), NumberRange(min=1, max=100)],
        description="Officers must attend this share of their class's scheduled sessions to complete. "
                    "A class without sessions requires none.")
    certificate_validity_days = WholeNumberField("Certificate valid for (days)", default=365,
                                                 validators=[DataRequired(), NumberRange(min=1, max=3650)])
    refresher_interval_months = WholeNumberField(
        "Refresher due every (months)", validators=[Optional(), NumberRange(min=1, max=120)]
    )
    is_refresher = BooleanField("This is a refresher course")
    submit = SubmitField("Save course")


class ModuleForm(FlaskForm):
    week = WholeNumberField("Week", validators=[DataRequired(), NumberRange(min=1, max=12)])
    position = WholeNumberField("Order within the week", default=1, validators=[DataRequired(), NumberRange(min=1, max=100)])
    title = StringField("Title", validators=[DataRequired(), Length(max=200), PrintableText()])
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save module")


class LessonForm(FlaskForm):
    module_id = SelectField("Module", coerce=coerce_id)
    position = WholeNumberField("Order within the module", default=1, validators=[DataRequired(), NumberRange(min=1, max=100)])
    title = StringField("Title", validators=[DataRequired(), Length(max=200), PrintableText()])
    minutes = WholeNumberField("Estimated minutes", default=30, validators=[DataRequired(), NumberRange(min=1, max=600)])
    body_markdown = TextAreaField("Lesson text (Markdown)", validators=[DataRequired(), Length(max=100_000)],
                                  description="Markdown: ## headings, - lists, **bold**, tables. HTML is removed.")
    preview = SubmitField("Preview")
    submit = SubmitField("Save lesson")
