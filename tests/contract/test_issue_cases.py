"""The cases named in issue 12, as explicit tests on the world of `conftest.py`.

Each compares the stored checks and figures with a recompute from scratch (`recompute.py`) as well
as looking at the one thing the issue names.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.recipients.models import Recipient
from eldercare.recipients.services import recipient_update
from eldercare.rollups.models import AreaProgress, RecipientProgress
from eldercare.visits.models import ExceptionType, Visit
from tests.factories import make_resident_id

from .conftest import TODAY
from .recompute import assert_matches_recompute
from .writes import admin_change

BULK_URL = "/api/v1/visits/bulk/"


def counted(recipient) -> int:
    return RecipientProgress.objects.get(recipient=recipient).counted_visits


def holding(visit) -> set[str]:
    return set(
        Visit.objects.get(pk=visit.pk)
        .exceptions.filter(status__in=("open", "acknowledged"))
        .values_list("type", flat=True)
    )


# --- PATCH /api/v1/recipients/<id>/ {"economic_category": "none"} ----------------------------------------


def test_a_recipient_patched_to_no_economic_difficulty_has_no_visit_counting_and_loses_their_progress(
    world, writers, django_capture_on_commit_callbacks
):
    visit = world.r_visits[0]
    assert writers.api.get(f"/api/v1/visits/{visit.pk}/").json()["counts"] is True
    assert writers.api.get(f"/api/v1/recipients/{world.r.pk}/").json()["progress"]["counted_visits"] == 6
    counted_in_area = AreaProgress.objects.get(area=world.area_a).counted_visits

    with django_capture_on_commit_callbacks(execute=True):
        response = writers.api.patch(f"/api/v1/recipients/{world.r.pk}/", {"economic_category": "none"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["eligibility_today"]["eligible"] is False
    # The recount follows the commit (the recount queue): the next read shows it.
    assert writers.api.get(f"/api/v1/recipients/{world.r.pk}/").json()["progress"]["counted_visits"] == 0
    for each in world.r_visits:
        detail = writers.api.get(f"/api/v1/visits/{each.pk}/").json()
        assert detail["counts"] is False
        assert detail["is_countable"] is False
        assert detail["count_reasons"], detail
    assert counted(world.r) == 0
    assert AreaProgress.objects.get(area=world.area_a).counted_visits == counted_in_area - 6
    assert_matches_recompute()


# --- Batch thresholds edited in the admin ------------------------------------------------------------------

THRESHOLDS = [
    # field, new value, the visit it reaches, the exception it raises there
    pytest.param("min_visit_minutes", 90, "first_r_visit", ExceptionType.TOO_SHORT, id="min_visit_minutes"),
    pytest.param("max_visit_hours", 2, "r2_long", ExceptionType.TOO_LONG, id="max_visit_hours"),
    pytest.param("checkin_radius_m", 50, "first_r_visit", ExceptionType.FAR_CHECKIN, id="checkin_radius_m"),
    pytest.param("late_entry_days", 0, "first_r_visit", ExceptionType.LATE_ENTRY, id="late_entry_days"),
]


def _visit(world, name):
    return world.r_visits[0] if name == "first_r_visit" else getattr(world, name)


@pytest.mark.parametrize(("name", "value", "visit_name", "kind"), THRESHOLDS)
def test_a_batch_threshold_edited_in_the_admin_rechecks_the_visits_both_ways(
    name, value, visit_name, kind, world, writers, django_capture_on_commit_callbacks
):
    visit = _visit(world, visit_name)
    old = getattr(world.batch, name)
    assert kind not in holding(visit)
    assert Visit.objects.get(pk=visit.pk).is_countable

    with django_capture_on_commit_callbacks(execute=True):
        admin_change(writers.admin, world.batch, {name: value})

    assert kind in holding(visit)
    assert not Visit.objects.get(pk=visit.pk).is_countable
    assert_matches_recompute()

    with django_capture_on_commit_callbacks(execute=True):
        admin_change(writers.admin, world.batch, {name: old})

    assert kind not in holding(visit)
    assert Visit.objects.get(pk=visit.pk).is_countable
    assert_matches_recompute()


def test_home_visits_opened_to_partial_disability_in_the_admin_let_a_partially_disabled_persons_visit_count(
    world, writers, django_capture_on_commit_callbacks
):
    assert ExceptionType.NOT_ELIGIBLE in holding(world.r4_visit)

    with django_capture_on_commit_callbacks(execute=True):
        admin_change(writers.admin, world.batch, {"visits_include_partial_disability": True})

    assert ExceptionType.NOT_ELIGIBLE not in holding(world.r4_visit)
    assert counted(world.r4) == 1
    assert_matches_recompute()

    with django_capture_on_commit_callbacks(execute=True):
        admin_change(writers.admin, world.batch, {"visits_include_partial_disability": False})

    assert ExceptionType.NOT_ELIGIBLE in holding(world.r4_visit)
    assert counted(world.r4) == 0
    assert_matches_recompute()


# --- Bulk upload: one audit event per created visit -------------------------------------------------------


def _bulk_item(world, day: int) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "recipient": world.r.pk,
        "caregiver": world.caregiver_1.pk,
        "category": world.r_visits[0].category.code,
        "started_at": f"2023-08-{day:02d}T09:00:00+08:00",
        "ended_at": f"2023-08-{day:02d}T10:00:00+08:00",
        "checkin_latitude": str(world.r.home_latitude),
        "checkin_longitude": str(world.r.home_longitude),
    }


def _resend_of(visit: Visit) -> dict:
    return {
        "client_uuid": str(visit.client_uuid),
        "recipient": visit.recipient_id,
        "caregiver": visit.caregiver_id,
        "category": visit.category.code,
        "started_at": visit.started_at.isoformat(),
        "ended_at": visit.ended_at.isoformat(),
        "checkin_latitude": str(visit.checkin_latitude),
        "checkin_longitude": str(visit.checkin_longitude),
    }


def _visit_creations() -> list[str]:
    return sorted(
        AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="visits.visit").values_list(
            "object_id", flat=True
        )
    )


def test_a_bulk_upload_writes_one_audit_event_per_created_visit_and_none_for_a_resend(
    world, writers, django_capture_on_commit_callbacks
):
    already = Visit.objects.get(pk=world.r_visits[0].pk)
    logged_before = _visit_creations()
    batch = [_bulk_item(world, 8), _bulk_item(world, 9), _resend_of(already)]

    with django_capture_on_commit_callbacks(execute=True):
        response = writers.api.post(BULK_URL, {"visits": batch}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == {"created": 2, "already_present": 1, "conflict": 0, "rejected": 0}, body
    created = sorted(str(result["id"]) for result in body["results"] if result["status"] == "created")
    new_events = sorted(set(_visit_creations()) - set(logged_before))
    assert new_events == created
    assert str(already.pk) not in new_events
    events = AuditEvent.objects.filter(object_type="visits.visit", object_id__in=created)
    assert {(event.action, event.username) for event in events} == {("create", writers.user.username)}
    assert counted(world.r) == 8
    assert_matches_recompute()

    with django_capture_on_commit_callbacks(execute=True):
        again = writers.api.post(BULK_URL, {"visits": batch}, format="json")

    assert again.json()["summary"]["already_present"] == 3
    assert sorted(set(_visit_creations()) - set(logged_before)) == created


# --- History tells the truth ----------------------------------------------------------------------------


def test_a_visits_history_leaves_out_the_countable_flag_that_verification_flips(
    world, writers, django_capture_on_commit_callbacks
):
    visit = world.r_visits[0]
    assert Visit.objects.get(pk=visit.pk).is_countable
    with django_capture_on_commit_callbacks(execute=True):
        writers.api.patch(f"/api/v1/recipients/{world.r.pk}/", {"economic_category": "none"}, format="json")
    live = Visit.objects.get(pk=visit.pk)
    assert not live.is_countable

    latest = live.history.latest()
    assert "is_countable" not in {field.name for field in Visit.history.model._meta.get_fields()}
    assert not hasattr(latest, "is_countable")
    # Every field the history keeps says what the visit says now: nothing derived went stale in it.
    kept = [field.attname for field in Visit.history.model._meta.concrete_fields if hasattr(live, field.attname)]
    kept = [name for name in kept if name not in ("id",)]
    assert {name: getattr(latest, name) for name in kept} == {name: getattr(live, name) for name in kept}


def test_the_admin_history_of_a_visit_flagged_by_verification_renders(
    world, writers, django_capture_on_commit_callbacks
):
    visit = world.r_visits[0]
    with django_capture_on_commit_callbacks(execute=True):
        writers.api.patch(f"/api/v1/recipients/{world.r.pk}/", {"economic_category": "none"}, format="json")

    page = writers.admin.get(reverse("admin:visits_visit_history", args=[visit.pk]))
    assert page.status_code == 200
    version = Visit.objects.get(pk=visit.pk).history.latest().history_id
    old = writers.admin.get(reverse("admin:visits_visit_simple_history", args=[visit.pk, version]))
    assert old.status_code == 200
    change = writers.admin.get(reverse("admin:visits_visit_change", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert change.status_code == 200
    assert "Recipient not eligible that day" in change.content.decode()


# --- Unknown fields are refused, never dropped ------------------------------------------------------------


def test_the_recipient_service_refuses_fields_it_does_not_set_and_names_them(world):
    with pytest.raises(DomainError) as refused:
        recipient_update(recipient=world.r, economic_category="none", birth_date=dt.date(1970, 1, 1))

    assert refused.value.code == "unknown_fields"
    assert "birth_date" in str(refused.value.message)
    assert Recipient.objects.get(pk=world.r.pk).economic_category != "none"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"birth_date": "1970-01-01"}, id="a derived field"),
        pytest.param({"economic_category": "none", "is_countable": True}, id="a field the recipient has not"),
        pytest.param(
            {"resident_id": make_resident_id(birth=dt.date(1963, 8, 5), sequence=902)}, id="a field fixed once recorded"
        ),
    ],
)
def test_the_recipient_api_answers_400_naming_a_field_it_does_not_set(world, writers, body):
    before = Recipient.objects.filter(pk=world.r.pk).values().get()

    response = writers.api.patch(f"/api/v1/recipients/{world.r.pk}/", body, format="json")

    assert response.status_code == 400, (response.status_code, response.content.decode()[:300])
    unknown = [name for name in body if name not in ("economic_category",)]
    assert all(name in response.content.decode() for name in unknown), response.content.decode()
    assert Recipient.objects.filter(pk=world.r.pk).values().get() == before


def test_a_served_recipient_cannot_move_to_another_area_by_service_api_or_admin(world, writers):
    before = Recipient.objects.filter(pk=world.r.pk).values().get()

    with pytest.raises(DomainError) as refused:
        recipient_update(recipient=world.r, area=world.area_b)
    assert refused.value.code == "recipient_has_visits"
    response = writers.api.patch(f"/api/v1/recipients/{world.r.pk}/", {"area": world.area_b.pk}, format="json")
    assert response.status_code == 400
    assert "area" in response.json()
    page = admin_change(writers.admin, Recipient.objects.get(pk=world.r.pk), {"area": world.area_b}, expect_ok=False)
    assert "cannot change" in page or "不能" in page

    assert Recipient.objects.filter(pk=world.r.pk).values().get() == before
    assert_matches_recompute()


# --- The roll-ups of today's world and of its recompute agree to begin with -------------------------------


def test_the_world_starts_equal_to_a_recompute_from_scratch(world):
    assert (counted(world.r), counted(world.r2), counted(world.r4)) == (6, 2, 0)
    assert AreaProgress.objects.get(area=world.area_a).beds_accepted == 1
    assert dt.date(2023, 8, 10) == TODAY
    assert_matches_recompute()
