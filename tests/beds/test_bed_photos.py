"""A bed's evidence photos go through the same checks as a visit's; old ones were hashed from storage."""

import datetime as dt
import hashlib
import importlib

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from eldercare.accounts.models import Role
from eldercare.beds import services
from eldercare.beds.models import BedPhoto
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from tests.api.conftest import client_for, make_user
from tests.factories import (
    AssessmentFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    RetrofitItemFactory,
)
from tests.photo_samples import CHANGPING_DMS, photo_bytes, png_declaring, upload

backfill = importlib.import_module("eldercare.beds.migrations.0002_photo_evidence").backfill_photo_metadata


@pytest.fixture(autouse=True)
def media(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(dt.datetime(2023, 8, 2, 2, tzinfo=dt.UTC))
    return tmp_path


@pytest.fixture
def world(db):
    area = PilotAreaFactory()
    provider, other = ProviderFactory(), ProviderFactory()
    provider.areas.add(area)
    other.areas.add(area)
    recipient = RecipientFactory(area=area, provider=provider)
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 6, 1), level="severe")
    bed = services.bed_apply(recipient=recipient, applied_on=dt.date(2023, 7, 10))
    return {"bed": bed, "provider": provider, "other": other}


@pytest.fixture
def staff(world):
    return make_user("bed-staff", Role.PROVIDER_STAFF, provider=world["provider"])


def post_photo(client, bed, content: bytes, stage="before", **fields):
    return client.post(
        f"/api/v1/beds/{bed.pk}/photos/", {"stage": stage, "image": upload(content), **fields}, format="multipart"
    )


def test_a_bed_photo_is_checked_turned_upright_hashed_and_audited(world, staff):
    result = services.bed_photo_add(
        bed=world["bed"],
        stage="before",
        upload=upload(photo_bytes((400, 300), orientation=6, gps=CHANGPING_DMS, taken="2023:07:11 10:00:00")),
        acting_user=staff,
    )

    photo = result.photo
    assert result.created
    assert (photo.width, photo.height, photo.content_type) == (300, 400, "image/jpeg")
    assert photo.taken_on == dt.date(2023, 7, 11) and photo.exif_latitude is not None
    with default_storage.open(photo.image.name, "rb") as opened:
        assert hashlib.sha256(opened.read()).hexdigest() == photo.sha256
    assert AuditEvent.objects.filter(object_type="beds.bedphoto", object_id=str(photo.pk), user=staff).exists()


def test_a_bed_takes_several_photos_of_a_stage_and_a_resend_changes_nothing(world):
    bed = world["bed"]
    first = services.bed_photo_add(bed=bed, stage="before", upload=upload(photo_bytes(color=(1, 100, 1))))
    second = services.bed_photo_add(bed=bed, stage="before", upload=upload(photo_bytes(color=(1, 1, 100))))
    again = services.bed_photo_add(bed=bed, stage="before", upload=upload(photo_bytes(color=(1, 100, 1))))

    assert first.created and second.created and not again.created
    assert again.photo.pk == first.photo.pk
    assert BedPhoto.objects.filter(bed=bed).count() == 2


def test_the_same_photo_as_another_stage_is_refused(world):
    content = photo_bytes()
    services.bed_photo_add(bed=world["bed"], stage="before", upload=upload(content))

    with pytest.raises(DomainError) as refused:
        services.bed_photo_add(bed=world["bed"], stage="after", upload=upload(content))
    assert refused.value.code == "photo_conflict"


def test_an_item_of_another_bed_is_refused(world, db):
    other_recipient = RecipientFactory(area=world["bed"].area, provider=world["provider"])
    AssessmentFactory(recipient=other_recipient, assessed_on=dt.date(2023, 6, 1), level="severe")
    other_bed = services.bed_apply(recipient=other_recipient, applied_on=dt.date(2023, 7, 10))
    item = RetrofitItemFactory(bed=other_bed)

    with pytest.raises(DomainError) as refused:
        services.bed_photo_add(bed=world["bed"], stage="after", upload=upload(photo_bytes()), item=item)
    assert refused.value.field == "item"


