from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from portal.admin.services import AGENCY_ROLES
from portal.auth.roles import Role
from portal.form_fields import PrintableText, SearchableSelectField
from portal.ids import coerce_id


class UserForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Email(), Length(max=254)])
    first_name = StringField("First name", validators=[DataRequired(), Length(max=80), PrintableText()])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80), PrintableText()])
    role = SelectField("Role", choices=[(r.value, r.label) for r in Role])
    agency_id = SearchableSelectField("Agency", coerce=coerce_id, description="Officers and coordinators belong to one agency.")
    active = BooleanField("Account active", default=True)
    submit = SubmitField("Save user")

    def validate_agency_id(self, field):
        if self.role.data in AGENCY_ROLES and not field.data:
            raise ValidationError("Officers and coordinators must belong to an agency.")
