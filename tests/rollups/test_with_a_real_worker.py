"""Roll-ups through a real `celery worker` on PostgreSQL and Redis (marked `services`; run in CI)."""

import datetime as dt
import os
import signal

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from eldercare.rollups.models import AreaProgress, RecipientProgress
from eldercare.rollups.services import ADVISORY_LOCK_NAMESPACE
from eldercare.rollups.tasks import recompute_area_task, recount_recipients_task
from eldercare.visits.services import visit_void
from tests.conftest import at
from tests.services import WorkerProcess, celery_publishing_to, require_real_services, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CYCLE_START = dt.date(2023, 7, 1)


@pytest.fixture
def worker():
    broker = require_real_services()
    with celery_publishing_to(broker, result_backend=broker):
        process = WorkerProcess(broker, concurrency=2).start()
        try:
            yield process
        finally:
            process.stop()


def log_days(log_visit, time_machine, count, *, skip=0):
    visits = []
    for offset in range(skip, skip + count):
        day = CYCLE_START + dt.timedelta(days=offset)
        time_machine.move_to(at(day, 20))
        visits.append(log_visit(start=at(day, 9)))
    return visits


def counted(recipient):
    return RecipientProgress.objects.filter(recipient=recipient).values_list("counted_visits", flat=True).first()


def test_a_real_worker_turns_the_30th_visit_into_a_person_time_and_a_void_takes_it_back(
    worker, recipient, log_visit, time_machine
):
    visits = log_days(log_visit, time_machine, 29)
    wait_until(lambda: counted(recipient) == 29, what="29 counted visits")
    assert AreaProgress.objects.get(area=recipient.area).person_times_reached == 0
    visits += log_days(log_visit, time_machine, 1, skip=29)
    wait_until(lambda: AreaProgress.objects.get(area=recipient.area).person_times_reached == 1, what="1 person-time")
    visit_void(visit=visits[-1], reason="核查未提供服务")
    wait_until(lambda: counted(recipient) == 29, what="the void to be counted")
    assert AreaProgress.objects.get(area=recipient.area).person_times_reached == 0
    call_command("verify_rollups")


def test_a_task_delivered_twice_and_workers_racing_on_one_area_leave_verify_rollups_clean(
    worker, recipient, log_visit, time_machine
):
    log_days(log_visit, time_machine, 12)
    wait_until(lambda: counted(recipient) == 12, what="12 counted visits")
    RecipientProgress.objects.all().delete()  # drift that the tasks below must repair
    results = [recount_recipients_task.delay([recipient.pk]) for _ in range(6)]
    results += [recompute_area_task.delay(recipient.area_id) for _ in range(6)]
    for result in results:
        result.get(timeout=60)
    assert counted(recipient) == 12
    call_command("verify_rollups")


def test_a_worker_killed_in_the_middle_of_a_recount_loses_nothing_after_redelivery(
    worker, recipient, log_visit, time_machine
):
    log_days(log_visit, time_machine, 8)
    wait_until(lambda: counted(recipient) == 8, what="8 counted visits")
    RecipientProgress.objects.all().delete()
    settings_dict = connection.settings_dict
    # Hold the area's roll-up lock so the recount is caught half-way, inside its transaction.
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"] or "postgres",
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as blocker:
        blocker.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, recipient.area_id])
        recount_recipients_task.delay([recipient.pk])
        running = wait_until(worker.active_tasks, what="the recount to start")
        os.kill(running[0]["worker_pid"], signal.SIGKILL)
        blocker.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, recipient.area_id])
    wait_until(lambda: counted(recipient) == 8, what="the redelivered recount")
    call_command("verify_rollups")
