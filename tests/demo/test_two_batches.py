"""The demo world holds an older person enrolled in two batches, with counted visits in both (issue 16).

北京市昌平区 is a pilot area of the finished 2023 batch and of the running one; the world adds the
2022 batch with 昌平区 again (demo data), its cycle the year before 2023's, and enrols one person of
the running area there too, through `enrolment_create`, with visits in that cycle.
"""

import datetime as dt

import pytest
from django.db.models import Count
from django.urls import reverse

from eldercare.areas.models import PilotArea
from eldercare.core.models import AuditEvent
from eldercare.demo.world import DEMO_MARK, demo_world_create
from eldercare.recipients.enrolments import enrolment_area_on
from eldercare.recipients.models import Recipient
from eldercare.rollups.models import AreaProgress, RecipientProgress
from eldercare.visits.models import Visit
from tests.demo.conftest import TODAY
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(small_world, today):
    return demo_world_create(today=TODAY, recipients=150, seed=3)


def _people_in_two_batches():
    return Recipient.objects.annotate(batches=Count("enrolments__area__batch", distinct=True)).filter(batches__gte=2)


def test_one_person_is_enrolled_in_the_running_batch_and_the_batch_before_the_finished_one(small_world, built):
    person = _people_in_two_batches().get()
    enrolments = list(person.enrolments.select_related("area__batch", "area__region").order_by("area__cycle_start"))
    assert [e.area.batch.year for e in enrolments] == [2022, built.running_batch]
    earlier, current = (e.area for e in enrolments)
    assert current == person.area  # the household area: the running batch's 昌平区
    assert earlier.region.code == current.region.code == "110114" and earlier.is_demo
    # The mark on a batch's name says "the invented running batch"; the 2022 batch is the programme's.
    assert current.batch.name.endswith(DEMO_MARK) and not earlier.batch.name.endswith(DEMO_MARK)
    finished = PilotArea.objects.get(batch__year=2023, region__code="110114")
    assert earlier.cycle_end == finished.cycle_start - dt.timedelta(days=1)
    assert earlier.cycle_start == finished.cycle_start.replace(year=finished.cycle_start.year - 1)
    # Through the enrolment service: each enrolment has its audit event.
    for enrolment in enrolments:
        assert AuditEvent.objects.filter(object_type="recipients.enrolment", object_id=str(enrolment.pk)).exists()
    assert (built.earlier_batch, built.earlier_visits > 0) == (2022, True)


def test_their_visits_count_in_both_batches_each_filed_in_its_enrolment_s_area(small_world, built):
    person = _people_in_two_batches().get()
    visits = list(Visit.objects.filter(recipient=person).select_related("area"))
    for visit in visits:
        assert visit.area == enrolment_area_on(person, visit.service_date)
        assert visit.area.cycle_contains(visit.service_date)
    for enrolment in person.enrolments.select_related("area__batch"):
        area = enrolment.area
        counted = sum(1 for visit in visits if visit.area == area and visit.is_countable)
        assert counted >= area.batch.visits_per_person_time, (area, counted)
        # The roll-ups count them per person and area: the person-time reached in each batch.
        progress = RecipientProgress.objects.get(recipient=person, area=area)
        assert progress.counted_visits == counted and progress.reached_on is not None
    earlier = person.enrolments.get(area__batch__year=2022).area
    assert AreaProgress.objects.get(area=earlier).person_times_reached == 1


def test_the_earlier_batch_is_on_the_dashboards_switch_with_its_figures(small_world, built, client):
    client.force_login(make_user("national", "national_official"))
    page = client.get(reverse("dashboards:area", kwargs={"area_code": "110114"}), {"batch": "2022"})
    assert page.status_code == 200
    dashboard = page.context["dashboard"]
    assert dashboard.area.batch.year == 2022 and dashboard.row.figures["person_times_reached"] == 1
    assert [batch.year for batch in page.context["switch"]["offered"]] == [built.running_batch, 2023, 2022]
