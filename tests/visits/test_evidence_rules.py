"""The evidence rules: a missing photo or a missing confirmation where the batch requires them, and a
visit the older person says did not take place; re-checked when the evidence arrives."""

import datetime as dt
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eldercare.areas.models import Batch
from eldercare.core.models import RecountRequest
from eldercare.recipients.models import ConfirmationCard
from eldercare.rollups.queue import drain_recount_queue
from eldercare.rollups.verification import verify_deep
from eldercare.visits.models import ExceptionType, PhotoKind, Visit, VisitConfirmation, VisitException, VisitPhoto
from eldercare.visits.verification import count_decision, verify_visits
from eldercare.visits.verification.contract import CONTRACT, Reverify, invalidate, reverify_visit_after_evidence
from tests.conftest import at


def holding(visit) -> set[str]:
    return set(visit.exceptions.filter(status__in=("open", "acknowledged")).values_list("type", flat=True))


def require(recipient, **settings) -> Batch:
    """Set the batch's evidence rules and queue their re-check, as the batch's admin and service do."""
    batch = Batch.objects.get(pk=recipient.area.batch_id)
    for name, value in settings.items():
        setattr(batch, name, value)
    batch.save()
    invalidate(batch, list(settings), reason="evidence rules changed")
    return batch


def photo(visit, kind: str) -> VisitPhoto:
    """A stored photo of `visit`, then the call the photo service makes in its transaction."""
    stored = VisitPhoto.objects.create(
        visit=visit,
        kind=kind,
        image=f"visits/2023/08/{visit.pk}-{kind}.jpg",
        sha256=secrets.token_hex(32),
        content_type="image/jpeg",
        width=640,
        height=480,
        size_bytes=1000,
    )
    invalidate(stored, ["kind"])
    return stored


@pytest.fixture
def card(recipient):
    return ConfirmationCard.objects.create(recipient=recipient, key=secrets.token_urlsafe(32))


def confirm(visit, card, *, took_place: bool, rating: str = "") -> VisitConfirmation:
    """The older person's answer, then the call the confirmation service makes in its transaction."""
    answer = VisitConfirmation.objects.create(visit=visit, card=card, took_place=took_place, rating=rating)
    reverify_visit_after_evidence(visit)
    return answer


# --- Missing photo --------------------------------------------------------------------------------------


def test_without_the_batch_rule_a_visit_needs_no_photo(log_visit):
    visit = log_visit()
    assert holding(visit) == set()
    assert count_decision(visit).counts


def test_where_photos_are_required_each_missing_one_is_named_until_both_arrive(log_visit, recipient):
    require(recipient, photos_required=True)
    visit = log_visit()
    exception = VisitException.objects.get(visit=visit)
    assert (exception.type, exception.severity) == (ExceptionType.MISSING_PHOTO, "warning")
    assert str(PhotoKind.START.label) in exception.detail and str(PhotoKind.END.label) in exception.detail
    photo(visit, PhotoKind.START)
    exception.refresh_from_db()
    assert (exception.status, exception.detail) == ("open", str(PhotoKind.END.label))
    assert not count_decision(visit).counts
    photo(visit, PhotoKind.END)
    exception.refresh_from_db()
    assert exception.status == "cleared"
    assert count_decision(visit).counts


def test_turning_the_photo_rule_on_re_checks_the_batch_through_the_queue(log_visit, recipient):
    visits = [log_visit(start=at(dt.date(2023, 8, day))) for day in (1, 2)]
    photo(visits[1], PhotoKind.START)
    photo(visits[1], PhotoKind.END)
    require(recipient, photos_required=True)
    assert RecountRequest.objects.filter(area_id=recipient.area_id).exists()
    assert all(holding(visit) == set() for visit in visits)  # area-wide: left to the drain
    drain_recount_queue(seconds=None)
    assert holding(visits[0]) == {ExceptionType.MISSING_PHOTO}
    assert holding(visits[1]) == set()
    require(recipient, photos_required=False)
    drain_recount_queue(seconds=None)
    assert holding(visits[0]) == set()
    assert Visit.objects.get(pk=visits[0].pk).is_countable


# --- Unconfirmed and disputed ---------------------------------------------------------------------------


def test_where_confirmation_is_required_a_visit_waits_for_the_older_persons_answer(log_visit, recipient, card):
    require(recipient, confirmation_required=True)
    visit = log_visit()
    assert holding(visit) == {ExceptionType.UNCONFIRMED}
    assert VisitException.objects.get(visit=visit).severity == "warning"
    confirm(visit, card, took_place=True, rating="satisfied")
    assert holding(visit) == set()
    assert count_decision(visit).counts


@pytest.mark.parametrize("required", [False, True])
def test_a_visit_the_older_person_says_did_not_happen_is_disputed_whatever_the_batch_says(
    log_visit, recipient, card, required
):
    require(recipient, confirmation_required=required)
    visit = log_visit()
    confirm(visit, card, took_place=False)
    assert holding(visit) == {ExceptionType.DISPUTED}  # answered, so not "unconfirmed" as well
    assert not count_decision(visit).counts


