"""Coordinates in the system the phone names (wgs84, gcj02, bd09), the accuracy it reports, and the
check-in rule that weighs it: through the services, the API, the bulk upload and the admin."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from eldercare.core.geo import CoordinateSystem, from_wgs84, great_circle_distance_m, stored_degrees, to_wgs84
from eldercare.recipients import services as recipients
from eldercare.recipients.models import Recipient
from eldercare.visits import services
from eldercare.visits.models import Visit, VisitException
from eldercare.visits.verification import count_decision
from tests.conftest import at, north_of
from tests.contract.writes import current_form_data
from tests.factories import ServiceCategoryFactory

DAY = dt.date(2023, 8, 1)
RADIUS = 500  # the batch's default check-in radius


def sent_at(latitude, longitude, system) -> tuple[Decimal, Decimal]:
    """What a phone whose map SDK reports in `system` sends standing at this WGS-84 point."""
    return tuple(stored_degrees(value) for value in from_wgs84(latitude, longitude, system))


def metres_between(visit: Visit, recipient) -> float:
    return great_circle_distance_m(
        float(visit.checkin_latitude),
        float(visit.checkin_longitude),
        float(recipient.home_latitude),
        float(recipient.home_longitude),
    )


def holding(visit) -> set[str]:
    return set(visit.exceptions.filter(status__in=("open", "acknowledged")).values_list("type", flat=True))


@pytest.fixture
def api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def category(db):
    return ServiceCategoryFactory()


def visit_body(recipient, caregiver, category, **overrides) -> dict:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "recipient": recipient.pk,
        "caregiver": caregiver.pk,
        "category": category.code,
        "started_at": at(DAY, 9).isoformat(),
        "ended_at": at(DAY, 10).isoformat(),
    }
    body.update(overrides)
    return body


# --- The issue's case: a GCJ-02 check-in at the door ------------------------------------------------


def test_a_gcj02_check_in_at_the_door_through_the_api_raises_no_far_check_in(api, recipient, caregiver, category):
    latitude, longitude = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.GCJ02)
    body = visit_body(
        recipient,
        caregiver,
        category,
        checkin_latitude=str(latitude),
        checkin_longitude=str(longitude),
        coordinate_system="gcj02",
        checkin_accuracy_m=12.5,
    )
    response = api.post("/api/v1/visits/", body, format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["counts"] is True, answer["count_reasons"]
    visit = Visit.objects.get(pk=answer["id"])
    assert "far_checkin" not in holding(visit)
    assert metres_between(visit, recipient) < 0.3
    assert (visit.coordinate_system, visit.checkin_latitude_sent, visit.checkin_longitude_sent) == (
        "gcj02",
        latitude,
        longitude,
    )
    assert visit.checkin_accuracy_m == Decimal("12.5")
    assert (answer["coordinate_system"], answer["checkin_latitude_sent"]) == ("gcj02", str(latitude))


def test_the_same_gcj02_numbers_sent_as_wgs84_are_the_far_check_in_the_issue_measured(
    api, recipient, caregiver, category
):
    latitude, longitude = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.GCJ02)
    body = visit_body(recipient, caregiver, category, checkin_latitude=str(latitude), checkin_longitude=str(longitude))
    response = api.post("/api/v1/visits/", body, format="json")
    visit = Visit.objects.get(pk=response.json()["id"])
    assert visit.coordinate_system == "wgs84"
    assert metres_between(visit, recipient) > RADIUS
    assert "far_checkin" in holding(visit)


@pytest.mark.parametrize("system", [CoordinateSystem.GCJ02, CoordinateSystem.BD09])
def test_the_service_stores_wgs84_and_keeps_what_was_sent(log_visit, recipient, system):
    checkin = sent_at(recipient.home_latitude, recipient.home_longitude, system)
    checkout = sent_at(north_of(recipient.home_latitude, 50), recipient.home_longitude, system)
    visit = log_visit(
        coordinate_system=system,
        checkin_latitude=checkin[0],
        checkin_longitude=checkin[1],
        checkout_latitude=checkout[0],
        checkout_longitude=checkout[1],
    )
    assert metres_between(visit, recipient) < 0.3
    assert (visit.checkin_latitude_sent, visit.checkin_longitude_sent) == checkin
    assert (visit.checkout_latitude_sent, visit.checkout_longitude_sent) == checkout
    checkout_home = great_circle_distance_m(
        float(visit.checkout_latitude),
        float(visit.checkout_longitude),
        float(north_of(recipient.home_latitude, 50)),
        float(recipient.home_longitude),
    )
    assert checkout_home < 0.3
    assert count_decision(visit).counts


def test_wgs84_is_the_default_and_is_stored_as_sent(log_visit, recipient):
    visit = log_visit()
    assert visit.coordinate_system == "wgs84"
    assert (visit.checkin_latitude, visit.checkin_longitude) == (recipient.home_latitude, recipient.home_longitude)
    assert (visit.checkin_latitude_sent, visit.checkin_longitude_sent) == (
        recipient.home_latitude,
        recipient.home_longitude,
    )


# --- Refusals, by name, in the user's language ------------------------------------------------------


def test_an_unknown_system_is_a_400_naming_the_field_and_the_allowed_values(api, recipient, caregiver, category):
    body = visit_body(recipient, caregiver, category, coordinate_system="utm", checkin_latitude="40.22")
    before = Visit.objects.count()
    response = api.post("/api/v1/visits/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = " ".join(response.json()["coordinate_system"])
    assert "utm" in message and "wgs84, gcj02, bd09" in message
    assert Visit.objects.count() == before


def test_an_unknown_system_is_refused_in_chinese_by_default(api, recipient, caregiver, category):
    body = visit_body(recipient, caregiver, category, coordinate_system="wgs-84")
    response = api.post("/api/v1/visits/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    message = " ".join(response.json()["coordinate_system"])
    assert "坐标系" in message and "wgs84, gcj02, bd09" in message


@pytest.mark.parametrize(
    ("accuracy", "words"),
    [(-3, "negative"), (250_000, "100,000"), ("about ten", "number"), (True, "number"), ([10], "number")],
)
def test_a_negative_absurd_or_unreadable_accuracy_is_a_400_naming_it(
    api, recipient, caregiver, category, accuracy, words
):
    body = visit_body(recipient, caregiver, category, checkin_accuracy_m=accuracy)
    response = api.post("/api/v1/visits/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.json()
    assert words in " ".join(response.json()["checkin_accuracy_m"])


def test_the_service_refuses_a_bad_accuracy_or_system_naming_the_field(log_visit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        log_visit(checkout_accuracy_m=-1)
    assert set(caught.value.message_dict) == {"checkout_accuracy_m"}
    with pytest.raises(ValidationError) as caught:
        log_visit(coordinate_system="gps")
    assert set(caught.value.message_dict) == {"coordinate_system"}
    assert not Visit.objects.exists()


def test_a_gcj02_coordinate_out_of_range_is_refused_as_a_wgs84_one_is(log_visit, recipient):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        log_visit(coordinate_system="gcj02", checkin_latitude=Decimal("95"))
    assert "checkin_latitude" in caught.value.message_dict


# --- Changing a visit's coordinates ----------------------------------------------------------------


def test_a_patch_in_gcj02_moves_the_check_in_and_leaves_the_check_out_where_it_was(api, log_visit, recipient):
    checkout = north_of(recipient.home_latitude, 30)
    visit = log_visit(checkout_latitude=checkout, checkout_longitude=recipient.home_longitude)
    far = sent_at(north_of(recipient.home_latitude, 2000), recipient.home_longitude, CoordinateSystem.GCJ02)
    body = {"checkin_latitude": str(far[0]), "checkin_longitude": str(far[1]), "coordinate_system": "gcj02"}
    response = api.patch(f"/api/v1/visits/{visit.pk}/", {**body, "reason": "corrected"}, format="json")
    assert response.status_code == 200, response.json()
    visit.refresh_from_db()
    assert 1990 < metres_between(visit, recipient) < 2010
    assert "far_checkin" in holding(visit)
    assert (visit.checkout_latitude, visit.checkout_longitude) == (checkout, recipient.home_longitude)
    # The check-out's as-sent copy is now in the visit's system, at the same place.
    back = to_wgs84(visit.checkout_latitude_sent, visit.checkout_longitude_sent, "gcj02")
    assert great_circle_distance_m(*back, float(checkout), float(recipient.home_longitude)) < 0.3


def test_half_a_point_sent_keeps_the_other_half_where_it_is(log_visit, recipient):
    visit = log_visit()
    north = sent_at(north_of(recipient.home_latitude, 1000), recipient.home_longitude, CoordinateSystem.GCJ02)
    services.visit_update(visit=visit, coordinate_system="gcj02", checkin_latitude=north[0], reason="corrected")
    visit.refresh_from_db()
    assert abs(float(visit.checkin_longitude) - float(recipient.home_longitude)) < 0.00001
    assert 990 < metres_between(visit, recipient) < 1010


def test_an_accuracy_alone_keeps_the_visits_system_and_position(log_visit, recipient):
    door = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.BD09)
    visit = log_visit(coordinate_system="bd09", checkin_latitude=door[0], checkin_longitude=door[1])
    position = (visit.checkin_latitude, visit.checkin_longitude)
    services.visit_update(visit=visit, checkin_accuracy_m=800, reason="the app sent its accuracy late")
    visit.refresh_from_db()
    assert (visit.coordinate_system, visit.checkin_latitude, visit.checkin_longitude) == ("bd09", *position)
    assert (visit.checkin_latitude_sent, visit.checkin_longitude_sent) == door
    assert holding(visit) == {"imprecise_checkin"}


# --- The check-in rule weighs the accuracy ---------------------------------------------------------


@pytest.mark.parametrize(
    ("metres", "accuracy", "expected"),
    [
        (100, None, set()),
        (800, None, {"far_checkin"}),
        (100, 50, set()),
        (800, 50, {"far_checkin"}),  # a precise fix beyond the radius: far, as without an accuracy
        (800, 500, {"far_checkin"}),  # an accuracy equal to the radius is not worse than it
        (0, 800, {"imprecise_checkin"}),  # at the door, but the fix could be anywhere within 800 m
        (1200, 800, {"imprecise_checkin"}),  # the nearest point of its circle (400 m) is inside the radius
        (1400, 800, {"far_checkin"}),  # even the nearest point of its circle (600 m) is beyond the radius
        (50_000, 5000, {"far_checkin"}),  # a large accuracy never hides a check-in kilometres away
    ],
)
def test_the_far_check_in_rule_weighs_the_reported_accuracy(log_visit, recipient, metres, accuracy, expected):
    visit = log_visit(checkin_latitude=north_of(recipient.home_latitude, metres), checkin_accuracy_m=accuracy)
    assert holding(visit) == expected
    if expected:
        detail = VisitException.objects.get(visit=visit).detail
        assert str(round(metres_between(visit, recipient))) in detail
        assert accuracy is None or str(accuracy) in detail


def test_an_imprecise_check_in_is_a_warning_a_reviewer_can_accept(log_visit, recipient, admin_user):
    from eldercare.visits.models import ReviewReasonCode

    visit = log_visit(checkin_accuracy_m=1500)
    exception = VisitException.objects.get(visit=visit)
    assert (exception.type, exception.severity) == ("imprecise_checkin", "warning")
    code = ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=code, acting_user=admin_user
    )
    assert count_decision(visit).counts


def test_a_better_fix_sent_later_clears_the_imprecise_check_in(log_visit):
    visit = log_visit(checkin_accuracy_m=900)
    services.visit_update(visit=visit, checkin_accuracy_m=Decimal("25"), reason="better fix")
    assert holding(visit) == set()
    assert count_decision(visit).counts


# --- The bulk upload -------------------------------------------------------------------------------


def bulk_item(recipient, caregiver, category, day: int, **overrides) -> dict:
    return visit_body(
        recipient,
        caregiver,
        category,
        started_at=at(dt.date(2023, 7, day), 9).isoformat(),
        ended_at=at(dt.date(2023, 7, day), 10).isoformat(),
        **overrides,
    )


def test_the_bulk_upload_converts_each_item_and_knows_a_resend_by_what_was_sent(
    api, recipient, caregiver, category, django_capture_on_commit_callbacks
):
    gcj = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.GCJ02)
    bd = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.BD09)
    items = [
        bulk_item(recipient, caregiver, category, 20, checkin_latitude=str(gcj[0]), checkin_longitude=str(gcj[1]))
        | {"coordinate_system": "gcj02", "checkin_accuracy_m": 15},
        bulk_item(recipient, caregiver, category, 21, checkin_latitude=float(bd[0]), checkin_longitude=float(bd[1]))
        | {"coordinate_system": "bd09"},
        bulk_item(recipient, caregiver, category, 22, checkin_latitude="40.22", checkin_longitude="116.23")
        | {"coordinate_system": None},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/visits/bulk/", {"visits": items}, format="json")
    assert first.json()["summary"]["created"] == 3, first.json()
    for result, system in zip(first.json()["results"], ("gcj02", "bd09", "wgs84"), strict=True):
        visit = Visit.objects.get(pk=result["id"])
        assert visit.coordinate_system == system
        assert metres_between(visit, recipient) < 0.3
        assert "far_checkin" not in holding(visit)
    assert Visit.objects.get(pk=first.json()["results"][0]["id"]).checkin_accuracy_m == Decimal("15.0")
    again = api.post("/api/v1/visits/bulk/", {"visits": items}, format="json")
    assert again.json()["summary"]["already_present"] == 3, again.json()
    # The same UUID and numbers in another system is another location: a conflict, nothing changes.
    changed = [items[0] | {"coordinate_system": "wgs84"}, items[1] | {"checkin_accuracy_m": 30}]
    conflict = api.post("/api/v1/visits/bulk/", {"visits": changed}, format="json")
    assert conflict.json()["summary"]["conflict"] == 2, conflict.json()


def test_a_bulk_item_with_an_unknown_system_or_a_bad_accuracy_is_rejected_by_name(api, recipient, caregiver, category):
    items = [
        bulk_item(recipient, caregiver, category, 20, coordinate_system="mars", checkin_latitude="40.22"),
        bulk_item(recipient, caregiver, category, 21, checkin_accuracy_m=-5),
        bulk_item(recipient, caregiver, category, 22, checkout_accuracy_m="far"),
        bulk_item(recipient, caregiver, category, 23, coordinate_system=["gcj02"]),
    ]
    response = api.post("/api/v1/visits/bulk/", {"visits": items}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    results = response.json()["results"]
    assert [result["status"] for result in results] == ["rejected"] * 4
    assert "wgs84, gcj02, bd09" in results[0]["errors"]["coordinate_system"][0]
    assert list(results[1]["errors"]) == ["checkin_accuracy_m"]
    assert list(results[2]["errors"]) == ["checkout_accuracy_m"]
    assert list(results[3]["errors"]) == ["coordinate_system"]
    assert not Visit.objects.filter(client_uuid__in=[item["client_uuid"] for item in items]).exists()


def test_converting_costs_the_bulk_upload_no_query(api, recipient, caregiver, category):
    def batch(system: str | None, first_day: int) -> list[dict]:
        door = sent_at(recipient.home_latitude, recipient.home_longitude, system or "wgs84")
        extra = {"coordinate_system": system} if system else {}
        return [
            bulk_item(
                recipient, caregiver, category, day, checkin_latitude=str(door[0]), checkin_longitude=str(door[1])
            )
            | extra
            | {"checkin_accuracy_m": 10}
            for day in range(first_day, first_day + 5)
        ]

    counts = []
    for system, first_day in ((None, 1), ("gcj02", 10), ("bd09", 20)):
        with CaptureQueriesContext(connection) as queries:
            response = api.post("/api/v1/visits/bulk/", {"visits": batch(system, first_day)}, format="json")
        assert response.json()["summary"]["created"] == 5, response.json()
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts


# --- The admin --------------------------------------------------------------------------------------


def test_the_admin_reads_typed_coordinates_in_the_map_chosen(admin_client, recipient, caregiver, category):
    door = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.GCJ02)
    url = reverse("admin:visits_visit_add")
    data = current_form_data(admin_client.get(url))
    data.update(
        {
            "recipient": recipient.pk,
            "provider": recipient.provider.pk,
            "caregiver": caregiver.pk,
            "category": category.pk,
            "started_at_0": "2023-08-01",
            "started_at_1": "09:00:00",
            "ended_at_0": "2023-08-01",
            "ended_at_1": "10:00:00",
            "coordinates_typed_in": "gcj02",
            "checkin_latitude": str(door[0]),
            "checkin_longitude": str(door[1]),
            "checkin_accuracy_m": "20",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Visit.objects.get()
    assert visit.coordinate_system == "gcj02"
    assert metres_between(visit, recipient) < 0.3
    assert holding(visit) == set()
    page = admin_client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    assert page.status_code == 200
    assert str(door[0]) in page.content.decode()  # the as-sent coordinates are shown


def test_the_admin_refuses_a_negative_accuracy_on_its_field(admin_client, log_visit):
    visit = log_visit()
    url = reverse("admin:visits_visit_change", args=[visit.pk])
    data = current_form_data(admin_client.get(url))
    data["checkin_accuracy_m"] = "-4"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "checkin_accuracy_m" in response.context["adminform"].form.errors
    assert Visit.objects.get(pk=visit.pk).checkin_accuracy_m is None


def test_a_locked_visit_shows_its_coordinates_read_only(admin_client, log_visit, admin_user):
    visit = log_visit()
    services.visits_confirm_fees(visit_ids=[visit.pk], acting_user=admin_user)
    page = admin_client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    assert page.status_code == 200
    assert "coordinates_typed_in" not in page.content.decode()


# --- Recipients' homes ------------------------------------------------------------------------------


def test_a_home_given_in_gcj02_through_the_api_is_kept_in_wgs84(api, recipient):
    moved = (north_of(recipient.home_latitude, 300), recipient.home_longitude)
    sent = sent_at(*moved, CoordinateSystem.GCJ02)
    body = {"home_latitude": str(sent[0]), "home_longitude": str(sent[1]), "coordinate_system": "gcj02"}
    response = api.patch(f"/api/v1/recipients/{recipient.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    home = Recipient.objects.get(pk=recipient.pk)
    assert great_circle_distance_m(float(home.home_latitude), float(home.home_longitude), *map(float, moved)) < 0.3
    bad = api.patch(f"/api/v1/recipients/{recipient.pk}/", {"coordinate_system": "baidu"}, format="json")
    assert bad.status_code == 400 and "coordinate_system" in bad.json()


def test_a_home_moved_in_bd09_by_the_service_re_checks_the_visits(log_visit, recipient):
    visit = log_visit()
    away = sent_at(north_of(recipient.home_latitude, 2000), recipient.home_longitude, CoordinateSystem.BD09)
    recipients.recipient_update(
        recipient=recipient, coordinate_system="bd09", home_latitude=away[0], home_longitude=away[1]
    )
    assert "far_checkin" in holding(visit)
    half = sent_at(recipient.home_latitude, recipient.home_longitude, CoordinateSystem.GCJ02)
    recipients.recipient_update(recipient=recipient, coordinate_system="gcj02", home_latitude=half[0])
    home = Recipient.objects.get(pk=recipient.pk)
    assert (
        great_circle_distance_m(
            float(home.home_latitude),
            float(home.home_longitude),
            float(visit.checkin_latitude),
            float(visit.checkin_longitude),
        )
        < 0.5
    )
    assert holding(visit) == set()
