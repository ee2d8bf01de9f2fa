"""Comments given with a verdict ("Aceptar" with a comment) are read where people look: beside
the recommendation on the business page, with who and when, and on the supervision dashboard
of the business's region (feedback.selectors.verdict_comment_list; the business page takes them
from the verdicts it has read anyway)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import RecommendationFeedback
from forecasting.models import Advice, Recommendation
from tests.factories import BusinessFactory
from tests.unit.feedback.advice_data import ready_advice

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_comment_shows_beside_the_verdict_with_who_and_when(client, business, advisor):
    advisor.first_name, advisor.last_name = "Rosa", "Quispe"
    advisor.save()
    advice = ready_advice(business, user=advisor)
    first, second = advice.recommendations.order_by("position")[:2]
    services.recommendation_feedback_create(
        user=advisor, recommendation_id=first.pk, action="accepted", comment="Lo vimos en la visita"
    )
    services.recommendation_feedback_create(
        user=advisor, recommendation_id=second.pk, action="rejected"
    )
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    item = re.search(rf'<li id="rec-{first.pk}".*?</li>\s*</ul>', html, re.S).group(0)
    text = _text(item)
    assert "Lo vimos en la visita" in text
    assert "Aceptada" in text and "Rosa Quispe" in text
    assert timezone.localtime().strftime("%d/%m/%Y") in text
    other = re.search(rf'<li id="rec-{second.pk}".*?</form>', html, re.S).group(0)
    assert "verdict-comments" not in other  # a verdict without a comment adds no line


def test_the_supervisor_reads_the_comments_of_her_regions(client, supervisor, advisor):
    lima = BusinessFactory(advisor=advisor, region_id="15", trade_name="Bodega Lima")
    cusco = BusinessFactory(advisor=advisor, region_id="08", ubigeo="080101")
    for business, comment in ((lima, "La dueña ya lo pidió"), (cusco, "No es de su región")):
        advice = Advice.objects.create(business=business, requested_by=advisor, status="ready")
        rec = Recommendation.objects.create(
            advice=advice, code="go_online", title="x", rationale="r", position=0
        )
        RecommendationFeedback.objects.create(
            recommendation=rec, action="accepted", comment=comment, created_by=advisor
        )
    old = RecommendationFeedback.objects.create(
        recommendation=rec, action="rejected", comment="Hace mucho", created_by=advisor
    )
    RecommendationFeedback.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    client.force_login(supervisor)
    html = client.get(reverse("supervision:dashboard")).content.decode()
    section = _text(re.search(r'<section[^>]*id="verdict-comments".*?</section>', html, re.S)[0])
    assert "La dueña ya lo pidió" in section and "Bodega Lima" in section
    assert "Aceptada" in section and advisor.username in section
    assert "No es de su región" not in section and "Hace mucho" not in section


def test_supervision_queries_do_not_grow_with_comments(
    client, supervisor, advisor, django_assert_max_num_queries
):
    lima = BusinessFactory(advisor=advisor, region_id="15")
    advice = ready_advice(lima, user=advisor, recommendations=1)
    client.force_login(supervisor)
    url = reverse("supervision:dashboard")
    client.get(url)
    rec = advice.recommendations.get()
    RecommendationFeedback.objects.create(
        recommendation=rec, action="accepted", comment="uno", created_by=advisor
    )
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for i in range(6):
        RecommendationFeedback.objects.create(
            recommendation=rec, action="accepted", comment=f"c{i}", created_by=advisor
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "c5" in client.get(url).content.decode()
