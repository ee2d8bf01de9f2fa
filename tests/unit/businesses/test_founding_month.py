"""A founding date known only to the month (``2019-01``, ``01/2019``): the admin's form accepts
it, stores its first day and remembers it is a month; the admin and the business page show it as
a month. (The import and the API: test_import_businesses, api/test_scoping_matrix.)"""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import translation

from businesses.forms import BusinessAdminForm
from businesses.models import DatePrecision

pytestmark = pytest.mark.django_db


def _form(business, founded):
    data = {k: v for k, v in model_to_dict(business).items() if v is not None}
    data["founded"] = founded
    return BusinessAdminForm(data=data, instance=business)


def test_the_admin_form_takes_a_month_or_a_day(business):
    for given in ("01/2019", "2019-01"):
        form = _form(business, given)
        assert form.is_valid(), form.errors
        saved = form.save()
        saved.refresh_from_db()
        assert (saved.founded, saved.founded_precision) == (dt.date(2019, 1, 1), "month")
    form = _form(business, "20/01/2019")
    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.founded, saved.founded_precision) == (dt.date(2019, 1, 20), "day")


def test_the_admin_form_says_which_formats_work(business):
    with translation.override("en"):
        form = _form(business, "enero 2019")
        assert not form.is_valid()
        assert "yyyy-mm when the day is not known" in form.errors["founded"][0]
        future = _form(business, f"{dt.date.today().year + 1}-01")
        assert not future.is_valid() and "future" in future.errors["founded"][0]


def test_a_founding_month_is_shown_as_a_month(client, admin_client, business, advisor):
    business.founded, business.founded_precision = dt.date(2019, 1, 1), DatePrecision.MONTH
    business.save()
    change = admin_client.get(reverse("admin:businesses_business_change", args=[business.pk]))
    assert 'value="01/2019"' in change.content.decode()
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert "<dd>01/2019</dd>" in html
    business.founded_precision = DatePrecision.DAY
    business.save()
    html = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert "<dd>01/01/2019</dd>" in html
