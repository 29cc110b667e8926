from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth.passwords import MAX_LENGTH, policy_problem
from portal.timeutil import TIME_ZONES


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Sign in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)],
                       description="The address you sign in with.", render_kw={"autocomplete": "email"})
    submit = SubmitField("Email me a link")


class NewPasswordMixin:
    """Checks the new password against the policy, knowing whose it is."""

    owner_email: str = ""
    owner_names: tuple[str, ...] = ()

    def validate_new_password(self, field):
        problem = policy_problem(field.data or "", email=self.owner_email, names=self.owner_names)
        if problem:
            raise ValidationError(problem)


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    new_password = PasswordField(
        "New password",
        description="At least 12 characters. A short sentence is easy to remember and hard to guess.",
        validators=[DataRequired()],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set password")


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Change password")

    field_order = ("current_password", "new_password", "confirm")


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired(), Length(max=20)],
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )
    submit = SubmitField("Verify")


class TwoFactorSetupForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app", validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    current_password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Turn on two-step sign-in")


class TwoFactorDisableForm(FlaskForm):
    current_password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Turn off two-step sign-in")


class RecoveryCodesForm(FlaskForm):
    current_password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Make new recovery codes")


class TimeZoneForm(FlaskForm):
    time_zone = SelectField("Time zone", choices=TIME_ZONES,
                            description="Every date and time in the portal is shown to you in this zone.")
    submit = SubmitField("Save time zone")
