from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.api.services import LABEL_MAX, MAX_EXPIRY_DAYS
from portal.form_fields import PrintableText, WholeNumberField


class TokenForm(FlaskForm):
    label = StringField("Name", validators=[DataRequired(), Length(max=LABEL_MAX), PrintableText()],
                        description="What uses the token, such as your records system.")
    expires_days = WholeNumberField("Expires after (days)", validators=[Optional(), NumberRange(1, MAX_EXPIRY_DAYS)],
                                description=f"Leave empty for a token that does not expire; at most {MAX_EXPIRY_DAYS}.")
    submit = SubmitField("Create token")


class RevokeForm(FlaskForm):
    submit = SubmitField("Revoke token")
