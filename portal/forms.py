"""Forms of the advisor pages: the caseload's filters and the supervisor's reassignment; the
password-reset form with its mail limit."""

from __future__ import annotations

import hashlib
import logging

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from businesses import scoping
from businesses.models import Region, Sector, SizeClass
from core import roles
from core.counters import counter_hit
from portal.caseload import ALERTS, GROWTH_BANDS, SORTS, SUNAT_FILTERS, CaseloadQuery

logger = logging.getLogger(__name__)

ALERT_LABELS = {
    "falling": _("Forecast falling"),
    "growth": _("Growth opportunity"),
    "no_advice": _("No recent advice"),
    "no_visit": _("No recent visit"),
    "stale": _("No recent data"),
    "sunat": _("SUNAT alert"),
}


def advisor_label(user) -> str:
    return user.get_full_name() or user.get_username()


class AdvisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return advisor_label(obj)


def advisors_queryset() -> QuerySet:
    """Active users in the advisor role, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.ADVISOR)
        .order_by("first_name", "last_name", "username")
    )


class CaseloadFilterForm(forms.Form):
    """The caseload's GET parameters; anything invalid is simply ignored."""

    q = forms.CharField(label=_("RUC or name"), required=False, max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"), required=False, choices=[("", _("All")), *SizeClass.choices]
    )
    growth = forms.ChoiceField(
        label=_("Growth probability"),
        required=False,
        choices=[("", _("All")), *list(GROWTH_BANDS.items())],
    )
    advisor = forms.TypedChoiceField(label=_("Advisor"), required=False, coerce=int)
    sunat = forms.ChoiceField(
        label=_("SUNAT"), required=False, choices=[("", _("All")), *SUNAT_FILTERS.items()]
    )
    alert = forms.ChoiceField(
        label=_("Alert"),
        required=False,
        choices=[("", _("All"))] + [(a, ALERT_LABELS[a]) for a in ALERTS],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            choice
            for key, (label, _expr) in SORTS.items()
            for choice in ((key, label), (f"-{key}", label))
        ],
    )

    def __init__(
        self,
        data,
        *,
        regions: QuerySet,
        sectors: QuerySet,
        advisors: list | None = None,
        sunat_counts: dict[str, int] | None = None,
    ):
        super().__init__(data)
        if sunat_counts is not None:  # "Not ACTIVO (12)"
            self.fields["sunat"].choices = [("", _("All"))] + [
                (code, f"{label} ({sunat_counts.get(code, 0)})")
                for code, label in SUNAT_FILTERS.items()
            ]
        self.fields["sector"].choices = [("", _("All"))] + [
            (code, f"{code} {name}") for code, name in Sector.names(sectors).items()
        ]
        self.fields["region"].choices = [("", _("All"))] + [(r.code, r.name) for r in regions]
        if advisors is None:
            del self.fields["advisor"]
        else:
            self.fields["advisor"].choices = [("", _("All"))] + [
                (a.pk, advisor_label(a)) for a in advisors
            ]

    def caseload_query(self) -> CaseloadQuery:
        """The valid parameters as a query; an invalid one counts as not given."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return CaseloadQuery(
            search=data.get("q") or "",
            sector=data.get("sector") or "",
            region=data.get("region") or "",
            size_class=data.get("size_class") or "",
            growth_band=data.get("growth") or "",
            advisor=data.get("advisor") or None,
            sunat=data.get("sunat") or "",
            alert=data.get("alert") or "",
            sort=data.get("sort") or "name",
        )


def regions_in_scope(user) -> QuerySet:
    """The regions of the user's businesses (the caseload's region filter)."""
    if roles.sees_every_business(user):
        return Region.objects.order_by("name")
    return Region.objects.filter(
        code__in=scoping.visible_businesses(user).values("region_id")
    ).order_by("name")


def sectors_in_scope(user) -> QuerySet:
    """The CIIU divisions of the user's businesses (the caseload's sector filter)."""
    divisions = Sector.objects.filter(section__isnull=False)
    if not roles.sees_every_business(user):
        divisions = divisions.filter(code__in=scoping.visible_businesses(user).values("sector_id"))
    return divisions.order_by("code")


class ReassignForm(forms.Form):
    """Move the chosen businesses (posted as ``businesses`` ids) to another advisor, with the
    reason, which is recorded."""

    advisor = AdvisorChoiceField(label=_("New advisor"), queryset=advisors_queryset())
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors_queryset()


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with reset mail limited per user and per address
    (``PASSWORD_RESET_MAIL_LIMIT`` per ``PASSWORD_RESET_MAIL_WINDOW`` seconds, counted where every
    process counts: :mod:`core.counters`). Past the limit no mail goes out, and the requester gets
    the same answer as always, so the page never tells whether an address exists or was
    limited. Counter keys hold a digest of the address, never the address."""

    def get_users(self, email):
        limit = settings.PASSWORD_RESET_MAIL_LIMIT
        window = settings.PASSWORD_RESET_MAIL_WINDOW
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        if counter_hit(f"reset-mail:address:{digest}", window=window).count > limit:
            logger.warning("password reset mail limited for an address (%s per %ss)", limit, window)
            return
        for user in super().get_users(email):
            if counter_hit(f"reset-mail:user:{user.pk}", window=window).count > limit:
                logger.warning("password reset mail limited for user %s", user.pk)
                continue
            yield user
