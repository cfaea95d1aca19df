"""A burst of writes queues one drain: a wake-up is sent only when no drain is waiting to start."""

import pytest
from django.core.cache import cache

from eldercare.core import queue


@pytest.fixture
def sent(monkeypatch, settings):
    settings.RECOUNT_WAKE_COALESCING = True
    messages = []
    outcome = {"ok": True}

    def enqueue(task, *args):
        messages.append(task.name)
        return outcome["ok"]

    monkeypatch.setattr(queue, "enqueue", enqueue)
    cache.delete(queue.DRAIN_WAITING_KEY)
    yield messages, outcome
    cache.delete(queue.DRAIN_WAITING_KEY)


def test_writes_while_a_drain_waits_send_no_more_messages(sent):
    messages, _outcome = sent
    assert [queue.wake_recount_drain() for _ in range(5)] == [True, False, False, False, False]
    assert messages == ["eldercare.rollups.tasks.drain_recount_queue_task"]


def test_without_a_shared_cache_every_write_wakes_a_drain(sent, settings):
    messages, _outcome = sent
    settings.RECOUNT_WAKE_COALESCING = False
    assert [queue.wake_recount_drain() for _ in range(3)] == [True, True, True]
    assert len(messages) == 3


def test_once_the_drain_starts_the_next_write_wakes_another(sent):
    messages, _outcome = sent
    queue.wake_recount_drain()
    queue.recount_drain_started()  # what the task does first: work queued from now on is not seen by it
    assert queue.wake_recount_drain() is True
    assert len(messages) == 2


def test_a_wake_up_the_broker_refused_is_tried_again_by_the_next_write(sent):
    messages, outcome = sent
    outcome["ok"] = False
    assert queue.wake_recount_drain() is False
    outcome["ok"] = True
    assert queue.wake_recount_drain() is True
    assert len(messages) == 2


@pytest.mark.django_db
def test_the_drain_task_clears_the_waiting_mark_before_it_drains(sent, monkeypatch):
    from eldercare.rollups import tasks
    from eldercare.rollups.queue import DrainReport

    seen = []

    def drain():
        seen.append(cache.get(queue.DRAIN_WAITING_KEY))
        return DrainReport()

    monkeypatch.setattr("eldercare.rollups.queue.drain_recount_queue", drain)
    queue.wake_recount_drain()
    tasks.drain_recount_queue_task.run()
    assert seen == [None]
