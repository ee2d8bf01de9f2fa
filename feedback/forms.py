"""Forms of the advice feedback (validation and shaping only; the services act)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import LabelOverride, RecommendationFeedback, Visit


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


class OutcomeForm(forms.Form):
    recommendation = forms.IntegerField(required=False, widget=forms.HiddenInput)
    action_taken = forms.CharField(label=_("Action taken"), max_length=300)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    result = forms.CharField(
        label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    sales_change = forms.DecimalField(
        label=_("Sales change (%)"), required=False, max_digits=7, decimal_places=2
    )


class VisitForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("How"), choices=Visit.Channel.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
