import datetime as dt

from eldercare.areas.services import pilot_area_set_cycle
from eldercare.rollups.models import RecipientProgress
from tests.conftest import at
from tests.rollups.conftest import CYCLE_START


def test_moving_the_cycle_start_later_rechecks_and_recounts_the_area(
    recipient, log_visits_on_days, django_capture_on_commit_callbacks, time_machine
):
    log_visits_on_days(10)
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 10
    time_machine.move_to(at(CYCLE_START + dt.timedelta(days=12), 9))
    with django_capture_on_commit_callbacks(execute=True):
        # Funds actually arrived on 5 July: the first four visits fall before the cycle.
        pilot_area_set_cycle(area=recipient.area, funds_arrived_on=dt.date(2023, 7, 5))
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 6
    assert recipient.visits.filter(exceptions__type="outside_cycle").count() == 4
