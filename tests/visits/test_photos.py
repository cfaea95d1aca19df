"""A visit's start and end photos: checked by their content, turned upright, stored without EXIF, hashed,
never replaced, refused on a locked visit and seen only by those who may see the visit."""

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from eldercare.accounts.models import Role
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent, RecountRequest
from eldercare.visits import photos
from eldercare.visits.models import ExceptionType, VisitException, VisitPhoto
from eldercare.visits.services import visit_update
from tests.api.conftest import client_for, log, make_user
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    ServiceCategoryFactory,
)
from tests.photo_samples import CHANGPING, CHANGPING_DMS, CountingUpload, photo_bytes, png_declaring, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files go to a folder of this test's own; small limits keep the oversize cases quick."""
    settings.MEDIA_ROOT = tmp_path
    settings.PHOTO_MAX_BYTES = 300 * 1024
    return tmp_path


@pytest.fixture
def world(db):
    area = PilotAreaFactory()
    provider, other = ProviderFactory(), ProviderFactory()
    provider.areas.add(area)
    other.areas.add(area)
    recipient = RecipientFactory(area=area, provider=provider)
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 6, 1), level="severe")
    visit = log(recipient, CaregiverFactory(provider=provider), ServiceCategoryFactory())
    return {"area": area, "provider": provider, "other": other, "visit": visit}


@pytest.fixture
def caregiver_user(world):
    return make_user("caregiver", Role.CAREGIVER, provider=world["provider"])


@pytest.fixture
def as_caregiver(caregiver_user):
    return client_for(caregiver_user)


def post_photo(client, visit, content: bytes, kind="start", name="photo.jpg", **extra):
    return client.post(
        f"/api/v1/visits/{visit.pk}/photos/",
        {"kind": kind, "image": upload(content, name)},
        format="multipart",
        **extra,
    )


def stored(photo: VisitPhoto) -> Image.Image:
    with default_storage.open(photo.image.name, "rb") as opened:
        return Image.open(io.BytesIO(opened.read()))


# --- The photo service ----------------------------------------------------------------------------


def test_a_sideways_jpeg_is_stored_upright_with_the_right_width_and_height(world, caregiver_user):
    content = photo_bytes((400, 300), orientation=6)  # the phone held upright: the sensor wrote it sideways

    photo = photos.visit_photo_add(
        visit=world["visit"], kind="start", upload=upload(content), acting_user=caregiver_user
    ).photo

    assert (photo.width, photo.height) == (300, 400)
    image = stored(photo)
    assert image.size == (300, 400)
    # The photo's left half was red: turned upright it is the top half.
    assert image.getpixel((150, 20))[0] > 180 and image.getpixel((150, 20))[1] < 80
    assert image.getpixel((150, 380)) == (255, 255, 255)
    assert photo.content_type == "image/jpeg" and image.format == "JPEG"
    assert photo.uploaded_by == caregiver_user


@pytest.mark.parametrize("format", ["PNG", "WEBP"])
def test_png_and_webp_are_turned_upright_too(world, format):
    content = photo_bytes((400, 300), format=format, orientation=6)

    photo = photos.visit_photo_add(visit=world["visit"], kind="end", upload=upload(content, "p.bin")).photo

    assert (photo.width, photo.height) == (300, 400)
    assert photo.content_type == f"image/{format.lower()}"
    assert stored(photo).format == format


def test_exif_gps_and_time_are_kept_as_fields_and_stripped_from_the_stored_file(world):
    content = photo_bytes(gps=CHANGPING_DMS, taken="2023:08:01 09:03:00", comment=b"caregiver phone 138...")

    photo = photos.visit_photo_add(visit=world["visit"], kind="start", upload=upload(content)).photo

    assert (photo.exif_latitude, photo.exif_longitude) == (Decimal(str(CHANGPING[0])), Decimal("116.235000"))
    assert photo.taken_at == dt.datetime(2023, 8, 1, 1, 3, tzinfo=dt.UTC)  # 09:03 Beijing time
    image = stored(photo)
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert "exif" not in image.info and "comment" not in image.info
    with default_storage.open(photo.image.name, "rb") as opened:
        data = opened.read()
    assert b"Exif" not in data and b"caregiver phone" not in data


