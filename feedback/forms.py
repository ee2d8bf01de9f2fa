"""Forms of the advice feedback (validation and shaping only; the services act)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import LabelOverride, RecommendationFeedback, Visit
from feedback.validators import outcome_date_rule, validate_sales_change, visit_date_rule


class RecommendationFeedbackForm(forms.Form):
    recommendation = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(label=_("Verdict"), choices=RecommendationFeedback.Action.choices)
    edited_title = forms.CharField(label=_("New title"), max_length=200, required=False)
    edited_rationale = forms.CharField(
        label=_("New rationale"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdviceRatingForm(forms.Form):
    advice = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=[(i, str(i)) for i in range(1, 6)]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LabelOverrideForm(forms.Form):
    advice = forms.IntegerField(widget=forms.HiddenInput)
    label = forms.ChoiceField(label=_("In your judgement"), choices=LabelOverride.Label.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# A browser's date picker reads and writes yyyy-mm-dd whatever the language, so the date typed
# comes back in it when the form is shown again with an error.
_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _BusinessDatedForm(forms.Form):
    """A form about something that happened to ``business`` on a date: the date follows the
    model's rule (feedback.validators), so a wrong one is refused beside the field."""

    date_rule = staticmethod(outcome_date_rule)

    def __init__(self, *args, business=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business

    def clean_date(self):
        date = self.cleaned_data["date"]
        self.date_rule(date, business=self.business)
        return date


class OutcomeForm(_BusinessDatedForm):
    recommendation = forms.IntegerField(required=False, widget=forms.HiddenInput)
    action_taken = forms.CharField(label=_("Action taken"), max_length=300)
    date = forms.DateField(label=_("Date"), widget=_DATE_INPUT)
    result = forms.CharField(
        label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    sales_change = forms.DecimalField(
        label=_("Sales change (%)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        validators=[validate_sales_change],
        help_text=_("From −100 (all sales lost) to +1,000."),
    )


class VisitForm(_BusinessDatedForm):
    date_rule = staticmethod(visit_date_rule)

    date = forms.DateField(label=_("Date"), widget=_DATE_INPUT)
    channel = forms.ChoiceField(label=_("How"), choices=Visit.Channel.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
