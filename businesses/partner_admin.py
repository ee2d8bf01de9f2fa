"""Admin pages for partner systems and their API keys, for data stewards.

A steward creates a partner (its API user is made with it), issues keys (the key is shown once,
on the page after saving), revokes them (for good) and sets their expiry, and grants businesses.
Access goes by role (steward or superuser) rather than by model permissions, so that the role
groups need no new permissions for these models.
"""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from businesses.models import Partner, PartnerAPIKey, PartnerGrant
from businesses.partners import (
    api_key_audit_created,
    api_key_audit_revoked,
    partner_api_key_revoke,
    partner_create,
)
from core.admin import StewardOnlyAdmin

# The library's own key model is not used: every key here belongs to a partner.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class PartnerGrantInline(admin.TabularInline):
    model = PartnerGrant
    extra = 0
    fields = ["business", "reason", "granted_by", "created_at"]
    readonly_fields = ["granted_by", "created_at"]
    raw_id_fields = ["business"]

    def has_view_permission(self, request, obj=None) -> bool:
        return StewardOnlyAdmin._steward(self, request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class PartnerAPIKeyInline(admin.TabularInline):
    model = PartnerAPIKey
    extra = 0
    fields = ["prefix", "name", "created", "expiry_date", "revoked"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None) -> bool:
        return StewardOnlyAdmin._steward(self, request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are issued on their own page, which shows the key once


@admin.register(Partner)
class PartnerAdmin(StewardOnlyAdmin):
    list_display = ["name", "active", "user", "contact_email", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "contact_email", "user__username"]
    readonly_fields = ["user", "created_at"]
    fields = ["name", "active", "contact_email", "notes", "user", "created_at"]
    inlines = [PartnerAPIKeyInline, PartnerGrantInline]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.save()
            return
        created = partner_create(
            name=obj.name, contact_email=obj.contact_email, notes=obj.notes, active=obj.active
        )
        obj.pk, obj.user = created.pk, created.user
        obj.created_at = created.created_at

    def save_formset(self, request, form, formset, change) -> None:
        grants = formset.save(commit=False)
        for grant in grants:
            if isinstance(grant, PartnerGrant) and not grant.pk:
                grant.granted_by = request.user
            grant.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(StewardOnlyAdmin, APIKeyModelAdmin):
    list_display = ["prefix", "name", "partner", "created", "expiry_date", "expired", "revoked"]
    list_filter = ["revoked", "partner"]
    list_select_related = ["partner"]
    search_fields = ["name", "prefix", "partner__name"]
    fields = ["partner", "name", "prefix", "expiry_date", "revoked"]
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        fields = ["prefix"]
        if obj is not None:
            fields.append("partner")
            if obj.revoked:
                fields += ["name", "expiry_date", "revoked"]
        return fields

    def get_changeform_initial_data(self, request):
        import datetime as dt

        from django.conf import settings
        from django.utils import timezone

        days = settings.API_KEY_DEFAULT_LIFETIME_DAYS
        return {"expiry_date": timezone.now() + dt.timedelta(days=days)}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "expiry_date" in form.base_fields:
            form.base_fields["expiry_date"].required = True  # every key expires
        return form

    @admin.display(boolean=True, description=_("expired"))
    def expired(self, obj) -> bool:
        return obj.has_expired

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.save()
            if "revoked" in form.changed_data and obj.revoked:
                api_key_audit_revoked(api_key=obj, user=request.user)
            return
        key = PartnerAPIKey.objects.assign_key(obj)
        obj.save()
        api_key_audit_created(api_key=obj, user=request.user)
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code><br>{}",
                _("The API key of “%(name)s” is:") % {"name": obj.name},
                key,
                _(
                    "Copy it now and hand it over safely: it is stored hashed and cannot be shown "
                    "again."
                ),
            ),
        )

    @admin.action(description=_("Revoke the selected keys (cannot be undone)"))
    def revoke_keys(self, request, queryset) -> None:
        count = 0
        for api_key in queryset.filter(revoked=False):
            partner_api_key_revoke(api_key=api_key, user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
        )
