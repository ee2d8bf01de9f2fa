"""The product's icon: named by every portal page, and at /favicon.ico for pages that name none
(the admin's), where browsers ask for it — for anyone, a steward before the second factor and an
analyst included, so no page load ends in a 404 or a detour to the code page."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_icon_is_a_file_of_ours_and_pages_name_it(client, advisor):
    assert finders.find("favicon.svg")
    client.force_login(advisor)
    page = client.get("/businesses/").content.decode()
    assert 'rel="icon"' in page and "favicon" in page and 'type="image/svg+xml"' in page


@pytest.mark.parametrize("who", [None, "steward", "analyst"])
def test_favicon_ico_leads_to_the_icon_for_anyone(client, request, settings, who):
    settings.ADMIN_2FA = True  # a steward without the code reaches it too
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/") and "favicon" in response["Location"]
    assert response["Location"].endswith(".svg")
