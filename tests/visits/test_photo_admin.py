"""Photos where people look: read-only on the visit's admin page, as thumbnails in the review queue."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eldercare.visits.models import VisitException
from eldercare.visits.photos import visit_photo_add
from tests.conftest import at, north_of
from tests.photo_samples import photo_bytes, upload

QUEUE = "/admin/visits/visitexception/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def person(recipient, log_visit):
    return recipient, log_visit


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.cn", "correct horse battery staple")
    client.force_login(user)
    return client


def far_visit_with_photos(person, day: int):
    """A visit checked in 2 km from home (a warning in the queue), with both its photos."""
    recipient, log_visit = person
    visit = log_visit(start=at(dt.date(2023, 7, day)), checkin_latitude=north_of(recipient.home_latitude, 2000))
    for kind, color in (("start", (day, 10, 10)), ("end", (10, day, 10))):
        visit_photo_add(visit=visit, kind=kind, upload=upload(photo_bytes(color=color)))
    return visit


def test_the_visit_page_shows_its_photos_read_only_through_the_scoped_address(superuser_client, person):
    visit = far_visit_with_photos(person, 10)
    start = visit.photos.get(kind="start")

    page = superuser_client.get(f"/admin/visits/visit/{visit.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert start.sha256 in html
    assert f"/api/v1/visits/{visit.pk}/photos/start/image/?size=thumb" in html
    assert "/media/" not in html
    assert 'name="photos-0-image"' not in html  # nothing to upload or change here
    assert superuser_client.get("/admin/visits/visit/add/").status_code == 200


def test_the_review_queue_shows_thumbnails_without_a_query_a_row(superuser_client, person):
    first = far_visit_with_photos(person, 10)
    assert VisitException.objects.filter(visit=first).exists()

    with CaptureQueriesContext(connection) as one_row:
        page = superuser_client.get(QUEUE)
    for day in range(11, 16):
        far_visit_with_photos(person, day)
    with CaptureQueriesContext(connection) as six_rows:
        more = superuser_client.get(QUEUE)

    assert f"/api/v1/visits/{first.pk}/photos/start/image/?size=thumb" in page.content.decode()
    rows = VisitException.objects.filter(status="open", severity="warning").count()
    assert rows >= 6 and more.content.decode().count("/photos/end/image/?size=thumb") == rows
    assert len(six_rows.captured_queries) == len(one_row.captured_queries)
