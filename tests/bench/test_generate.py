"""The benchmark world at a tiny scale: consistent with the app's rules, verified as the app would, reproducible."""

import datetime as dt
import hashlib

import pytest
from django.db import connection, transaction

from bench.generate import WorldSize, check_world, generate_world
from bench.verification import check_against_verify_visits, establish_verification, time_day_verification
from eldercare.beds.models import FamilyCareBed, RetrofitItem
from eldercare.recipients.models import Recipient
from eldercare.rollups.services import recompute_all
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import ExceptionStatus, Visit, VisitException

TINY = WorldSize.at(0.0005)  # 110 recipients, 50 beds, a few thousand visits


def quiet(*_args):
    pass


def build(seed: int = 7):
    established = []
    report = generate_world(
        TINY, seed=seed, log=quiet, before_indexes=lambda: established.append(establish_verification(log=quiet))
    )
    return report, established[0]


def digest() -> str:
    """What the seed decides: people, beds and visits (not the bookkeeping of when rows were written)."""
    rows = [
        *Recipient.objects.order_by("resident_id").values_list("resident_id", "name", "home_latitude"),
        *FamilyCareBed.objects.order_by("recipient__resident_id").values_list(
            "recipient__resident_id", "status", "accepted_on"
        ),
        *Visit.objects.order_by("recipient__resident_id", "started_at", "caregiver__employee_number").values_list(
            "recipient__resident_id", "started_at", "ended_at", "caregiver__employee_number", "checkin_latitude"
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.django_db
def test_a_tiny_world_follows_the_rules_the_app_applies_on_entry(reference_data):
    report, verification = build()

    assert report.rows["recipients_recipient"] == TINY.recipients
    assert 0.9 * TINY.beds <= FamilyCareBed.objects.count() <= TINY.beds
    assert RetrofitItem.objects.count() >= 2 * FamilyCareBed.objects.count()
    assert report.visits == Visit.objects.count() > 1000
    world = check_world()
    assert world.pop("visits") == report.visits
    assert world == dict.fromkeys(world, 0)
    assert not Visit.objects.filter(service_date=report.bench_day).exists()
    # The exceptions made on purpose are flagged, and only a few % of visits are held back.
    assert verification.exceptions.get("too_short", 0) > 0
    assert verification.exceptions.get("far_checkin", 0) > 0
    assert 0.85 * report.visits < verification.countable_visits < report.visits


@pytest.mark.django_db
def test_verify_visits_changes_nothing_in_the_verification_state_the_benchmark_establishes(reference_data):
    build()
    exceptions = VisitException.objects.count()

    check = check_against_verify_visits(sample=Visit.objects.count())

    assert check.python_form_differences == []  # the Python form of the rules finds what the set-up stored
    assert check.agrees, check
    assert VisitException.objects.count() == exceptions


@pytest.mark.django_db
def test_the_agreement_check_sees_a_stored_state_the_rules_would_not_give(reference_data):
    build()
    wrong = VisitException.objects.filter(status=ExceptionStatus.OPEN).order_by("pk").first()
    VisitException.objects.filter(pk=wrong.pk).update(detail="篡改")
    uncounted = Visit.objects.filter(is_countable=True, exceptions__isnull=True).order_by("pk").first()
    Visit.objects.filter(pk=uncounted.pk).update(is_countable=False)

    check = check_against_verify_visits(sample=Visit.objects.count())

    assert [pk for pk, _stored, _derived in check.python_form_differences] == [wrong.visit_id]
    assert check.exceptions_changed == 1  # verify_visits put the detail right
    assert check.countable_changed >= 1
    assert not check.agrees


@pytest.mark.django_db
def test_roll_ups_recomputed_over_the_world_equal_an_independent_recount(reference_data):
    build()

    recompute_all()

    assert verify_all() == []


@pytest.mark.django_db(transaction=False)
def test_the_same_seed_gives_the_same_world_and_another_seed_another(reference_data):
    digests = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            build(seed)
            digests.append(digest())
            transaction.set_rollback(True)

    assert digests[0] == digests[1] != digests[2]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the copied day is written in PostgreSQL's SQL")
def test_a_days_verification_is_timed_on_a_copy_that_is_rolled_back(reference_data):
    report, _verification = build()
    visits, exceptions = Visit.objects.count(), VisitException.objects.count()
    day = report.bench_day - dt.timedelta(days=1)

    timed = time_day_verification(day)

    assert timed.visits == Visit.objects.filter(service_date=day).count() > 0
    assert 0 < timed.countable <= timed.visits and timed.derive_s > 0 and timed.verify_s > 0
    assert (Visit.objects.count(), VisitException.objects.count()) == (visits, exceptions)