def test_through_the_api_with_201_200_and_400(world, staff):
    client = client_for(staff)
    bed = world["bed"]

    created = post_photo(client, bed, photo_bytes())
    resent = post_photo(client, bed, photo_bytes())
    text = post_photo(client, bed, b"just some text, named photo.jpg" * 10)
    bomb = post_photo(client, bed, png_declaring(30000, 30000))
    conflict = post_photo(client, bed, photo_bytes(), stage="after")
    bad_item = post_photo(client, bed, photo_bytes(color=(9, 9, 9)), item=999999)

    assert created.status_code == 201, created.content
    assert resent.status_code == 200 and resent.json()["id"] == created.json()["id"]
    assert text.status_code == 400 and "image" in text.json()
    assert bomb.status_code == 400
    assert conflict.status_code == 409
    assert bad_item.status_code == 400 and "item" in bad_item.json()
    detail = client.get(f"/api/v1/beds/{bed.pk}/").json()
    assert [photo["sha256"] for photo in detail["photos"]] == [created.json()["sha256"]]
    image = client.get(created.json()["url"])
    assert image.status_code == 200
    assert hashlib.sha256(b"".join(image.streaming_content)).hexdigest() == created.json()["sha256"]


def test_another_provider_and_an_auditor(world, staff):
    bed = world["bed"]
    client_for_staff = client_for(staff)
    photo_url = post_photo(client_for_staff, bed, photo_bytes()).json()["url"]
    stranger = client_for(make_user("stranger", Role.PROVIDER_STAFF, provider=world["other"]))
    auditor = client_for(make_user("auditor", Role.AUDITOR))

    assert post_photo(stranger, bed, photo_bytes(color=(5, 5, 5))).status_code == 404
    assert stranger.get(photo_url).status_code == 404
    assert post_photo(auditor, bed, photo_bytes(color=(5, 5, 5))).status_code == 403
    assert auditor.get(photo_url, {"size": "thumb"}).status_code == 200
    assert BedPhoto.objects.count() == 1


def test_old_photos_are_hashed_from_storage_and_missing_files_left_unknown(world, capsys):
    bed = world["bed"]
    content = photo_bytes((640, 480), gps=CHANGPING_DMS)
    kept = BedPhoto.objects.create(bed=bed, stage="before", image=SimpleUploadedFile("old.jpg", content))
    not_an_image = BedPhoto.objects.create(bed=bed, stage="after", image=SimpleUploadedFile("old.jpg", b"jpeg"))
    lost = BedPhoto.objects.create(bed=bed, stage="after", image=SimpleUploadedFile("lost.jpg", b"gone"))
    default_storage.delete(lost.image.name)

    backfill(apps, None)

    kept.refresh_from_db()
    not_an_image.refresh_from_db()
    lost.refresh_from_db()
    # Hashed as stored: the old file is not cleaned or changed.
    assert kept.sha256 == hashlib.sha256(content).hexdigest() and kept.size_bytes == len(content)
    assert (kept.width, kept.height, kept.content_type) == (640, 480, "image/jpeg")
    assert kept.exif_latitude is not None
    assert not_an_image.sha256 == hashlib.sha256(b"jpeg").hexdigest()
    assert not_an_image.content_type == "application/octet-stream"
    assert lost.sha256 is None and lost.size_bytes is None
    assert "1 files missing" in capsys.readouterr().out
    with default_storage.open(kept.image.name, "rb") as opened:
        assert opened.read() == content


def test_the_bed_admin_adds_a_photo_through_the_service_and_shows_hashes(world, staff, client):
    bed = world["bed"]
    existing = services.bed_photo_add(bed=bed, stage="before", upload=upload(photo_bytes(color=(3, 3, 3)))).photo
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    url = f"/admin/beds/familycarebed/{bed.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert existing.sha256 in html
    assert f"/api/v1/bed-photos/{existing.pk}/image/?size=thumb" in html
    assert "/media/" not in html

    form = {
        "platform_account": "",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "1",
        "photos-0-id": str(existing.pk),
        "photos-0-bed": str(bed.pk),
        "photos-2-TOTAL_FORMS": "1",
        "photos-2-INITIAL_FORMS": "0",
        "photos-2-0-stage": "after",
        "photos-2-0-image": SimpleUploadedFile("renamed.jpg", b"plain text, not a photo" * 5),
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and BedPhoto.objects.count() == 1

    form["photos-2-0-image"] = SimpleUploadedFile("after.png", photo_bytes(format="PNG", orientation=6))
    saved = client.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    added = BedPhoto.objects.exclude(pk=existing.pk).get()
    assert (added.stage, added.content_type, added.width, added.height) == ("after", "image/png", 300, 400)
    assert added.uploaded_by == staff
