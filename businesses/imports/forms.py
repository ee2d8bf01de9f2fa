"""The admin's import forms: they validate input and cause no side effects."""

from django import forms
from django.utils.translation import gettext_lazy as _

from businesses.models import DataImport

KIND_CHOICES = [
    (DataImport.Kind.BUSINESSES, DataImport.Kind.BUSINESSES.label),
    (DataImport.Kind.MONTHLY, DataImport.Kind.MONTHLY.label),
    (DataImport.Kind.INDICATORS, DataImport.Kind.INDICATORS.label),
]


class DataImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file contains"), choices=KIND_CHOICES)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or Latin-1, separated by ; or ,) or Excel xlsx."),
    )


class DataImportConfirmForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.HiddenInput)
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)

    def clean_file_name(self) -> str:
        # Only a label: keep the last path component.
        return self.cleaned_data["file_name"].replace("\\", "/").rsplit("/", 1)[-1]
