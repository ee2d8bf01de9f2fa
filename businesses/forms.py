"""Form fields of the registry shared by its admin pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from businesses.imports.values import CellValueError, DayOrMonth, parse_day_or_month
from businesses.models import Business, DatePrecision


class DayOrMonthDateField(forms.DateField):
    """A date, or only its month when the day is not known — ``15/01/2019``, ``2019-01-15``,
    ``01/2019``, ``2019-01`` — read as the imports and the API read it
    (businesses.imports.values.parse_day_or_month). Cleans to a ``DayOrMonth``."""

    def to_python(self, value) -> DayOrMonth | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return DayOrMonth(value, DatePrecision.DAY)
        try:
            return parse_day_or_month(str(value).strip())
        except CellValueError as error:
            raise ValidationError(str(error), code="invalid") from None


class BusinessAdminForm(forms.ModelForm):
    """The admin's business form: the founding date may be given as a month, and is then shown
    as one (``01/2019``)."""

    founded = DayOrMonthDateField(
        label=_("founded"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("dd/mm/yyyy, or mm/yyyy when only the month is known."),
    )

    class Meta:
        model = Business
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what it shows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.founded and instance.founded_precision == DatePrecision.MONTH:
            self.initial["founded"] = f"{instance.founded:%m/%Y}"

    def clean_founded(self) -> dt.date | None:
        founded = self.cleaned_data["founded"]
        if founded is None:
            self.instance.founded_precision = DatePrecision.DAY
            return None
        if founded.date > timezone.localdate():
            raise ValidationError(_("The date is in the future."), code="future")
        self.instance.founded_precision = founded.precision
        return founded.date
