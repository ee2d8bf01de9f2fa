"""The supervisor's dashboard and reassignment: supervisors only, their regions only, every
move recorded with who, when and why, in a flat number of queries."""

import pytest
from django.urls import reverse

from businesses.models import Business, BusinessAssignment
from businesses.services import business_reassign
from feedback.models import RecommendationFeedback, Visit
from forecasting.models import Advice, Recommendation
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def _advice_with(business, user, *verdicts):
    advice = Advice.objects.create(business=business, requested_by=user, status="ready")
    for i, (code, action) in enumerate(verdicts):
        rec = Recommendation.objects.create(
            advice=advice, code=code, title=code, rationale="r", position=i
        )
        RecommendationFeedback.objects.create(recommendation=rec, action=action, created_by=user)
    return advice


def test_only_supervisors_open_the_dashboard(client, advisor, steward, supervisor):
    url = reverse("supervision:dashboard")
    for user in (advisor, steward):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(reverse("supervision:reassign")).status_code == 403
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_dashboard_counts_who_did_what_in_my_regions(client, supervisor, advisor, other_advisor):
    lima = BusinessFactory(advisor=advisor, region_id="15", trade_name="Bodega Lima")
    BusinessFactory(advisor=advisor, region_id="15")
    cusco = BusinessFactory(advisor=other_advisor, region_id="08", ubigeo="080101")
    _advice_with(lima, advisor, ("go_online", "accepted"), ("seasonal_peak", "rejected"))
    _advice_with(cusco, other_advisor, ("go_online", "accepted"))  # not my region
    rec = Recommendation.objects.filter(advice__business=lima, code="seasonal_peak").get()
    RecommendationFeedback.objects.create(recommendation=rec, action="edited", created_by=advisor)
    Visit.objects.create(business=lima, date="2024-06-01", created_by=advisor)

    client.force_login(supervisor)
    response = client.get(reverse("supervision:dashboard"))
    board = response.context["board"]
    rows = {r.name: r for r in board.advisors}
    assert set(rows) == {advisor.username}  # the other advisor works elsewhere
    mine = rows[advisor.username]
    assert (mine.caseload, mine.advice, mine.visits) == (2, 1, 1)
    # each recommendation counts once, with its latest verdict (rejected, then edited)
    assert (mine.accepted, mine.edited, mine.rejected, mine.acceptance) == (1, 1, 0, 1.0)
    codes = {c["code"]: c for c in board.by_code}
    assert codes["go_online"]["made"] == 1 and codes["go_online"]["accepted"] == 1
    assert codes["seasonal_peak"]["edited"] == 1
    kinds = [a.kind for a in board.activity]
    assert "verdict" in kinds and "visit" in kinds and "advice" in kinds
    html = response.content.decode()
    assert "Bodega Lima" in html and "Quién hizo qué y cuándo" in html
    # kinds of recommendation in words, never their codes, in the table and the activity feed
    assert "Empezar a vender por internet" in html and "Se acerca un pico estacional" in html
    assert "go_online" not in html and "seasonal_peak" not in html


