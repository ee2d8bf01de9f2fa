"""Roles: the groups a user belongs to, what each may do in the admin, and the questions a
page asks of them (``has_role``). Which businesses a user may see is decided beside the
business table, in :mod:`businesses.scoping`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ADVISOR = "advisor"
SUPERVISOR = "supervisor"
STEWARD = "steward"
PARTNER = "partner"
ANALYST = "analyst"
ROLES = (ADVISOR, SUPERVISOR, STEWARD, PARTNER, ANALYST)
ROLE_LABELS = {
    ADVISOR: _("Advisor"),
    SUPERVISOR: _("Regional coordinator"),
    STEWARD: _("Data steward"),
    PARTNER: _("Partner system"),
    ANALYST: _("Market analyst"),
}

# Django model permissions per role, as "app_label.action_model"; a "*" action means all four.
# Scoping (which rows) is decided by visible_businesses, not by these.
_ADVISOR_PERMS = [
    "businesses.view_business",
    "businesses.view_monthlyrecord",
    "businesses.view_marketindicator",
    "businesses.view_supportprogramme",
    "businesses.view_region",
    "businesses.view_sector",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADVISOR: _ADVISOR_PERMS,
    SUPERVISOR: [*_ADVISOR_PERMS, "businesses.change_business"],
    STEWARD: [
        "businesses.*",
        "forecasting.*",
        "feedback.view_*",
        # the data scientists' dataset export (start, follow, download)
        "feedback.add_datasetexport",
        "feedback.change_datasetexport",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "django_celery_beat.*",  # the schedules (nightly re-scoring, sweeper…) in the admin
        "portal.view_featuredrift",
    ],
    PARTNER: [],
    # Aggregated statistics only (the opportunity map): no model permission, no admin; every
    # business URL and API endpoint answers 404/403 (core.analysts.AnalystScopeMiddleware).
    ANALYST: [],
}


def _matching_permissions(Permission, spec: str):  # noqa: N803 - a model class
    app_label, codename = spec.split(".", 1)
    perms = Permission.objects.filter(content_type__app_label=app_label)
    if codename == "*":
        return perms
    if codename.endswith("_*"):
        return perms.filter(codename__startswith=codename[:-1])
    return perms.filter(codename=codename)


def sync_role_groups(apps=None) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, specs in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        perm_ids: set[int] = set()
        for spec in specs:
            perm_ids.update(_matching_permissions(Permission, spec).values_list("pk", flat=True))
        group.permissions.set(perm_ids)


def sync_role_groups_after_migrate(sender, using=None, **kwargs) -> None:
    """After ``migrate``: give the role groups the permissions of every model, new ones too.

    Django creates a model's permissions in the post_migrate of the model's own app, which may
    come after this app's (an app listed later, or migrations that happen to run in another
    order): they are created here first, for every app, so the groups never miss one."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using or "default")
    sync_role_groups()


def role_names(user) -> frozenset[str]:
    """The role groups of ``user``, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in role_names(user)


def sees_every_business(user) -> bool:
    return user.is_active and (user.is_superuser or has_role(user, STEWARD))


def role_context(request) -> dict:
    """Template context: the current user's roles, for menus (never for access decisions)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": frozenset(), "user_role_labels": []}
    names = role_names(user)
    return {
        "user_roles": names,
        "user_role_labels": [ROLE_LABELS[r] for r in ROLES if r in names],
    }


def is_analyst_only(user) -> bool:
    """A market analyst and nothing else (no other role, not a superuser): aggregated
    statistics only, never a business."""
    return (
        user.is_authenticated and not user.is_superuser and role_names(user) == frozenset({ANALYST})
    )


def sees_market_map(user) -> bool:
    """The opportunity map: analysts (every region), coordinators (their regions), superusers."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or has_role(user, ANALYST) or has_role(user, SUPERVISOR))
    )


def is_supervisor(user) -> bool:
    """Supervisor pages (dashboard, reassignment): coordinators and superusers."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or has_role(user, SUPERVISOR))
    )
