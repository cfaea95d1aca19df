"""The person-time threshold (1人次 = the batch's `visits_per_person_time` counted visits) and its bands.

The bands are thirds of the threshold: 1–9, 10–19 and 20–29 with 30. Python (`band_of`) and the
query (`band_q`, `reached_person_time_q`) agree on every count for many thresholds, and the roll-ups,
the dashboard and the admin follow a batch whose threshold is not 30.
"""

import datetime as dt

import pytest
from django.db.models import Count, F, Value
from django.urls import reverse
from django.utils import translation

from eldercare.areas.models import Batch
from eldercare.dashboards.selectors import area_dashboard, area_in_scope
from eldercare.rollups.models import AreaProgress
from eldercare.rollups.rules import (
    BAND_FIELDS,
    NO_VISIT_BAND,
    REACHED,
    band_of,
    band_q,
    person_time_bands,
    reached_person_time,
    reached_person_time_q,
)
from eldercare.rollups.services import recount_recipients
from tests.conftest import at
from tests.factories import BatchFactory, PilotAreaFactory, RecipientFactory, VisitFactory

THRESHOLDS = [1, 2, 3, 4, 5, 6, 10, 29, 30, 31, 60]


def test_a_threshold_of_30_gives_the_bands_of_the_2023_batch():
    assert [(band.lower, band.upper) for band in person_time_bands(30)] == [(1, 9), (10, 19), (20, 29)]
    assert [band_of(n, 30) for n in (0, 1, 9, 10, 19, 20, 29, 30, 45)] == [
        NO_VISIT_BAND,
        "band_1_9",
        "band_1_9",
        "band_10_19",
        "band_10_19",
        "band_20_29",
        "band_20_29",
        REACHED,
        REACHED,
    ]


@pytest.mark.parametrize("needed", THRESHOLDS)
def test_the_bands_cover_every_count_below_the_threshold_once_and_match_band_of(needed):
    covered = [n for band in person_time_bands(needed) for n in range(band.lower, band.upper + 1)]
    assert covered == list(range(1, needed))
    for band in person_time_bands(needed):
        assert all(band_of(n, needed) == band.field for n in range(band.lower, band.upper + 1))


@pytest.mark.django_db
@pytest.mark.parametrize("needed", THRESHOLDS)
def test_the_band_queries_place_each_count_where_band_of_does(needed):
    batch = BatchFactory()
    one_row = Batch.objects.filter(pk=batch.pk)
    for counted in range(needed + 3):
        found = one_row.annotate(c=Value(counted), n=Value(needed)).aggregate(
            reached=Count("pk", filter=reached_person_time_q(counted="c", needed=F("n"))),
            **{field: Count("pk", filter=band_q(field, counted="c", needed=F("n"))) for field in BAND_FIELDS},
        )
        in_sql = [name for name, hits in found.items() if hits]
        in_python = band_of(counted, needed)
        expected = [] if in_python == NO_VISIT_BAND else [in_python]
        assert in_sql == expected, (counted, needed)
        assert (in_python == REACHED) is reached_person_time(counted, needed)


@pytest.fixture
def six_visit_area(db):
    """A batch where 6 counted visits make a person-time; one recipient at each count from 0 to 6."""
    batch = BatchFactory(year=2031, visits_per_person_time=6)
    area = PilotAreaFactory(batch=batch)
    people = []
    for counted in range(7):
        person = RecipientFactory(area=area)
        for day in range(counted):
            VisitFactory(recipient=person, started_at=at(area.cycle_start + dt.timedelta(days=day)), is_countable=True)
        people.append(person)
    recount_recipients([person.pk for person in people], today=dt.date(2023, 8, 1))
    return area


def test_the_roll_ups_band_recipients_by_thirds_of_their_batchs_threshold(six_visit_area):
    figures = AreaProgress.objects.get(area=six_visit_area)
    # Bands of 6: 1, 2–3, 4–5.
    assert (figures.band_0, figures.band_1_9, figures.band_10_19, figures.band_20_29) == (1, 1, 2, 2)
    assert figures.person_times_reached == 1


def test_the_dashboard_labels_its_bands_and_at_risk_list_with_the_batchs_threshold(
    six_visit_area, admin_client, admin_user
):
    area = area_in_scope(admin_user, six_visit_area.code)
    with translation.override("en"):
        labels = [band["label"] for band in area_dashboard(admin_user, area, today=dt.date(2023, 8, 1)).bands]
    dashboard = area_dashboard(admin_user, area, today=dt.date(2023, 8, 1))
    assert labels[1:4] == ["1 visit", "2–3 visits", "4–5 visits"]
    assert [band["value"] for band in dashboard.bands] == [1, 1, 2, 2, 1]
    page = admin_client.get(
        reverse("dashboards:area", args=[six_visit_area.code]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "6 visits" in page.split('id="at-risk-heading"')[1].split("</h2>")[0]  # at risk, or failed once over
    assert "30" not in page.split('id="at-risk-heading"')[1].split("</h2>")[0]


def test_the_admin_labels_the_bands_with_the_batchs_threshold(six_visit_area, admin_client):
    page = admin_client.get(reverse("admin:rollups_areaprogress_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert "1 visit: 1 / 2–3 visits: 2 / 4–5 visits: 2" in page.content.decode()
