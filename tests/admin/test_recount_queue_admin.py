"""The recount queue in the admin: read-only rows, with the queue's depth and the age of its oldest row."""

import datetime as dt

import pytest
from django.urls import reverse

from eldercare.core.models import RecountRequest
from tests.conftest import at

CHANGELIST = reverse("admin:core_recountrequest_changelist")


@pytest.fixture
def queue(db, time_machine):
    """Two rows queued at 10:00:00 and 10:00:30; the page is looked at 45 s after the first."""
    time_machine.move_to(at(dt.date(2023, 8, 2), 10), tick=False)
    first = RecountRequest.objects.create(recipient_id=101, reason="recipients.recipient changed")
    time_machine.shift(dt.timedelta(seconds=30))
    second = RecountRequest.objects.create(area_id=7, verify_from=dt.date(2023, 7, 1), reason="areas.batch changed")
    time_machine.shift(dt.timedelta(seconds=15))
    return [first, second]


def test_the_list_shows_the_depth_and_the_age_of_the_oldest_row_in_chinese(admin_client, queue):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert "待重算 2 项，最早一项已等待 45 秒。" in content
    assert "recipients.recipient changed" in content and "areas.batch changed" in content


def test_the_list_says_so_in_english_on_request(admin_client, queue):
    content = admin_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 recounts pending, oldest 45 s." in content


def test_an_empty_queue_says_nothing_is_pending(admin_client, db):
    content = admin_client.get(CHANGELIST).content.decode()
    assert "没有待处理的重算。" in content


def test_rows_are_never_added_changed_or_deleted_here(admin_client, queue):
    row = queue[0]
    assert admin_client.get(reverse("admin:core_recountrequest_add")).status_code == 403
    change = reverse("admin:core_recountrequest_change", args=[row.pk])
    assert admin_client.post(change, {"reason": "edited"}).status_code == 403
    delete = reverse("admin:core_recountrequest_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.reason == "recipients.recipient changed"
    assert RecountRequest.objects.count() == 2


def test_staff_without_the_administrator_role_do_not_see_the_queue(client, django_user_model, queue):
    staff = django_user_model.objects.create_user("district-staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403
