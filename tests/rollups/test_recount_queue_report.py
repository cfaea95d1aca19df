"""`verify_rollups` reports the recount queue apart from differences, and `--wait` waits for it to drain."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from eldercare.core.models import RecountRequest
from eldercare.rollups.models import RecipientProgress, RollupRun
from eldercare.rollups.queue import drain_recount_queue
from tests.conftest import at


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def queued(recipient, log_visit, time_machine):
    """Two visits logged at 10:00:00 whose recounts are still queued: no worker has drained the queue yet."""
    time_machine.move_to(at(dt.date(2023, 8, 2), 10), tick=False)
    visits = [log_visit(), log_visit(start=at(dt.date(2023, 8, 2), 8))]
    assert RecountRequest.objects.count() == 2
    assert not RecipientProgress.objects.filter(recipient=recipient).exists()
    return visits


def verify(capsys, *args) -> str:
    capsys.readouterr()
    call_command("verify_rollups", *args)
    return capsys.readouterr().out


def test_an_empty_queue_is_reported_as_such(recipient, log_visit, capsys):
    log_visit()
    drain_recount_queue()
    assert "No recounts pending." in verify(capsys)


def test_pending_recounts_are_reported_with_the_age_of_the_oldest_and_are_no_difference(
    queued, recipient, time_machine, capsys
):
    time_machine.shift(dt.timedelta(seconds=12))
    out = verify(capsys)
    assert "2 recounts pending, oldest 12 s." in out
    # The progress row the drain will write is missing: work in progress, set apart, not a failure.
    assert "2 more concern recipients or areas with a recount queued: pending work, not differences." in out
    assert f"(pending) {recipient.area.region.code} recipient {recipient.pk} counted visits: stored None" in out
    run = RollupRun.objects.filter(kind=RollupRun.Kind.VERIFY).latest()
    assert run.differences == 0


def test_the_deep_check_sets_pending_work_apart_too(queued, capsys):
    out = verify(capsys, "--deep")
    assert "2 recounts pending, oldest 0 s." in out
    assert "Stored exceptions and countable flags equal what the raw records say." in out


def test_a_difference_fails_unless_its_recipient_has_a_recount_queued(queued, recipient, capsys):
    drain_recount_queue()
    RecipientProgress.objects.filter(recipient=recipient).update(counted_visits=9)
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("verify_rollups")
    difference = f"{recipient.area.region.code} recipient {recipient.pk} counted visits: stored 9, recounted 2"
    assert difference in capsys.readouterr().out

    RecountRequest.objects.create(recipient_id=recipient.pk, reason="a recount queued meanwhile")
    out = verify(capsys)
    assert "1 recount pending, oldest 0 s." in out
    assert f"(pending) {difference}" in out


def test_wait_waits_for_the_workers_to_drain_the_queue_then_compares(queued, recipient, monkeypatch, capsys):
    pauses = []

    def a_worker_drains_meanwhile(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:  # the queue empties during the second pause
            drain_recount_queue()

    monkeypatch.setattr("eldercare.rollups.verification.report._pause", a_worker_drains_meanwhile)
    out = verify(capsys, "--wait", "30")
    assert pauses == [0.5, 0.5]
    assert "No recounts pending." in out
    assert "Roll-ups of 1 areas equal a recount from visits." in out
    assert "pending work" not in out
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 2


def test_wait_fails_when_the_queue_does_not_drain_in_time(queued, capsys):
    with pytest.raises(CommandError, match=r"The recount queue did not drain within 0.2 s."):
        verify(capsys, "--wait", "0.2")
    assert "2 recounts pending" in capsys.readouterr().out
    assert RecountRequest.objects.count() == 2


def test_sample_needs_deep(db):
    with pytest.raises(CommandError, match="--sample needs --deep"):
        call_command("verify_rollups", "--sample", "5")
