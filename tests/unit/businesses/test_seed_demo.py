import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from businesses.demo import DEMO_PASSWORD
from businesses.models import Business, DataImport, MarketIndicator, MonthlyRecord, SizeClass
from core import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", businesses=150, months=24, seed=3, verbosity=0)


def test_seed_loads_businesses_records_indicators_and_the_oracle_parameters(seeded):
    assert Business.objects.count() == 150
    assert MonthlyRecord.objects.count() > 150 * 6
    assert MarketIndicator.objects.exists()
    demo = DataImport.objects.get(kind=DataImport.Kind.DEMO)
    assert demo.status == DataImport.Status.SUCCEEDED
    assert {"businesses": 150, "months": 24, "seed": 3}.items() <= demo.parameters.items()
    assert Business.objects.exclude(size_class=SizeClass.UNKNOWN).exists()
    # Every business passes the registry's own validation.
    for business in Business.objects.all()[:50]:
        business.full_clean()


def test_seed_creates_a_demo_user_for_every_role(seeded):
    users = get_user_model().objects
    for role in roles.ROLES:
        assert users.filter(groups__name=role).exists(), role
    assert users.filter(is_superuser=True).exists()


def test_seed_refuses_to_load_twice_unless_asked(seeded):
    with pytest.raises(CommandError, match="--replace"):
        call_command("seed_demo", businesses=10, months=24, seed=3, verbosity=0)
    call_command("seed_demo", businesses=10, months=24, seed=3, if_empty=True, verbosity=0)
    assert Business.objects.count() == 150
    call_command("seed_demo", businesses=10, months=24, seed=4, replace=True, verbosity=0)
    assert Business.objects.count() == 10


def test_a_demo_advisor_logs_in_and_sees_their_caseload(client, seeded):
    advisor = (
        get_user_model()
        .objects.filter(groups__name=roles.ADVISOR, assigned_businesses__isnull=False)
        .first()
    )
    response = client.post(
        reverse("login"), {"username": advisor.username, "password": DEMO_PASSWORD}, follow=True
    )
    page = response.context["page"]
    shown = list(page.object_list)
    assert shown and all(b.advisor_id == advisor.pk for b in shown)
    assert page.paginator.count == advisor.assigned_businesses.count()


def test_the_demo_programmes_are_explained_in_both_languages_and_old_demos_catch_up(seeded):
    from businesses.models import SupportProgramme

    demo = SupportProgramme.objects.filter(is_demo=True)
    assert demo.exists()
    for programme in demo:
        assert programme.description and programme.description_en, programme.code
        assert programme.how_to_apply and programme.how_to_apply_en, programme.code
        assert programme.how_to_apply_en != programme.how_to_apply
    # a demo loaded before the English texts existed gets them on the next start (make run
    # calls seed_demo --if-empty); an English text a steward wrote is kept
    demo.update(description_en="")
    demo.filter(code="proinnovate").update(how_to_apply_en="Written by a steward.")
    demo.exclude(code="proinnovate").update(how_to_apply_en="")
    call_command("seed_demo", businesses=10, months=24, seed=3, if_empty=True, verbosity=0)
    assert not demo.filter(description_en="").exists()
    assert not demo.filter(how_to_apply_en="").exists()
    assert demo.get(code="proinnovate").how_to_apply_en == "Written by a steward."