def test_dashboard_query_count_does_not_grow(
    client, supervisor, advisor, other_advisor, django_assert_max_num_queries
):
    def activity(n):
        for _ in range(n):
            b = BusinessFactory(advisor=advisor, region_id="15")
            _advice_with(b, advisor, ("go_online", "accepted"), ("margin_below_peers", "edited"))
            Visit.objects.create(business=b, date="2024-06-01", created_by=advisor)

    activity(2)
    client.force_login(supervisor)
    url = reverse("supervision:dashboard")
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    activity(25)
    BusinessFactory.create_batch(5, advisor=other_advisor, region_id="15")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_reassign_records_who_when_why(client, supervisor, advisor, other_advisor):
    a = BusinessFactory(advisor=advisor, region_id="15")
    b = BusinessFactory(region_id="15")  # unassigned: supervisors assign as well
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:reassign"),
        {
            "businesses": [a.pk, b.pk],
            "advisor": other_advisor.pk,
            "reason": "Cambio de zona",
            "next": reverse("businesses:caseload") + "?region=15",
        },
    )
    assert response.status_code == 302 and response.url.endswith("?region=15")
    assert set(Business.objects.filter(advisor=other_advisor)) == {a, b}
    rows = {r.business_id: r for r in BusinessAssignment.objects.all()}
    assert rows[a.pk].from_advisor == advisor and rows[b.pk].from_advisor is None
    assert all(
        r.to_advisor == other_advisor
        and r.created_by == supervisor
        and r.reason == "Cambio de zona"
        for r in rows.values()
    )
    # the old advisor no longer sees it; the new one does
    client.force_login(advisor)
    assert client.get(reverse("businesses:detail", args=[a.pk])).status_code == 404
    client.force_login(other_advisor)
    assert client.get(reverse("businesses:detail", args=[a.pk])).status_code == 200
    client.force_login(supervisor)
    board = client.get(reverse("supervision:dashboard")).context["board"]
    assert "assignment" in [item.kind for item in board.activity]


def test_reassign_refuses_outside_my_regions_and_without_reason(
    client, supervisor, advisor, other_advisor
):
    cusco = BusinessFactory(advisor=advisor, region_id="08", ubigeo="080101")
    lima = BusinessFactory(advisor=advisor, region_id="15")
    client.force_login(supervisor)
    foreign = client.post(
        reverse("supervision:reassign"),
        {"businesses": [lima.pk, cusco.pk], "advisor": other_advisor.pk, "reason": "x"},
    )
    assert foreign.status_code == 404
    no_reason = client.post(
        reverse("supervision:reassign"),
        {"businesses": [lima.pk], "advisor": other_advisor.pk, "reason": ""},
    )
    assert no_reason.status_code == 302
    assert set(Business.objects.values_list("advisor", flat=True)) == {advisor.pk}
    assert not BusinessAssignment.objects.exists()


def test_reassign_only_to_an_active_advisor(supervisor, advisor, steward):
    from django.core.exceptions import ValidationError

    b = BusinessFactory(advisor=advisor, region_id="15")
    with pytest.raises(ValidationError):
        business_reassign(user=supervisor, business_ids=[b.pk], advisor=steward, reason="x")
    assert business_reassign(user=supervisor, business_ids=[b.pk], advisor=advisor, reason="x") == 0


def test_caseload_offers_reassignment_to_supervisors_only(client, supervisor, advisor):
    BusinessFactory(advisor=advisor, region_id="15")
    client.force_login(advisor)
    assert 'name="businesses"' not in client.get(reverse("businesses:caseload")).content.decode()
    client.force_login(supervisor)
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert 'name="businesses"' in html and reverse("supervision:reassign") in html


def test_the_admins_list_of_verdicts_names_recommendations_in_words(admin_client, advisor):
    lima = BusinessFactory(advisor=advisor, region_id="15")
    _advice_with(lima, advisor, ("growth_opportunity", "rejected"))
    html = admin_client.get(
        reverse("admin:feedback_recommendationfeedback_changelist"), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Gran oportunidad de crecimiento" in html
    assert "growth_opportunity (" not in html


def test_the_feed_lists_advice_people_asked_for_not_the_nightly_advice(client, supervisor, advisor):
    lima = BusinessFactory(advisor=advisor, region_id="15", trade_name="Bodega Lima")
    for _ in range(3):  # the scoring run's advice for every business: requested by nobody
        Advice.objects.create(
            business=BusinessFactory(advisor=advisor, region_id="15"), status="ready"
        )
    _advice_with(lima, advisor)

    client.force_login(supervisor)
    board = client.get(reverse("supervision:dashboard")).context["board"]
    advice_rows = [a for a in board.activity if a.kind == "advice"]
    assert [a.business.trade_name for a in advice_rows] == ["Bodega Lima"]
    assert all(a.who is not None for a in board.activity)
