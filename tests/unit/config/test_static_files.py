"""Static files without DEBUG: collected with hashed names and served by WhiteNoise from the
WSGI application, as `make run` and production serve them."""

import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]
# The product's own files only: the admin's and the API browser's are many, and slow to compress.
IGNORE = ["admin", "rest_framework", "drf_spectacular_sidecar", "django_otp", "otp_totp"]


@pytest.mark.django_db
def test_a_hashed_static_file_is_served_by_whitenoise_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=IGNORE)
    url = staticfiles_storage.url("css/asesor.css")
    assert url != "/static/css/asesor.css"  # a hashed name, cached for a year
    response = Client().get(url)  # a new client: WhiteNoise reads STATIC_ROOT when it starts
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content)


def test_make_run_serves_the_demo_without_debug_and_collects_static_files():
    recipe = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    assert "manage.py run_server" in recipe  # Django's runserver, announced in Spanish
    assert "DJANGO_DEBUG=1" not in recipe
    assert "collectstatic" in recipe
