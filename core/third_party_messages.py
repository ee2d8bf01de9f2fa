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

# django-otp declares its TOTP device's labels and help texts as plain strings, outside any
# catalog: ours, attached to the fields when the apps are ready (display attributes only — the
# migration state, built from the fields' declared arguments, does not change).
DJANGO_OTP_TOTP = {
    None: (gettext_noop("TOTP device"), gettext_noop("TOTP devices")),
    "user": (gettext_noop("user"), gettext_noop("The user that this device belongs to.")),
    "name": (gettext_noop("name"), gettext_noop("The human-readable name of this device.")),
    "confirmed": (gettext_noop("confirmed"), gettext_noop("Is this device ready for use?")),
    "throttling_failure_timestamp": (
        gettext_noop("throttling failure timestamp"),
        gettext_noop(
            "A timestamp of the last failed verification attempt. Null if last attempt succeeded."
        ),
    ),
    "throttling_failure_count": (
        gettext_noop("throttling failure count"),
        gettext_noop("Number of successive failed attempts."),
    ),
    "created_at": (
        gettext_noop("created at"),
        gettext_noop("The date and time when this device was initially created in the system."),
    ),
    "last_used_at": (
        gettext_noop("last used at"),
        gettext_noop("The most recent date and time this device was used."),
    ),
    "key": (gettext_noop("key"), gettext_noop("A hex-encoded secret key of up to 40 bytes.")),
    "step": (gettext_noop("step"), gettext_noop("The time step in seconds.")),
    "t0": (gettext_noop("t0"), gettext_noop("The Unix time at which to begin counting steps.")),
    "digits": (gettext_noop("digits"), gettext_noop("The number of digits to expect in a token.")),
    "tolerance": (
        gettext_noop("tolerance"),
        gettext_noop("The number of time steps in the past or future to allow."),
    ),
    "drift": (
        gettext_noop("drift"),
        gettext_noop("The number of time steps the prover is known to deviate from our clock."),
    ),
    "last_t": (
        gettext_noop("last t"),
        gettext_noop(
            "The t value of the latest verified token. The next token must be at a higher time "
            "step."
        ),
    ),
}


def label_third_party_models() -> None:
    """Give the third-party models a steward sees in the admin their labels through our catalogs
    (called once from :meth:`core.apps.CoreConfig.ready`)."""
    from django.utils.translation import gettext_lazy
    from django_otp.plugins.otp_totp.models import TOTPDevice

    opts = TOTPDevice._meta
    for name, (label, help_text) in DJANGO_OTP_TOTP.items():
        if name is None:
            opts.verbose_name, opts.verbose_name_plural = (
                gettext_lazy(label),
                gettext_lazy(help_text),
            )
            continue
        field = opts.get_field(name)
        field.verbose_name = gettext_lazy(label)
        if field.help_text:
            field.help_text = gettext_lazy(help_text)
