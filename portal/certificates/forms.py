from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.certificates.models import CertificateStatus, RevocationReason
from portal.form_fields import SearchableSelectField, add_error
from portal.ids import coerce_id


class VerifyCodeForm(FlaskForm):
    """Sent by GET (a bookmarkable lookup that changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField("Verification code", validators=[DataRequired(), Length(max=120)],
                       description="As printed on the certificate, for example 7KQ4-M2XD-… "
                                   "Upper or lower case, with or without dashes.")
    submit = SubmitField("Verify")


class VerifyUploadForm(FlaskForm):
    pdf = FileField("Certificate PDF file", validators=[FileRequired("Choose the PDF file to check.")],
                    description="The file is compared with the certificates the portal issued and is not kept.")
    submit = SubmitField("Check the file")


class VerifyCredentialForm(FlaskForm):
    credential = TextAreaField("Digital credential", validators=[Optional()],
                               description="Paste the credential (a long text in three parts separated "
                                           "by dots), or choose its file below.")
    credential_file = FileField("Digital credential file", description="The .jwt file downloaded from the portal.")
    submit = SubmitField("Check the credential")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.credential.data or "").strip() and not self.credential_file.data:
            add_error(self.credential, "Paste the credential or choose its file.")
            return False
        return True


class ReissueForm(FlaskForm):
    reason = TextAreaField("Reason for reissuing", validators=[DataRequired(), Length(max=500)],
                           description="For example “Officer's surname corrected from Smyth to Smith”.")
    confirm = BooleanField("I have corrected the officer's, agency's or course details and want a new "
                           "certificate with a new serial; the current one will show as superseded.",
                           validators=[DataRequired("Tick the box to confirm.")])
    submit = SubmitField("Reissue certificate")


class RevokeForm(FlaskForm):
    category = SelectField("Reason category", choices=[("", "— choose —")] + [(r.value, r.label) for r in RevocationReason],
                           validators=[DataRequired("Choose a reason category.")],
                           description="The category is shown on the public verification page.")
    reason = TextAreaField("Details", validators=[DataRequired(), Length(max=1000)],
                           description="Kept in the record and the audit log; not shown publicly.")
    confirm = BooleanField("I understand that revoking cannot be undone and that the verification page "
                           "will show this certificate as revoked.",
                           validators=[DataRequired("Tick the box to confirm.")])
    submit = SubmitField("Revoke certificate")


AGENCY_SEARCH_MAX = 100


def clean_agency_search(text: str | None) -> str:
    """The typed part of an agency's name: spaces collapsed, at most AGENCY_SEARCH_MAX characters."""
    return " ".join((text or "").split())[:AGENCY_SEARCH_MAX]


class CertificateFilterForm(FlaskForm):
    """Sent by GET. The agency is typed (part of its name), not chosen from a list of every agency;
    links may still filter by one agency's id (`agency_id`), which the view reads itself."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=[("", "Any status")] + [(s.value, s.label) for s in CertificateStatus],
                         validators=[Optional()])
    agency = StringField("Agency (name contains)", filters=[clean_agency_search],
                         render_kw={"maxlength": AGENCY_SEARCH_MAX, "type": "search"})
    class_id = SearchableSelectField("Class", coerce=coerce_id, validators=[Optional()])
    submit = SubmitField("Filter")
