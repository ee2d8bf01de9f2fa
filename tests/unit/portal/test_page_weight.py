"""What keeps pages light on a slow link: gzipped pages (not the API), and static files under
hashed names once collected (so browsers may cache them for a year), plain names before."""

import gzip
import json

import pytest
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_gzipped_and_the_api_is_not(client, business, advisor):
    client.force_login(advisor)

    page = client.get(
        reverse("businesses:detail", kwargs={"pk": business.pk}), HTTP_ACCEPT_ENCODING="gzip"
    )
    api = client.get("/api/v1/businesses/", HTTP_ACCEPT_ENCODING="gzip")

    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    assert business.ruc in gzip.decompress(page.content).decode()
    assert api.status_code == 200 and not api.has_header("Content-Encoding")
    assert json.loads(api.content)


def test_static_urls_carry_the_content_hash_once_collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text(
        json.dumps(
            {
                "version": "1.1",
                "hash": "x",
                "paths": {"css/asesor.css": "css/asesor.0123456789ab.css"},
            }
        )
    )
    assert static("css/asesor.css") == "/static/css/asesor.0123456789ab.css"


def test_before_collectstatic_static_urls_are_the_plain_names(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path  # nothing collected there
    assert static("css/asesor.css") == "/static/css/asesor.css"
