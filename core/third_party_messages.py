"""Texts of Django's admin and of third-party packages that a steward reads, listed so that
``makemessages`` puts them in our catalogs: our translations (LOCALE_PATHS is searched first)
give the Spanish a package lacks (django-axes ships none) and replace the admin's Spanish
messages whose article does not agree with a feminine model name ("El clave de API … fue
agregado"): ours do without the article and the participle ("Se agregó clave de API de aliado
«…» correctamente")."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN = [
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was deleted successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
]

DJANGO_AXES = [
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Status"),
]

DJANGO_CELERY_BEAT = [
    gettext_noop("crontabs"),
    gettext_noop("Task Name"),
    gettext_noop('Cron Months (1-12) Of The Year to Run. Use "*" for "all". (Example: "1,12")'),
    gettext_noop("Human readable"),
    gettext_noop("Scheduler"),
]
