"""Form fields shared by the features' forms."""
from wtforms import IntegerField

BIGINT_MAX = 2**63 - 1


class WholeNumberField(IntegerField):
    """An IntegerField that refuses numbers no column can hold. WTForms' NumberRange turns the value
    into a float, which raises OverflowError (a 500) for integers past about 10**308."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > BIGINT_MAX:
            self.data = None
            raise ValueError(self.gettext("Number is too large."))
