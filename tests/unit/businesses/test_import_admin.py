"""The admin import flow: upload → dry-run preview listing rejects → confirm → report page."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from businesses.models import DataImport, MonthlyRecord
from tests.factories import BusinessFactory, UserFactory

IMPORT_URL = "admin:businesses_dataimport_import"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def upload(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    a = BusinessFactory()
    content = (
        "ruc;periodo;ventas\n"
        f"{a.ruc};2019-01;1.234,50\n"
        f"{a.ruc};2030-01;5,00\n"
        "=HYPERLINK(1);2019-01;1\n"
    ).encode("latin-1")
    return a, content


def post_file(client, content, kind="monthly", name="ventas.csv"):
    return client.post(
        reverse(IMPORT_URL),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_a_steward_previews_confirms_and_downloads_the_rejects(client, steward, upload):
    business, content = upload
    client.force_login(steward)
    changelist = client.get(reverse("admin:businesses_dataimport_changelist"))
    assert reverse(IMPORT_URL).encode() in changelist.content
    form = client.get(reverse(IMPORT_URL))
    assert form.status_code == 200
    assert "satisfaccion_cliente" in form.content.decode()  # the accepted columns are listed

    preview = post_file(client, content)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Period 2030-01 is in the future." in page
    assert "=HYPERLINK(1)" in page  # escaped by the template, shown as text
    assert MonthlyRecord.objects.count() == 0 and DataImport.objects.count() == 0
    sha256 = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)

    done = client.post(
        reverse("admin:businesses_dataimport_import_confirm"),
        {"kind": "monthly", "sha256": sha256, "file_name": "ventas.csv"},
    )
    data_import = DataImport.objects.get()
    assert done.status_code == 302
    assert done.url == reverse("admin:businesses_dataimport_change", args=[data_import.pk])
    assert (data_import.uploaded_by, data_import.rows_created, data_import.rows_rejected) == (
        steward, 1, 2,
    )  # fmt: skip
    assert MonthlyRecord.objects.get().business == business

    page = client.get(done.url).content.decode()
    csv_url = reverse("admin:businesses_dataimport_rejected_csv", args=[data_import.pk])
    assert csv_url in page
    csv_text = b"".join(client.get(csv_url).streaming_content).decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "line,field,value,reason"
    assert "'=HYPERLINK(1)" in csv_text  # neutralised formula
    assert "2030-01" in csv_text

    # The upload was consumed: confirming twice cannot import it again.
    again = client.post(
        reverse("admin:businesses_dataimport_import_confirm"),
        {"kind": "monthly", "sha256": sha256, "file_name": "ventas.csv"},
    )
    assert again.status_code == 302 and again.url == reverse(IMPORT_URL)
    assert DataImport.objects.count() == 1


def test_an_unreadable_upload_is_refused_on_the_form(client, steward, upload):
    client.force_login(steward)
    response = post_file(client, b"x", name="cut.xlsx")
    assert response.status_code == 200
    assert "not a readable xlsx workbook" in response.content.decode()
    assert DataImport.objects.count() == 0


def test_a_tampered_confirmation_is_refused(client, steward, upload):
    client.force_login(steward)
    response = client.post(
        reverse("admin:businesses_dataimport_import_confirm"),
        {"kind": "monthly", "sha256": "../../etc/passwd", "file_name": "x.csv"},
    )
    assert response.status_code == 302 and response.url == reverse(IMPORT_URL)
    assert DataImport.objects.count() == 0


def test_the_add_button_leads_to_the_import(client, steward, db):
    client.force_login(steward)
    response = client.get(reverse("admin:businesses_dataimport_add"))
    assert response.status_code == 302 and response.url == reverse(IMPORT_URL)


def test_an_advisor_cannot_import(client, advisor, upload):
    _business, content = upload
    client.force_login(advisor)
    response = post_file(client, content)
    assert response.status_code == 302 and "/login/" in response.url
    assert DataImport.objects.count() == 0


def test_staff_without_the_permission_gets_403(client, upload):
    _business, content = upload
    client.force_login(UserFactory(username="staff.sin.permiso", is_staff=True))
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert post_file(client, content).status_code == 403
    confirm = client.post(reverse("admin:businesses_dataimport_import_confirm"), {})
    assert confirm.status_code == 403
