"""Roll-ups in the admin: read-only pages that say when they were last brought up to date, and a recompute button."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import formats, timezone

from eldercare.rollups.models import (
    AreaDailySnapshot,
    AreaProgress,
    BatchProgress,
    RecipientProgress,
    RollupRun,
)
from eldercare.rollups.services import last_brought_up_to_date, recompute_all
from tests.conftest import at

AREAS = reverse("admin:rollups_areaprogress_changelist")
RECOMPUTE = reverse("admin:rollups_areaprogress_recompute")
ROLLUP_MODELS = [AreaProgress, BatchProgress, RecipientProgress, AreaDailySnapshot, RollupRun]


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    time_machine.move_to(at(dt.date(2023, 8, 2), 10))


@pytest.fixture
def client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def computed(log_visit):
    """One counted visit, and every roll-up rebuilt from it by a full reconcile."""
    log_visit()
    return recompute_all()


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_area_list_says_when_roll_ups_were_last_brought_up_to_date(client, computed, time_machine, admin_user):
    time_machine.move_to(at(dt.date(2023, 8, 2), 11))  # an hour later, so the times differ from "now"
    client.force_login(admin_user)  # the idle session has ended meanwhile
    content = client.get(AREAS).content.decode()
    shown = formats.date_format(timezone.localtime(last_brought_up_to_date()), "DATETIME_FORMAT")
    assert f"Roll-ups last brought up to date at {shown}." in content
    finished = formats.date_format(timezone.localtime(computed.finished_at), "DATETIME_FORMAT")
    assert f"Last full reconcile: finished {finished}, 1 areas." in content
    row = AreaProgress.objects.get()
    assert "0 / 4000 (0.0%)" in content  # person-times reached / target: one visit is no person-time yet
    assert row.counted_visits == 1


def test_the_area_list_says_so_when_nothing_was_computed_yet(client, db):
    content = client.get(AREAS).content.decode()
    assert "Roll-ups have not been computed yet." in content
    assert "No full reconcile has finished yet." in content


@pytest.mark.parametrize("model", ROLLUP_MODELS, ids=lambda m: m.__name__)
def test_roll_up_pages_render_and_refuse_add_change_and_delete(client, computed, model):
    obj = model._default_manager.first()
    assert client.get(admin_url(model, "changelist")).status_code == 200
    change = client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert 'name="_save"' not in change.content.decode()
    assert client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()


def test_recipient_progress_is_searched_by_name_and_filtered_by_risk(client, computed, recipient):
    url = admin_url(RecipientProgress, "changelist")
    found = client.get(url, {"q": recipient.name}).context["cl"].result_list
    assert [row.recipient_id for row in found] == [recipient.pk]
    assert list(client.get(url, {"q": "nobody"}).context["cl"].result_list) == []
    at_risk = RecipientProgress.objects.get().at_risk
    assert len(client.get(url, {"at_risk__exact": "1" if at_risk else "0"}).context["cl"].result_list) == 1


def test_the_recompute_button_rebuilds_the_roll_ups(client, log_visit, recipient, django_capture_on_commit_callbacks):
    log_visit()  # its own recount would run after commit, which this test never reaches
    assert not AreaProgress.objects.exists()
    assert RECOMPUTE in client.get(AREAS).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECOMPUTE)
    assert response.status_code == 302
    assert AreaProgress.objects.get(area=recipient.area).counted_visits == 1
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 1
    assert RollupRun.objects.filter(kind="reconcile", finished_at__isnull=False).count() == 1


def test_the_recompute_button_needs_a_post_and_a_change_permission(client, db):
    assert client.get(RECOMPUTE).status_code == 405
    viewer = User.objects.create_user("viewer", password="a-long-password", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_areaprogress"))
    client.force_login(viewer)
    assert client.get(AREAS).status_code == 200
    assert RECOMPUTE not in client.get(AREAS).content.decode()
    assert client.post(RECOMPUTE).status_code == 403
    assert not RollupRun.objects.exists()
