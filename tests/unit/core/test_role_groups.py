"""The role groups after ``migrate``: every model's permissions reach them, whatever order the
apps' post_migrate signals come in."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate

from core import roles

pytestmark = pytest.mark.django_db


def test_the_stewards_get_a_models_permissions_created_after_the_portals_post_migrate():
    """A model whose permissions do not exist yet when portal's post_migrate runs (its own app
    sends the signal later) still reaches the steward group: portal creates them first."""
    steward = Group.objects.get(name=roles.STEWARD)
    Permission.objects.filter(
        content_type__app_label="businesses", codename="view_datasource"
    ).delete()
    assert not steward.permissions.filter(codename="view_datasource").exists()

    post_migrate.send(
        sender=apps.get_app_config("portal"), app_config=apps.get_app_config("portal"),
        verbosity=0, interactive=False, using="default", apps=apps, plan=[],
    )  # fmt: skip

    assert steward.permissions.filter(
        content_type__app_label="businesses", codename="view_datasource"
    ).exists()
    advisor = Group.objects.get(name=roles.ADVISOR)
    assert not advisor.permissions.filter(codename="view_datasource").exists()
