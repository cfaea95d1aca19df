import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from eldercare.core.geo import EARTH_RADIUS_M
from eldercare.visits import services
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    RecipientFactory,
    ServiceCategoryFactory,
)

TZ = timezone.get_default_timezone()
METRES_PER_DEGREE_LATITUDE = EARTH_RADIUS_M * 3.141592653589793 / 180


def at(day: dt.date, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


def north_of(latitude: Decimal, metres: float) -> Decimal:
    return (latitude + Decimal(metres / METRES_PER_DEGREE_LATITUDE)).quantize(Decimal("0.000001"))


def pytest_collection_modifyitems(config, items):
    """Under xdist (`make test` runs two processes), the tests on real services share one broker and
    purge its queue when they start a worker: they all run in one process, one after another."""
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.xdist_group("real-services"))


@pytest.fixture(autouse=True)
def publishing_not_backed_off():
    """A test that saw the broker down must not leave the publishing back-off to the next one."""
    from eldercare.core import queue

    queue._skip_publishing_until = 0.0
    yield
    queue._skip_publishing_until = 0.0


@pytest.fixture
def recipient(db):
    person = RecipientFactory()
    AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
    return person


@pytest.fixture
def caregiver(recipient):
    return CaregiverFactory(provider=recipient.provider)


@pytest.fixture
def log_visit(recipient, caregiver):
    """Log a visit through the service, as the admin and the API do; defaults: one hour on 2023-08-01."""
    category = ServiceCategoryFactory()

    def log(start=None, minutes=60, **overrides):
        start = start or at(dt.date(2023, 8, 1))
        fields = {
            "recipient": recipient,
            "provider": recipient.provider,
            "caregiver": caregiver,
            "category": category,
            "started_at": start,
            "ended_at": start + dt.timedelta(minutes=minutes),
            "checkin_latitude": recipient.home_latitude,
            "checkin_longitude": recipient.home_longitude,
            **overrides,
        }
        return services.visit_create(**fields)

    return log


@pytest.fixture
def reference_data(db):
    """Regions, catalogues and the 2023 batch with its 50 pilot areas, as `make run` loads them."""
    from django.core.management import call_command

    call_command("load_reference_data", verbosity=0)
