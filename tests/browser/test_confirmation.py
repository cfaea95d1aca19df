"""The older person's confirmation page on a phone, in Chromium (390×844, zh-CN), as a family member uses it.

The card's QR code opens /confirm/<token>/ without signing in: the week's visits with the caregiver's
given name only; a rating of 不满意 is stored once, changes the area's satisfaction figure once the
recount queue drains, and the answered visit shows 已确认 with no buttons left. A forged link is 404.
"""

import pytest
from django.core.cache import cache

from eldercare.rollups.models import AreaProgress, RecipientProgress
from eldercare.rollups.queue import drain_recount_queue
from eldercare.visits.models import SatisfactionSource, Visit, VisitConfirmation
from tests.confirmations.conftest import ADDRESS, PHONE, RESIDENT_ID, TODAY, build_world
from tests.conftest import at

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def world(time_machine):
    # Ticking: the browser and the live server run on while the test waits.
    time_machine.move_to(at(TODAY, 15), tick=True)
    cache.clear()  # the page's rate limits count in the cache
    built = build_world()
    drain_recount_queue(seconds=None)
    yield built
    cache.clear()


def area_rate(world):
    return AreaProgress.objects.get(area=world.person.area).satisfaction_rate


def test_a_family_member_rates_a_visit_on_the_phone_and_the_areas_satisfaction_follows(
    world, browser_page, live_server
):
    page = browser_page
    page.set_viewport_size(PHONE_VIEWPORT)
    assert area_rate(world) == 100

    page.goto(f"{live_server.url}{world.url}")
    visits = page.get_by_test_id("visit")
    # Today, 3 and 6 days ago: not the one 7 days ago, not the voided one, not another person's.
    assert visits.count() == 3
    caregivers = set(page.get_by_test_id("caregiver").all_inner_texts())
    assert caregivers == {"娜娜"}  # 欧阳娜娜: a compound surname, dropped
    html = page.content()
    for private in (RESIDENT_ID, PHONE, ADDRESS, "欧阳娜娜", "王秀英"):
        assert private not in html
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    screenshot(page, "confirmation-01-week")

    today = page.locator(f'[data-visit="{world.today.pk}"]')
    today.locator('input[name="rating"][value="dissatisfied"]').check()
    today.get_by_test_id("held").click()
    page.wait_for_load_state()
    today = page.locator(f'[data-visit="{world.today.pk}"]')
    assert today.get_by_test_id("answered").is_visible()
    assert today.get_by_test_id("answer-form").count() == 0
    screenshot(page, "confirmation-02-rated")

    confirmation = VisitConfirmation.objects.get(visit=world.today)
    assert (confirmation.took_place, confirmation.rating) == (True, "dissatisfied")
    visit = Visit.objects.get(pk=world.today.pk)
    assert (visit.satisfaction, visit.satisfaction_source) == ("dissatisfied", SatisfactionSource.RECIPIENT)
    drain_recount_queue(seconds=None)  # whatever the after-commit wake-up has not done yet
    progress = RecipientProgress.objects.get(recipient=world.person)
    assert (progress.rated_visits, progress.satisfied_visits) == (4, 3)
    assert area_rate(world) == 80

    # Answering again from a stale page changes nothing.
    page.go_back()
    page.reload()
    assert page.locator(f'[data-visit="{world.today.pk}"]').get_by_test_id("answer-form").count() == 0
    assert VisitConfirmation.objects.filter(visit=world.today).count() == 1


def test_a_forged_link_is_404_on_the_phone(world, browser_page, live_server):
    page = browser_page
    page.set_viewport_size(PHONE_VIEWPORT)
    key, _signature = world.token.rsplit(":", 1)
    response = page.goto(f"{live_server.url}/confirm/{key}:forgedsignature/")
    assert response.status == 404
    assert "王" not in page.content()
    screenshot(page, "confirmation-03-forged-link")