def test_south_and_west_are_negative_and_a_camera_clock_never_set_is_no_time(world):
    content = photo_bytes(gps=CHANGPING_DMS, gps_refs="SW", taken="2000:01:01 00:00:00")

    photo = photos.visit_photo_add(visit=world["visit"], kind="start", upload=upload(content)).photo

    assert photo.exif_latitude < 0 and photo.exif_longitude < 0
    assert photo.taken_at is None


def test_the_sha256_is_of_the_stored_bytes(world):
    photo = photos.visit_photo_add(visit=world["visit"], kind="start", upload=upload(photo_bytes())).photo

    with default_storage.open(photo.image.name, "rb") as opened:
        data = opened.read()
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.size_bytes == len(data)


def test_a_large_photo_is_stored_scaled_down(world, settings):
    settings.PHOTO_STORED_MAX_EDGE = 500

    photo = photos.visit_photo_add(visit=world["visit"], kind="start", upload=upload(photo_bytes((1600, 1200)))).photo

    assert (photo.width, photo.height) == (500, 375)


def test_a_text_file_named_jpg_is_refused(world):
    with pytest.raises(DomainError) as refused:
        photos.visit_photo_add(
            visit=world["visit"], kind="start", upload=upload(b"not a photo at all, just text\n" * 10, "evil.jpg")
        )
    assert refused.value.code == "photo_not_image"
    assert not VisitPhoto.objects.exists()


def test_an_oversize_upload_is_refused_without_reading_it_all(world):
    sent = CountingUpload(total=50 * 1024 * 1024)

    with pytest.raises(DomainError) as refused:
        photos.check_photo(sent)

    assert refused.value.code == "photo_too_large"
    assert sent.read_bytes <= photos.max_bytes() + sent.chunk


@pytest.mark.parametrize("size", [(30000, 30000), (8000, 8000), (20000, 100)])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(world, size):
    with pytest.raises(DomainError) as refused:
        photos.check_photo(upload(png_declaring(*size), "bomb.png", "image/png"))
    assert refused.value.code == "photo_too_many_pixels"


