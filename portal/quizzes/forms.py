from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.form_fields import PROGRAM_DATES, FiniteDecimalField, PrintableText, WholeNumberField
from portal.ids import coerce_id
from portal.quizzes.models import GradingPolicy, ReviewPolicy
from portal.quizzes.types import ordered_kinds


class GradeForm(FlaskForm):
    points = FiniteDecimalField("Points", places=None, validators=[InputRequired(message="Enter the points.")],
                                render_kw={"inputmode": "decimal"})
    feedback = TextAreaField("Feedback to the officer", validators=[Optional(), Length(max=10000)], render_kw={"rows": 3})
    reason = StringField("Reason for the change (required when regrading)", validators=[Optional(), Length(max=2000)])
    back = HiddenField()
    submit = SubmitField("Save grade")


class RetakeForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)],
                           description="Recorded with your name in the audit trail, e.g. a documented medical absence.")
    submit = SubmitField("Grant one more retake")


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200), PrintableText()])
    parent_id = SelectField("Inside", coerce=coerce_id)
    submit = SubmitField("Save category")


class QuestionForm(FlaskForm):
    kind = SelectField("Type", choices=ordered_kinds())
    category_id = SelectField("Category", coerce=coerce_id)
    name = StringField(
        "Name (for the bank; officers do not see it)", validators=[DataRequired(), Length(max=255), PrintableText()]
    )
    text = TextAreaField("Question text (Markdown)", validators=[DataRequired(), Length(max=20000)])
    points = FiniteDecimalField("Points", places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    answers = TextAreaField("Answers", validators=[Optional(), Length(max=20000)])
    general_feedback = TextAreaField(
        "General feedback (shown when review is allowed)", validators=[Optional(), Length(max=20000)]
    )
    submit = SubmitField("Save question")


class ImportForm(FlaskForm):
    file = FileField("Question file (GIFT .gift/.txt or Moodle XML .xml)", validators=[FileRequired(message="Choose a file.")])
    file_format = SelectField("Format", choices=[("", "Guess from the file"), ("gift", "GIFT"), ("moodlexml", "Moodle XML")],
                              validate_choice=False)
    category = StringField(
        "Put the questions under this category (optional)",
        validators=[Optional(), Length(max=200), PrintableText()],
        description="Categories named in the file ($CATEGORY: or <category>) are created inside it.",
    )
    encoding = StringField(
        "Encoding of a GIFT file (optional)", validators=[Optional(), Length(max=40), PrintableText()],
        description="UTF-8 and UTF-16 with a byte order mark are recognised, and a file that is not UTF-8 is read as "
                    "Windows-1252; name another encoding (e.g. iso-8859-15) if the preview's accents look wrong.",
    )
    submit = SubmitField("Preview the import")


class ImportConfirmForm(FlaskForm):
    token = HiddenField()
    skip_refused = BooleanField("Import without the refused questions (they are left out)")
    submit = SubmitField("Import these questions")


class QuizForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200), PrintableText()])
    module_id = SelectField(
        "Belongs to", coerce=coerce_id, description="A module for a weekly exam, or the whole course for the final exam."
    )
    instructions = TextAreaField("Instructions", validators=[Optional(), Length(max=5000)])
    required = BooleanField("Required for course completion (counts under the exam rules)", default=True)
    lessons_first = BooleanField(
        "Officers complete the lessons first",
        description="The week's lessons (for a final exam, every lesson of the course) must be complete before an "
                    "attempt, a retake included, can start. An attempt already in progress is not affected.",
    )
    pass_mark = WholeNumberField("Pass mark (%)", default=70, validators=[InputRequired(), NumberRange(min=1, max=100)])
    time_limit_minutes = WholeNumberField(
        "Time limit (minutes, blank for none)", validators=[Optional(), NumberRange(min=1, max=600)]
    )
    attempts_allowed = WholeNumberField(
        "Attempts allowed",
        default=2,
        validators=[InputRequired(), NumberRange(min=1, max=10)],
        description="Including the remediation retake; the course-wide retake rule still applies.",
    )
    opens_at = DateTimeLocalField("Opens (your time zone, optional)", format="%Y-%m-%dT%H:%M",
                                  validators=[Optional(), PROGRAM_DATES])
    closes_at = DateTimeLocalField("Closes (your time zone, optional)", format="%Y-%m-%dT%H:%M",
                                   validators=[Optional(), PROGRAM_DATES])
    shuffle_questions = BooleanField("Shuffle the questions (fixed for each attempt)")
    shuffle_choices = BooleanField("Shuffle the choices (fixed for each attempt)", default=True)
    questions_per_page = WholeNumberField(
        "Questions per page", default=5, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
    grading_policy = SelectField("Grade that counts", choices=[(p.value, p.label) for p in GradingPolicy])
    review_policy = SelectField("Officers may see correct answers", choices=[(p.value, p.label) for p in ReviewPolicy])
    submit = SubmitField("Save quiz")


class SlotForm(FlaskForm):
    question_id = SelectField("A question from the bank", coerce=coerce_id, validators=[Optional()])
    category_id = SelectField("Or draw at random from the category", coerce=coerce_id, validators=[Optional()])
    draw_count = WholeNumberField("How many to draw", default=1, validators=[Optional(), NumberRange(min=1, max=100)])
    submit = SubmitField("Add to the quiz")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")