def test_the_evidence_entry_point_queues_the_recipients_recount(log_visit, recipient, card):
    visit = log_visit()
    RecountRequest.objects.all().delete()
    VisitConfirmation.objects.create(visit=visit, card=card, took_place=False)
    assert reverify_visit_after_evidence(visit.pk) == {recipient.pk}
    assert RecountRequest.objects.filter(recipient_id=recipient.pk).exists()
    assert holding(visit) == {ExceptionType.DISPUTED}


def test_a_voided_visit_raises_no_evidence_exception(log_visit, recipient, card):
    from eldercare.visits import services

    require(recipient, photos_required=True, confirmation_required=True)
    visit = log_visit()
    services.visit_void(visit=visit, reason="重复录入")
    confirm(visit, card, took_place=False)
    assert holding(visit) == set()


def test_a_rating_the_older_person_gave_is_not_replaced_by_an_edit(log_visit, card):
    from eldercare.core.errors import DomainError
    from eldercare.visits import services

    visit = log_visit(satisfaction="dissatisfied")
    assert visit.satisfaction_source == "caregiver"
    Visit.objects.filter(pk=visit.pk).update(satisfaction="satisfied", satisfaction_source="recipient")
    with pytest.raises(DomainError) as caught:
        services.visit_update(visit=visit, satisfaction="dissatisfied", reason="the caregiver disagrees")
    assert caught.value.field == "satisfaction"
    services.visit_update(visit=visit, satisfaction="satisfied", note="补充说明", reason="a note")
    visit.refresh_from_db()
    assert (visit.satisfaction, visit.satisfaction_source, visit.note) == ("satisfied", "recipient", "补充说明")


def test_the_phones_resend_after_the_older_person_rated_is_already_present(recipient, caregiver, admin_user):
    from rest_framework.test import APIClient

    from tests.factories import ServiceCategoryFactory

    api = APIClient()
    api.force_authenticate(admin_user)
    item = {
        "client_uuid": "5b0f3f6e-1d8e-4a53-9a55-3f6d2c1b0a77",
        "recipient": recipient.pk,
        "caregiver": caregiver.pk,
        "category": ServiceCategoryFactory().code,
        "started_at": at(dt.date(2023, 8, 1), 9).isoformat(),
        "ended_at": at(dt.date(2023, 8, 1), 10).isoformat(),
        "satisfaction": "satisfied",
    }
    first = api.post("/api/v1/visits/bulk/", {"visits": [item]}, format="json").json()
    # The older person rates it on the confirmation page before the phone hears back and resends.
    Visit.objects.filter(pk=first["results"][0]["id"]).update(
        satisfaction="dissatisfied", satisfaction_source="recipient"
    )
    again = api.post("/api/v1/visits/bulk/", {"visits": [item]}, format="json").json()
    assert again["results"][0]["status"] == "already_present", again
    changed = api.post("/api/v1/visits/bulk/", {"visits": [item | {"note": "另一次"}]}, format="json").json()
    assert changed["results"][0]["status"] == "conflict", changed


# --- The contract and the cost --------------------------------------------------------------------------


def test_the_contract_names_the_evidence_and_its_batch_settings():
    for entry in [("visits.visitphoto", "kind"), ("visits.visitconfirmation", "took_place")]:
        assert CONTRACT[entry].reverify == Reverify.VISIT
    for name in ("photos_required", "confirmation_required"):
        assert CONTRACT[("areas.batch", name)].reverify == Reverify.BATCH
    for name in ("satisfaction", "satisfaction_source"):
        assert CONTRACT[("visits.visit", name)].recount
    assert CONTRACT[("visits.visit", "checkin_accuracy_m")].reverify == Reverify.VISIT


def test_checking_visits_loads_their_evidence_once_whatever_their_number(log_visit, recipient, card):
    require(recipient, photos_required=True, confirmation_required=True)

    def visits(first_hour: int, count: int) -> list[int]:
        # One day, one after another: the overlap search costs a query a day, the evidence must cost none.
        made = []
        for hour in range(first_hour, first_hour + count):
            visit = log_visit(start=at(dt.date(2023, 8, 1), hour))
            photo(visit, PhotoKind.START)
            confirm(visit, card, took_place=hour % 2 == 0)
            made.append(visit.pk)
        return made

    few, many = visits(6, 2), visits(8, 12)
    counts = []
    for ids in (few, many):
        with CaptureQueriesContext(connection) as queries:
            verify_visits(ids)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_deep_check_re_derives_the_evidence_rules_and_finds_no_difference(log_visit, recipient, card):
    require(recipient, photos_required=True)
    drain_recount_queue(seconds=None)
    visits = [log_visit(start=at(dt.date(2023, 8, day))) for day in (1, 2, 3)]
    photo(visits[0], PhotoKind.START)
    photo(visits[0], PhotoKind.END)
    confirm(visits[1], card, took_place=False)
    drain_recount_queue(seconds=None)
    result = verify_deep()
    assert result.difference_count == 0, result.summary()