def test_a_truncated_photo_is_refused_as_damaged(world):
    content = photo_bytes((800, 600))
    with pytest.raises(DomainError) as refused:
        photos.check_photo(upload(content[: len(content) // 2]))
    assert refused.value.code == "photo_damaged"


def test_adding_a_photo_is_audited(world, caregiver_user):
    photo = photos.visit_photo_add(
        visit=world["visit"], kind="end", upload=upload(photo_bytes()), acting_user=caregiver_user
    ).photo

    event = AuditEvent.objects.get(object_type="visits.visitphoto", object_id=str(photo.pk))
    assert event.action == AuditEvent.Action.CREATE and event.user == caregiver_user
    assert event.details["sha256"] == photo.sha256 and event.details["visit"] == world["visit"].pk


# --- Through the API --------------------------------------------------------------------------------


def test_the_api_stores_a_photo_and_answers_what_was_stored(world, as_caregiver):
    answer = post_photo(as_caregiver, world["visit"], photo_bytes(orientation=6, gps=CHANGPING_DMS))

    assert answer.status_code == 201, answer.content
    body = answer.json()
    photo = VisitPhoto.objects.get()
    assert body["id"] == photo.pk and body["sha256"] == photo.sha256
    assert (body["width"], body["height"], body["kind"]) == (300, 400, "start")
    assert body["exif_latitude"] == "40.220139" and body["content_type"] == "image/jpeg"
    assert body["url"].endswith(f"/api/v1/visits/{world['visit'].pk}/photos/start/image/")
    listed = as_caregiver.get(f"/api/v1/visits/{world['visit'].pk}/photos/").json()
    assert [item["sha256"] for item in listed] == [photo.sha256]


def test_a_resend_of_the_same_photo_answers_200_with_the_stored_one_and_changes_nothing(world, as_caregiver):
    content = photo_bytes(orientation=6)
    first = post_photo(as_caregiver, world["visit"], content)
    events = AuditEvent.objects.count()

    again = post_photo(as_caregiver, world["visit"], content, name="resent.jpg")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert VisitPhoto.objects.count() == 1 and AuditEvent.objects.count() == events
    assert len(list(default_storage.listdir(VisitPhoto.objects.get().image.name.rsplit("/", 1)[0])[1])) == 1


def test_a_different_photo_of_the_same_kind_is_a_409_saying_why(world, as_caregiver):
    first = post_photo(as_caregiver, world["visit"], photo_bytes(color=(200, 30, 30)))

    other = post_photo(as_caregiver, world["visit"], photo_bytes(color=(30, 30, 200)), HTTP_ACCEPT_LANGUAGE="en")

    assert (first.status_code, other.status_code) == (201, 409)
    assert "never replaced" in other.json()["detail"]
    assert first.json()["sha256"][:12] in other.json()["detail"]
    assert VisitPhoto.objects.get().sha256 == first.json()["sha256"]
    # The other kind is still free.
    assert post_photo(as_caregiver, world["visit"], photo_bytes(color=(30, 30, 200)), kind="end").status_code == 201


def test_a_text_file_renamed_jpg_is_a_400_naming_the_image(world, as_caregiver):
    answer = post_photo(as_caregiver, world["visit"], b"GIF89a? no, plain text" * 20, name="photo.jpg")

    assert answer.status_code == 400
    assert "image" in answer.json()
    assert not VisitPhoto.objects.exists()


def test_an_oversize_body_is_refused_from_its_declared_length(world, as_caregiver):
    answer = as_caregiver.post(
        f"/api/v1/visits/{world['visit'].pk}/photos/",
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert answer.status_code == 400
    assert "KB" in answer.json()["detail"]  # the limit, 300 KB here


def test_an_oversize_photo_in_the_body_is_refused_while_it_is_read(world, as_caregiver, settings, monkeypatch):
    settings.PHOTO_MAX_BYTES = 20 * 1024
    big = photo_bytes((1200, 900), color=(10, 200, 10)) + b"\x00" * (40 * 1024)  # declared length within the framing
    monkeypatch.setattr(photos, "check_photo", lambda upload: pytest.fail("the body should have been refused"))

    answer = post_photo(as_caregiver, world["visit"], big, HTTP_ACCEPT_LANGUAGE="en")

    assert answer.status_code == 400
    assert answer.json()["detail"] == "The photo is larger than 20.0\xa0KB."
    assert not VisitPhoto.objects.exists()


def test_a_bomb_through_the_api_is_a_400_not_a_500(world, as_caregiver):
    answer = post_photo(as_caregiver, world["visit"], png_declaring(30000, 30000), name="bomb.png")
    assert answer.status_code == 400


def test_control_characters_in_kind_are_refused_by_name(world, as_caregiver):
    answer = post_photo(as_caregiver, world["visit"], photo_bytes(), kind="start\x00")
    assert answer.status_code == 400
    assert "kind" in answer.json()


def test_unknown_fields_and_two_photos_are_refused(world, as_caregiver):
    url = f"/api/v1/visits/{world['visit'].pk}/photos/"
    unknown = as_caregiver.post(url, {"kind": "start", "image": upload(photo_bytes()), "note": "x"}, format="multipart")
    two = as_caregiver.post(
        url, {"kind": "start", "image": [upload(photo_bytes()), upload(photo_bytes())]}, format="multipart"
    )
    assert unknown.status_code == 400 and "note" in unknown.json()
    assert two.status_code == 400 and "image" in two.json()


def test_json_is_not_a_photo_upload(world, as_caregiver):
    answer = as_caregiver.post(f"/api/v1/visits/{world['visit'].pk}/photos/", {"kind": "start"}, format="json")
    assert answer.status_code == 415


def test_another_providers_user_neither_sees_nor_uploads(world):
    stranger = client_for(make_user("other-staff", Role.PROVIDER_STAFF, provider=world["other"]))
    visit = world["visit"]

    assert post_photo(stranger, visit, photo_bytes()).status_code == 404
    assert stranger.get(f"/api/v1/visits/{visit.pk}/photos/").status_code == 404
    assert not VisitPhoto.objects.exists()


def test_an_auditor_sees_the_photo_but_may_not_upload(world, as_caregiver):
    auditor = client_for(make_user("auditor", Role.AUDITOR))
    visit = world["visit"]

    assert post_photo(auditor, visit, photo_bytes()).status_code == 403
    post_photo(as_caregiver, visit, photo_bytes())
    assert auditor.get(f"/api/v1/visits/{visit.pk}/photos/start/").status_code == 200


def test_a_locked_visit_refuses_a_new_photo_but_a_resend_still_answers_200(world, caregiver_user, time_machine):
    content = photo_bytes()
    assert post_photo(client_for(caregiver_user), world["visit"], content).status_code == 201
    time_machine.move_to(dt.datetime(2023, 12, 1, 10, tzinfo=dt.UTC))  # past the batch's 95 days
    del caregiver_user._api_token  # the first token expired meanwhile: the phone logs in again
    as_caregiver = client_for(caregiver_user)

    resend = post_photo(as_caregiver, world["visit"], content)
    refused = post_photo(
        as_caregiver, world["visit"], photo_bytes(color=(1, 2, 3)), kind="end", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert resend.status_code == 200
    assert refused.status_code == 400
    assert "locked" in str(refused.json())
    assert VisitPhoto.objects.count() == 1


def test_a_fee_confirmed_visit_refuses_photos(world, as_caregiver):
    visit = world["visit"]
    type(visit).objects.filter(pk=visit.pk).update(fee_confirmed_at=dt.datetime(2023, 8, 2, tzinfo=dt.UTC))

    assert post_photo(as_caregiver, visit, photo_bytes()).status_code == 400
    assert not VisitPhoto.objects.exists()


# --- Serving the image ------------------------------------------------------------------------------


def test_the_image_is_served_to_those_who_see_the_visit_and_to_nobody_else(world, as_caregiver, client):
    post_photo(as_caregiver, world["visit"], photo_bytes((800, 600)))
    photo = VisitPhoto.objects.get()
    url = f"/api/v1/visits/{world['visit'].pk}/photos/start/image/"

    full = as_caregiver.get(url, HTTP_ACCEPT="image/*")
    thumb = as_caregiver.get(url, {"size": "thumb"})
    stranger = client_for(make_user("other-staff", Role.PROVIDER_STAFF, provider=world["other"]))

    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert hashlib.sha256(b"".join(full.streaming_content)).hexdigest() == photo.sha256
    assert "private" in full["Cache-Control"]
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) <= 320
    assert client.get(url).status_code in (401, 403)
    assert stranger.get(url).status_code == 404
    assert as_caregiver.get(url, {"size": "huge"}).status_code == 400


def test_a_required_photo_arriving_through_the_service_clears_the_missing_photo_warning(world):
    batch = world["area"].batch
    batch.photos_required = True
    batch.save()
    visit = visit_update(visit=world["visit"], note="re-checked under the batch's photo rule")
    missing = VisitException.objects.get(visit=visit, type=ExceptionType.MISSING_PHOTO)
    RecountRequest.objects.all().delete()

    photos.visit_photo_add(visit=visit, kind="start", upload=upload(photo_bytes(color=(1, 1, 1))))
    photos.visit_photo_add(visit=visit, kind="end", upload=upload(photo_bytes(color=(2, 2, 2))))

    missing.refresh_from_db()
    assert missing.status == "cleared"
    assert RecountRequest.objects.filter(recipient_id=visit.recipient_id).exists()
