"""The provider's home: their people this cycle with counted / needed, days left and risk; today's visits."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from eldercare.rollups.models import RecipientProgress
from eldercare.visits import services
from tests.conftest import at
from tests.factories import (
    AssessmentFactory,
    BatchFactory,
    CaregiverFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    ServiceCategoryFactory,
    make_user,
)

TODAY = dt.date(2024, 1, 10)  # inside the factories' 2023-07-01 – 2024-06-30 cycle: 173 days left, today included
HOME = reverse("providers:home")


@pytest.fixture(autouse=True)
def afternoon(time_machine):
    time_machine.move_to(at(TODAY, 15), tick=False)


def progress(person, counted: int, *, at_risk: bool, reached_on=None) -> None:
    RecipientProgress.objects.create(
        recipient=person,
        area=person.area,
        counted_visits=counted,
        at_risk=at_risk,
        reached_on=reached_on,
        computed_at=timezone.now(),
    )


@dataclass
class World:
    provider: object
    other: object
    area: object
    on_the_way: object
    at_risk: object
    reached: object
    finished: object
    elsewhere: object
    caregiver: object


@pytest.fixture
def world(db):
    area = PilotAreaFactory()
    finished_area = PilotAreaFactory(
        batch=BatchFactory(year=2022, name="2022年"), region=area.region, cycle_start=dt.date(2022, 7, 1),
        cycle_end=dt.date(2023, 6, 30),
    )  # fmt: skip
    provider, other = ProviderFactory(name="示例·康颐居家养老服务中心", is_demo=True), ProviderFactory()
    provider.areas.set([area, finished_area])
    people = {}
    for key, name, counted, risk, reached_on in [
        ("on_the_way", "王秀英", 18, False, None),
        ("at_risk", "李建国", 4, True, None),
        ("reached", "张玉兰", 31, False, dt.date(2024, 1, 2)),
    ]:
        person = RecipientFactory(name=name, area=area, provider=provider)
        AssessmentFactory(recipient=person)
        progress(person, counted, at_risk=risk, reached_on=reached_on)
        people[key] = person
    finished = RecipientFactory(name="赵福生", area=finished_area, provider=provider)
    elsewhere = RecipientFactory(name="孙桂兰", area=area, provider=other)
    progress(elsewhere, 12, at_risk=True)
    return World(
        provider=provider,
        other=other,
        area=area,
        finished=finished,
        elsewhere=elsewhere,
        caregiver=CaregiverFactory(provider=provider, name="刘丽"),
        **people,
    )


def rows(response) -> list:
    return response.context["home"].rows


def test_provider_staff_see_their_people_this_cycle_with_counted_needed_days_left_and_risk(client, world):
    client.force_login(make_user("staff", "provider_staff", provider=world.provider))
    response = client.get(HOME)

    assert response.status_code == 200
    shown = rows(response)
    assert [row.recipient for row in shown] == [world.at_risk, world.on_the_way, world.reached]  # at risk first
    by_name = {row.recipient.name: row for row in shown}
    assert (by_name["王秀英"].counted, by_name["王秀英"].needed, by_name["王秀英"].still_needed) == (18, 30, 12)
    assert by_name["李建国"].at_risk and not by_name["王秀英"].at_risk
    assert by_name["张玉兰"].reached and by_name["张玉兰"].still_needed == 0
    assert {row.days_left for row in shown} == {(dt.date(2024, 6, 30) - TODAY).days + 1} == {173}
    home = response.context["home"]
    assert (home.reached, home.at_risk, home.finished_cycles) == (1, 1, 1)
    page = response.content.decode()
    assert "18 / 30" in page and "李建国" in page and "孙桂兰" not in page and "赵福生" not in page
    assert reverse("admin:visits_visit_add") in page


def test_the_threshold_is_the_batch_s_own(client, world):
    world.area.batch.visits_per_person_time = 6
    world.area.batch.save()
    client.force_login(make_user("staff", "provider_staff", provider=world.provider))
    row = next(row for row in rows(client.get(HOME)) if row.recipient == world.at_risk)
    assert (row.counted, row.needed, row.still_needed) == (4, 6, 2)


def test_today_s_visits_say_whether_they_count_and_why_not(client, world):
    category = ServiceCategoryFactory()
    person = world.on_the_way

    def log(hour: int, minutes: int):
        return services.visit_create(
            recipient=person,
            provider=world.provider,
            caregiver=world.caregiver,
            category=category,
            started_at=at(TODAY, hour),
            ended_at=at(TODAY, hour) + dt.timedelta(minutes=minutes),
            checkin_latitude=person.home_latitude,
            checkin_longitude=person.home_longitude,
        )

    short = log(9, 20)
    fine = log(11, 60)
    client.force_login(make_user("staff", "provider_staff", provider=world.provider))
    response = client.get(HOME)

    home = response.context["home"]
    decisions = {item.visit.pk: item.decision for item in home.today_visits}
    assert decisions[fine.pk].counts and not decisions[short.pk].counts
    assert any("服务时长不足" in reason for reason in decisions[short.pk].reasons)  # in the page's language
    assert home.counting_today == 1
    assert next(row for row in home.rows if row.recipient == person).visits_today == 2


def test_a_caregiver_sees_the_same_home_and_an_auditor_sees_it_without_the_log_link(client, world):
    caregiver_user = make_user("carer", "caregiver", provider=world.provider)
    client.force_login(caregiver_user)
    assert len(rows(client.get(HOME))) == 3
    client.force_login(make_user("audit", "auditor"))
    response = client.get(HOME, {"provider": world.provider.pk})
    assert response.status_code == 200 and len(rows(response)) == 3
    assert not response.context["home"].can_log
    assert reverse("admin:visits_visit_add") not in response.content.decode()


def test_other_roles_pick_a_provider_in_their_scope_and_nothing_outside_it(client, world):
    elsewhere_area = PilotAreaFactory()
    world.other.areas.set([elsewhere_area])
    official = make_user("district", "district_official", area=world.area)
    client.force_login(official)
    chooser = client.get(HOME)
    assert list(chooser.context["providers"]) == [world.provider]
    assert client.get(HOME, {"provider": world.provider.pk}).status_code == 200
    assert client.get(HOME, {"provider": world.other.pk}).status_code == 404
    assert client.get(HOME, {"provider": "1e3"}).status_code == 404


def test_provider_staff_cannot_open_another_provider_s_home(client, world):
    client.force_login(make_user("staff", "provider_staff", provider=world.provider))
    assert client.get(HOME, {"provider": world.other.pk}).status_code == 404


def test_a_user_without_a_role_is_refused_and_a_visitor_is_asked_to_sign_in(client, world):
    response = client.get(HOME)
    assert response.status_code == 302 and reverse("admin:login") in response.url
    client.force_login(make_user("nobody"))
    assert client.get(HOME).status_code == 403


def test_the_page_is_in_chinese_with_the_person_s_name_called_xingming(client, world):
    client.force_login(make_user("staff", "provider_staff", provider=world.provider))
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "姓名" in page and "名称" not in page
    assert "示例" in page
