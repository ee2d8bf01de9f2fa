"""Our own deployment checks (``manage.py check --deploy``), beside Django's: the second factor
is on, and the secret key is not the placeholder of ``.env.example``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# The placeholder of .env.example: a copied example file must not become the production key.
EXAMPLE_SECRET_KEY = "change-me-to-a-long-random-string"  # noqa: S105 - to recognise it


@register(Tags.security, deploy=True)
def two_factor_and_secret_key_check(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when two-factor authentication is off or the secret key is the example one."""
    found = []
    if not getattr(settings, "ADMIN_2FA", True):
        found.append(
            Warning(
                "Two-factor authentication is off (ASESOR_ADMIN_2FA=0): stewards and superusers "
                "sign in with a password alone.",
                hint="Unset ASESOR_ADMIN_2FA or set it to 1; only the local demo turns it off.",
                id="asesor.W001",
            )
        )
    if settings.SECRET_KEY == EXAMPLE_SECRET_KEY:
        found.append(
            Warning(
                "DJANGO_SECRET_KEY is the example value of .env.example.",
                hint="Set DJANGO_SECRET_KEY to a long random string of your own, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(64))'.",
                id="asesor.W002",
            )
        )
    return found
