"""core.queueing: a task is queued only when the broker answers, and sent on commit; when
the broker is down the caller gets QueueUnavailableError, portal pages say so and the API
answers 503 with Retry-After."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.exceptions import APIException

from config.celery import app
from core.api_errors import api_exception_handler
from core.queueing import QueueUnavailableError, broker_check, enqueue
from forecasting.models import Advice


class RecordingTask:
    """Stands in for a Celery task: records what would be published."""

    name = "tests.recording"

    def __init__(self):
        self.sent = []

    def apply_async(self, args, kwargs, **options):
        self.sent.append((tuple(args), dict(kwargs)))


@pytest.fixture
def broker_down(monkeypatch):
    """Point the app at a Redis port nobody listens on (a real, failing connection)."""
    connect = app.connection_for_write
    monkeypatch.setattr(
        app, "connection_for_write", lambda url=None, **kw: connect("redis://127.0.0.1:9/0", **kw)
    )


def test_the_embedded_broker_is_reachable():
    assert broker_check() == ""


@pytest.mark.django_db(transaction=True)
def test_enqueue_sends_only_after_the_commit():
    task = RecordingTask()
    with transaction.atomic():
        enqueue(task, 7, flag=True)
        assert task.sent == []
    assert task.sent == [((7,), {"flag": True})]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back():
    task = RecordingTask()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(task, 1)
        raise RuntimeError("boom")
    assert task.sent == []


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_raises_with_a_translated_message(
    broker_down, django_capture_on_commit_callbacks
):
    assert broker_check() != ""
    task = RecordingTask()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(QueueUnavailableError) as caught,
    ):
        enqueue(task, 1)
    assert callbacks == [] and task.sent == []
    assert caught.value.retry_after > 0 and caught.value.cause
    with translation.override("en"):
        assert "cannot be queued now" in str(caught.value)
    with translation.override("es"):
        assert "no se puede encolar" in str(caught.value)


def test_the_api_maps_it_to_503_with_retry_after():
    with translation.override("en"):
        response = api_exception_handler(QueueUnavailableError(), {})
    assert response.status_code == 503
    assert response["Retry-After"] == str(QueueUnavailableError.retry_after)
    assert response.data["error"]["code"] == "queue_unavailable"
    assert "cannot be queued now" in response.data["error"]["message"]
    assert not isinstance(QueueUnavailableError(), APIException)  # plain services can raise it


@pytest.mark.django_db
def test_requesting_advice_with_the_broker_down_says_so_and_keeps_the_page(
    client, business, advisor, broker_down
):
    client.force_login(advisor)
    url = reverse("businesses:advice_request", kwargs={"pk": business.pk})
    with translation.override("en"):
        response = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200
    assert "cannot be queued right now" in response.content.decode()
    assert not Advice.objects.exists()  # nothing half-queued was stored

    answer = client.post(url, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es")
    assert answer.status_code == 503 and int(answer["Retry-After"]) > 0
    assert "no se puede encolar" in answer.json()["error"]
    assert not Advice.objects.exists()
