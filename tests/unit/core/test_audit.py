"""The audit log: imports, promotions, role and assignment changes and API keys are recorded
with who did them; the admin lists them read-only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from businesses.imports import data_import_run
from businesses.models import Partner, SupervisedRegion
from businesses.partners import partner_api_key_issue, partner_api_key_revoke, partner_create
from core import roles
from core.audit import audit_record
from core.models import AuditEntry
from forecasting.lifecycle.services import model_version_promote, model_version_rollback
from forecasting.models import ModelKind, ModelVersion
from tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_audit_record_keeps_actor_target_and_detail(steward, business):
    entry = audit_record(steward, "export", business, {"rows": 3})
    assert entry.actor == steward and entry.actor_name == "gestor"
    assert entry.target_type == "businesses.business" and entry.target_id == str(business.pk)
    assert entry.detail == {"rows": 3}


def test_an_import_is_audited_with_its_counts(steward, tmp_path):
    path = tmp_path / "b.csv"
    ruc = BusinessFactory.build().ruc
    path.write_text(f"ruc;razon_social;ciiu;ubigeo\n{ruc};Bodega;47;150101\n", encoding="utf-8")
    report = data_import_run(kind="businesses", path=path, user=steward)
    entry = AuditEntry.objects.get(action="import")
    assert entry.actor == steward and entry.target_id == str(report.data_import.pk)
    assert entry.detail["created"] == 1 and entry.detail["rejected"] == 0


def test_a_dry_run_is_not_audited(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("ruc;razon_social;ciiu;ubigeo\n", encoding="utf-8")
    data_import_run(kind="businesses", path=path, dry_run=True)
    assert not AuditEntry.objects.filter(action="import").exists()


def _version(n: int) -> ModelVersion:
    return ModelVersion.objects.create(
        kind=ModelKind.GROWTH, version=n, status=ModelVersion.Status.CANDIDATE
    )


def test_promotion_and_rollback_are_audited_with_their_reason(steward):
    model_version_promote(version=_version(1), user=steward, reason="first")
    model_version_promote(version=_version(2), user=steward, reason="better AUC")
    model_version_rollback(kind=ModelKind.GROWTH, user=steward, reason="drifts")
    entries = AuditEntry.objects.filter(action__startswith="model_").order_by("pk")
    assert [(e.action, e.detail["reason"]) for e in entries] == [
        ("model_promoted", "first"),
        ("model_promoted", "better AUC"),
        ("model_rolled_back", "drifts"),
    ]
    assert entries[2].detail["replaced"] == 2 and entries[2].detail["version"] == 1


def test_role_changes_are_audited_from_either_side():
    user = UserFactory(username="nuevo")
    group = Group.objects.get(name=roles.SUPERVISOR)
    user.groups.add(group)
    group.user_set.remove(user)
    user.groups.add(Group.objects.get(name=roles.ADVISOR))
    user.groups.clear()
    entries = AuditEntry.objects.filter(action__startswith="role_").order_by("pk")
    assert [(e.action, e.detail["group"]) for e in entries] == [
        ("role_added", "supervisor"),
        ("role_removed", "supervisor"),
        ("role_added", "advisor"),
        ("role_removed", "advisor"),
    ]


def test_superuser_flag_and_region_assignments_are_audited(supervisor):
    supervisor.is_superuser = True
    supervisor.save()
    SupervisedRegion.objects.create(user=supervisor, region_id="04")
    SupervisedRegion.objects.filter(user=supervisor, region_id="04").delete()
    assert _actions()[-3:] == ["user_flags_changed", "region_assigned", "region_unassigned"]
    assert AuditEntry.objects.get(action="user_flags_changed").detail["changed"] == {
        "is_superuser": [False, True]
    }


def test_a_login_does_not_query_or_audit_user_flags(client, advisor):
    client.force_login(advisor)
    assert not AuditEntry.objects.filter(action="user_flags_changed").exists()


def test_an_advisor_change_is_audited_with_the_acting_user(client, steward, advisor, other_advisor):
    business = BusinessFactory(advisor=advisor)
    AuditEntry.objects.all().delete()
    client.force_login(steward)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "advisor": other_advisor.pk,
            "founded": "2015-03-01",
            "records-TOTAL_FORMS": 0,
            "records-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="advisor_changed")
    assert entry.actor == steward
    assert entry.detail == {"ruc": business.ruc, "from": "asesora", "to": "otro.asesor"}


def test_saving_a_business_without_changing_its_advisor_records_nothing(advisor):
    business = BusinessFactory(advisor=advisor)
    AuditEntry.objects.all().delete()
    business.legal_name = "Otra razón social"
    business.save()
    assert not AuditEntry.objects.exists()


def test_api_keys_issued_and_revoked_are_audited_without_the_key(steward):
    partner = partner_create(name="Banco Andino")
    api_key, raw = partner_api_key_issue(partner=partner, name="prod", user=steward)
    partner_api_key_revoke(api_key=api_key, user=steward)
    created = AuditEntry.objects.get(action="api_key_created")
    revoked = AuditEntry.objects.get(action="api_key_revoked")
    assert created.actor == revoked.actor == steward
    assert created.detail["prefix"] == api_key.prefix
    assert raw not in str(created.detail) and raw.split(".")[1] not in str(created.detail)


def test_a_key_issued_in_the_admin_is_audited(client, steward):
    partner = Partner.objects.get(pk=partner_create(name="GORE Cusco").pk)
    client.force_login(steward)
    response = client.post(
        reverse("admin:businesses_partnerapikey_add"),
        {"partner": partner.pk, "name": "k1", "expiry_date_0": "2030-01-01",
         "expiry_date_1": "00:00:00"},
    )  # fmt: skip
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="api_key_created").actor == steward


def test_the_audit_log_is_read_only_in_the_admin(client, steward, advisor):
    entry = audit_record(steward, "export", "businesses.csv", {"rows": 1})
    client.force_login(steward)
    listing = client.get(reverse("admin:core_auditentry_changelist"), {"action": "export"})
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [entry]
    # the filter and the list name actions in words (the admin speaks Spanish by default)
    assert "Exportación de datos" in listing.content.decode()
    change = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    delete = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403 and AuditEntry.objects.filter(pk=entry.pk).exists()
    advisor.is_staff = True
    advisor.save()
    client.force_login(advisor)
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403


def test_audit_entries_outlive_their_user(steward):
    audit_record(steward, "export", "x", {})
    steward.delete()
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor is None and entry.actor_name == "gestor"


def test_a_supervisors_reassignment_is_audited(supervisor, advisor, other_advisor):
    from businesses.services import business_reassign

    moved = [BusinessFactory(advisor=advisor, region_id="15") for _ in range(2)]
    AuditEntry.objects.all().delete()
    n = business_reassign(
        user=supervisor, business_ids=[b.pk for b in moved], advisor=other_advisor,
        reason="vacaciones",
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="advisor_changed")
    assert n == 2 and entry.actor == supervisor
    assert entry.detail["count"] == 2 and entry.detail["reason"] == "vacaciones"
    assert sorted(entry.detail["rucs"]) == sorted(b.ruc for b in moved)
