"""The staff import page: upload → preview (row count, every error) → confirm; the file kept between."""

import pytest
from django.core import signing
from django.urls import reverse

from eldercare.imports import views
from eldercare.imports.views import TOKEN_SALT, UPLOAD_FOLDER
from eldercare.recipients.models import Recipient
from tests.factories import make_user
from tests.imports.conftest import fill, recipient_row, template_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.imports.urls")]


@pytest.fixture
def admin_client(client, world):
    user = make_user("import-admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _upload(client, path, kind="recipients"):
    with path.open("rb") as stream:
        return client.post(reverse("imports:upload"), {"kind": kind, "file": stream})


def test_preview_then_confirm(admin_client, tmp_path):
    filled = fill(template_for("recipients", tmp_path), [recipient_row(1), recipient_row(2)])
    preview = _upload(admin_client, filled)
    assert preview.status_code == 200
    assert not Recipient.objects.exists()
    assert preview.context["report"].rows == 2 and preview.context["report"].created == 2
    assert "老人1" in preview.content.decode()
    token = preview.context["token"]
    assert token
    done = admin_client.post(reverse("imports:confirm"), {"token": token})
    assert done.status_code == 200 and done.context["done"]
    assert Recipient.objects.count() == 2
    assert not (UPLOAD_FOLDER / signing.loads(token, salt=TOKEN_SALT)["file"]).exists()


def test_preview_lists_every_error_and_offers_no_confirm(admin_client, tmp_path):
    rows = [recipient_row(1, 姓名=None), recipient_row(2, **{"乡镇（街道）代码": "110114999"})]
    preview = _upload(admin_client, fill(template_for("recipients", tmp_path), rows))
    body = preview.content.decode()
    assert preview.context["report"].bad_lines == 2 and not preview.context["token"]
    assert "姓名*" in body and "乡镇（街道）代码*" in body
    assert not Recipient.objects.exists()


def test_forged_or_foreign_token_is_refused(admin_client, client, tmp_path, world):
    filled = fill(template_for("recipients", tmp_path), [recipient_row(1)])
    token = _upload(admin_client, filled).context["token"]
    assert admin_client.post(reverse("imports:confirm"), {"token": token + "x"}).status_code == 400
    other = make_user("other-admin", is_staff=True, is_superuser=True)
    admin_client.force_login(other)
    assert admin_client.post(reverse("imports:confirm"), {"token": token}).status_code == 400
    assert not Recipient.objects.exists()


def test_wrong_file_type_and_unscoped_staff(admin_client, client, tmp_path):
    text = tmp_path / "list.txt"
    text.write_text("hello")
    assert _upload(admin_client, text).status_code == 400
    district = make_user("district-staff", is_staff=True)
    client.force_login(district)
    assert client.get(reverse("imports:upload")).status_code == 403


def test_template_download(admin_client):
    answer = admin_client.get(reverse("imports:template", args=["caregivers"]))
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")


def test_a_preview_with_errors_keeps_no_file(admin_client, tmp_path, monkeypatch):
    # A folder of this test's own: tests on other workers keep their previews in the shared one meanwhile.
    folder = tmp_path / "uploads"
    monkeypatch.setattr(views, "UPLOAD_FOLDER", folder)
    filled = fill(template_for("recipients", tmp_path), [recipient_row(1, 姓名=None)])
    assert _upload(admin_client, filled).status_code == 200
    assert not folder.exists() or list(folder.iterdir()) == []
