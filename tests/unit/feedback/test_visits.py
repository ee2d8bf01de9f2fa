"""Visits: recorded from the business page by whoever may see the business, listed there,
and they clear the caseload's "no visit" alert."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import Visit
from portal.caseload import caseload_alerts

pytestmark = pytest.mark.django_db


def test_record_a_visit(client, business, advisor):
    client.force_login(advisor)
    assert "no_visit" in {a.code for a in caseload_alerts(user=advisor)}
    today = timezone.localdate()
    response = client.post(
        reverse("businesses:visit_record", args=[business.pk]),
        {"date": today.strftime("%d/%m/%Y"), "channel": "phone", "note": "Revisamos el stock"},
    )
    assert response.status_code == 302 and response.url.endswith("#visits")
    visit = Visit.objects.get()
    assert (visit.date, visit.channel, visit.created_by) == (today, "phone", advisor)
    html = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert "Revisamos el stock" in html and "Llamada telefónica" in html
    assert "no_visit" not in {a.code for a in caseload_alerts(user=advisor)}


def test_a_visit_in_the_future_is_refused(client, business, advisor):
    client.force_login(advisor)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.post(
        reverse("businesses:visit_record", args=[business.pk]),
        {"date": tomorrow.isoformat(), "channel": "in_person"},
    )
    assert not Visit.objects.exists()


def test_another_advisor_cannot_record_a_visit(client, business, other_advisor):
    client.force_login(other_advisor)
    response = client.post(
        reverse("businesses:visit_record", args=[business.pk]),
        {"date": "2024-06-01", "channel": "in_person"},
    )
    assert response.status_code == 404 and not Visit.objects.exists()
