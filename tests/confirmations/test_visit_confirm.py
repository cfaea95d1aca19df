"""visit_confirm: what an answer writes, checks and invalidates, and how it reaches the satisfaction figure."""

import pytest
from django.urls import reverse

from eldercare.confirmations.services import card_issue, card_revoke
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent, RecountRequest
from eldercare.rollups.models import AreaProgress, RecipientProgress
from eldercare.rollups.queue import drain_recount_queue
from eldercare.visits.confirmation import visit_confirm
from eldercare.visits.models import ExceptionType, SatisfactionSource, Visit, VisitConfirmation
from eldercare.visits.services import visits_confirm_fees


def fresh(visit) -> Visit:
    return Visit.objects.get(pk=visit.pk)


def test_a_rating_writes_the_visit_history_and_the_audit_log(world):
    visit_confirm(visit=world.today, card=world.card, took_place=True, rating="dissatisfied")
    latest = fresh(world.today).history.order_by("-history_id").first()
    assert (latest.satisfaction, latest.satisfaction_source) == ("dissatisfied", SatisfactionSource.RECIPIENT)
    assert latest.history_change_reason
    confirmation = VisitConfirmation.objects.get(visit=world.today)
    event = AuditEvent.objects.get(object_type="visits.visitconfirmation", object_id=str(confirmation.pk))
    assert event.action == "create" and event.user is None
    assert event.details["visit"] == world.today.pk and event.details["rating"] == "dissatisfied"
    assert AuditEvent.objects.filter(
        object_type="visits.visit", object_id=str(world.today.pk), action="change"
    ).exists()


def test_an_answer_queues_the_recount_of_the_persons_figures(world):
    RecountRequest.objects.all().delete()
    visit_confirm(visit=world.today, card=world.card, took_place=True, rating="dissatisfied")
    assert set(RecountRequest.objects.values_list("recipient_id", flat=True)) == {world.person.pk}


def test_did_not_take_place_raises_a_disputed_exception_for_review(world):
    visit_confirm(visit=world.three_days_ago, card=world.card, took_place=False)
    visit = fresh(world.three_days_ago)
    assert ExceptionType.DISPUTED in set(visit.exceptions.values_list("type", flat=True))
    assert not visit.is_countable


def test_a_second_answer_is_refused_and_changes_nothing(world):
    visit_confirm(visit=world.today, card=world.card, took_place=True, rating="satisfied")
    with pytest.raises(DomainError) as refused:
        visit_confirm(visit=world.today, card=world.card, took_place=False)
    assert refused.value.code == "already_confirmed"
    assert VisitConfirmation.objects.get(visit=world.today).took_place is True


def test_a_revoked_card_or_another_persons_card_cannot_answer(world):
    other_card = card_issue(recipient=world.other_person)
    with pytest.raises(DomainError):
        visit_confirm(visit=world.today, card=other_card, took_place=True)
    card_revoke(card=world.card)
    world.card.refresh_from_db()
    with pytest.raises(DomainError):
        visit_confirm(visit=world.today, card=world.card, took_place=True)
    assert not VisitConfirmation.objects.exists()


def test_a_visit_outside_the_window_cannot_be_answered(world):
    with pytest.raises(DomainError) as refused:
        visit_confirm(visit=world.seven_days_ago, card=world.card, took_place=True)
    assert refused.value.code == "confirmation_outside_window"


@pytest.mark.parametrize(("took_place", "rating"), [(True, "great"), (False, "satisfied")])
def test_an_impossible_answer_is_refused(world, took_place, rating):
    with pytest.raises(DomainError):
        visit_confirm(visit=world.today, card=world.card, took_place=took_place, rating=rating)


def test_a_fee_confirmed_visit_keeps_its_satisfaction_and_the_rating_is_kept_as_evidence(world):
    visits_confirm_fees(visit_ids=[world.today.pk], acting_user=world.staff)
    visit_confirm(visit=world.today, card=world.card, took_place=True, rating="dissatisfied")
    visit = fresh(world.today)
    assert (visit.satisfaction, visit.satisfaction_source) == ("satisfied", SatisfactionSource.CAREGIVER)
    assert VisitConfirmation.objects.get(visit=world.today).rating == "dissatisfied"
    event = AuditEvent.objects.get(object_type="visits.visitconfirmation")
    assert event.details["kept_because_locked"] is True


def area_rate(world):
    return AreaProgress.objects.get(area=world.person.area).satisfaction_rate


def test_a_dissatisfied_rating_on_the_page_changes_the_areas_satisfaction_figure(
    world, client, django_capture_on_commit_callbacks
):
    """End to end: the page, the service, the contract's queue, the drain, the area's figure."""
    drain_recount_queue(seconds=None)
    # Five completed visits of the area are rated satisfied (voided ones are not counted).
    assert AreaProgress.objects.get(area=world.person.area).rated_visits == 5
    assert area_rate(world) == 100
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(world.url, {"visit": world.today.pk, "answer": "held", "rating": "dissatisfied"})
    assert response.status_code == 303
    progress = RecipientProgress.objects.get(recipient=world.person)
    assert (progress.rated_visits, progress.satisfied_visits) == (4, 3)
    assert area_rate(world) == 80
    assert not RecountRequest.objects.exists()


def test_the_answer_is_listed_in_the_admin_and_the_visit_page_still_opens(world, admin_client):
    confirmation = visit_confirm(visit=world.today, card=world.card, took_place=True, rating="satisfied")
    assert admin_client.get(reverse("admin:visits_visit_change", args=[world.today.pk])).status_code == 200
    listing = admin_client.get(reverse("admin:visits_visitconfirmation_changelist"))
    assert listing.status_code == 200
    assert reverse("admin:visits_visitconfirmation_change", args=[confirmation.pk]) in listing.content.decode()
