"""The providers-compared roll-up, written from recipient progress so the page never reads visits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from eldercare.rollups.models import ProviderAreaStats
from eldercare.rollups.provider_stats import provider_stats_refresh
from eldercare.rollups.services import recount_recipients
from eldercare.visits.models import ExceptionType, Severity, VisitException
from tests.conftest import at
from tests.factories import PilotAreaFactory, ProviderFactory, RecipientFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def area_with_two_providers():
    area = PilotAreaFactory()
    good, patchy = ProviderFactory(name="甲养老服务中心"), ProviderFactory(name="乙养老服务中心")
    alice = RecipientFactory(area=area, provider=good)
    bob = RecipientFactory(area=area, provider=patchy)
    for offset, satisfaction in enumerate(["satisfied", "fairly_satisfied", "dissatisfied"]):
        start = at(dt.date(2023, 7, 1) + dt.timedelta(days=offset))
        VisitFactory(recipient=alice, started_at=start, is_countable=True, satisfaction=satisfaction)
    VisitFactory(
        recipient=alice,
        started_at=at(dt.date(2023, 7, 9)),
        status="voided",
        void_reason="entered twice",
        voided_at=at(dt.date(2023, 7, 10)),
    )
    flagged = VisitFactory(recipient=bob, started_at=at(dt.date(2023, 7, 1)), is_countable=False)
    VisitFactory(recipient=bob, started_at=at(dt.date(2023, 7, 2)), is_countable=True)
    VisitException.objects.create(
        visit=flagged, type=ExceptionType.FAR_CHECKIN, severity=Severity.WARNING, area=area, provider=patchy
    )
    unassigned = RecipientFactory(area=area, provider=None)  # not yet given to a provider: no row
    recount_recipients([alice.pk, bob.pk, unassigned.pk], today=dt.date(2023, 7, 20))
    return area, good, patchy


def test_provider_figures_are_counted_per_provider_from_the_areas_visits(area_with_two_providers):
    area, good, patchy = area_with_two_providers
    assert provider_stats_refresh(area=area) == 2
    good_stats = ProviderAreaStats.objects.get(area=area, provider=good)
    patchy_stats = ProviderAreaStats.objects.get(area=area, provider=patchy)
    # The voided visit is not a completed visit; two of three rated visits were (fairly) satisfied.
    assert (good_stats.visits, good_stats.counted_visits, good_stats.open_exceptions) == (3, 3, 0)
    assert (good_stats.satisfaction_rate, good_stats.counted_share) == (Decimal("66.7"), Decimal("100.0"))
    assert (good_stats.recipients, good_stats.person_times_reached) == (1, 0)
    assert (patchy_stats.visits, patchy_stats.counted_visits, patchy_stats.open_exceptions) == (2, 1, 1)
    assert (patchy_stats.counted_share, patchy_stats.satisfaction_rate) == (Decimal("50.0"), None)


def test_refreshing_twice_leaves_the_same_rows_and_drops_providers_that_left(area_with_two_providers):
    area, good, patchy = area_with_two_providers
    provider_stats_refresh(area=area)
    ProviderAreaStats.objects.create(area=area, provider=ProviderFactory(), computed_at=good.created_at)
    provider_stats_refresh(area=area)
    assert sorted(ProviderAreaStats.objects.filter(area=area).values_list("provider__name", "visits")) == [
        ("乙养老服务中心", 2),
        ("甲养老服务中心", 3),
    ]


def test_the_area_page_compares_the_providers(client, area_with_two_providers, django_user_model):
    area, _good, _patchy = area_with_two_providers
    provider_stats_refresh(area=area)
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    page = client.get(reverse("dashboards:area", kwargs={"area_code": area.code})).content.decode()
    assert "甲养老服务中心" in page and "乙养老服务中心" in page
    assert "66.7" in page and "50.0" in page


def test_the_area_counts_its_people_without_a_provider_and_follows_an_assignment(area_with_two_providers, client):
    """The overview's warning reads the area's roll-up; assigning a provider (through the service and the
    queue) takes the person out of it, as the live count of progress rows does."""
    from django.contrib.auth import get_user_model

    from eldercare.recipients.models import Recipient
    from eldercare.recipients.services import recipient_update
    from eldercare.rollups.models import AreaProgress
    from eldercare.rollups.queue import drain_recount_queue

    area, good, _patchy = area_with_two_providers
    assert AreaProgress.objects.get(area=area).recipients_without_provider == 1
    user = get_user_model().objects.create_superuser("root", password="x" * 12)
    client.force_login(user)
    overview = client.get(reverse("dashboards:national")).context["overview"]
    assert overview.without_provider.get(area.pk) == 1

    unassigned = Recipient.objects.get(area=area, provider__isnull=True)
    recipient_update(recipient=unassigned, provider=good, acting_user=user, reason="assigned")
    drain_recount_queue(today=dt.date(2023, 7, 20))

    assert AreaProgress.objects.get(area=area).recipients_without_provider == 0
    assert client.get(reverse("dashboards:national")).context["overview"].without_provider.get(area.pk) is None
