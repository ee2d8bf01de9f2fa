"""Nine password-reset requests for one user within seconds send at most
PASSWORD_RESET_MAIL_LIMIT mails, per user and per address, counted where every process counts
(core.counters: the database here, the unit tier has no Redis), and the requester always gets
the same answer, whether the address exists, is limited or not."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import RateCounter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.PASSWORD_RESET_MAIL_LIMIT = 3
    settings.PASSWORD_RESET_MAIL_WINDOW = 3600


def _ask(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_nine_requests_send_three_mails_and_always_the_same_answer(client, advisor):
    answers = {(r.status_code, r.url) for r in (_ask(client, advisor.email) for _ in range(9))}
    assert answers == {(302, reverse("password_reset_done"))}
    assert len(mail.outbox) == 3
    # the same answer for an address nobody has
    unknown = _ask(client, "nadie@example.pe")
    assert (unknown.status_code, unknown.url) == (302, reverse("password_reset_done"))
    assert len(mail.outbox) == 3


def test_the_address_is_counted_whatever_its_case(client, advisor):
    for email in (advisor.email, advisor.email.upper(), f" {advisor.email} ", advisor.email):
        _ask(client, email)
    assert len(mail.outbox) == 3


def test_an_address_shared_by_two_users_is_limited_as_one_address(client):
    UserFactory(username="ana", email="oficina@example.pe")
    UserFactory(username="beto", email="oficina@example.pe")
    for _ in range(5):
        _ask(client, "oficina@example.pe")
    assert len(mail.outbox) == 6  # three requests, two users each


def test_the_user_is_counted_even_at_a_new_address(client, advisor):
    for _ in range(3):
        _ask(client, advisor.email)
    advisor.email = "nueva@example.pe"
    advisor.save()
    _ask(client, "nueva@example.pe")
    assert len(mail.outbox) == 3


def test_the_limit_is_a_setting(client, advisor, settings):
    settings.PASSWORD_RESET_MAIL_LIMIT = 1
    for _ in range(4):
        _ask(client, advisor.email)
    assert len(mail.outbox) == 1


def test_mail_goes_out_again_once_the_window_has_passed(client, advisor):
    for _ in range(4):
        _ask(client, advisor.email)
    assert len(mail.outbox) == 3
    RateCounter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _ask(client, advisor.email)
    assert len(mail.outbox) == 4


def test_the_counters_live_in_the_database_without_the_address(client, advisor):
    _ask(client, advisor.email)
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2  # one per address, one per user
    assert not any(advisor.email in k or advisor.email.split("@")[0] in k for k in keys)
