"""The caregiver's phone page (/m/) on the server side: the day's answer, the pages, the manifest, the service worker.

The page itself is tested in Chromium (tests/browser/test_mobile.py).
"""

import datetime as dt
import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import resolve, reverse
from PIL import Image
from rest_framework.test import APIClient

from eldercare.demo.users import DEMO_CAREGIVER_USERNAME, demo_caregiver_ensure
from eldercare.mobile import views
from eldercare.mobile.catalogue import PHRASES
from eldercare.rollups.models import RecipientProgress
from eldercare.visits import services
from tests.conftest import at
from tests.factories import (
    USER_PASSWORD,
    AssessmentFactory,
    CaregiverFactory,
    CountyFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    ServiceCategoryFactory,
    ServiceItemFactory,
    make_user,
)

TODAY = dt.date(2024, 1, 10)  # inside the factories' 2023-07-01 – 2024-06-30 cycle
TODAY_URL = reverse("mobile:today")
# What the page shows of a person, and nothing else (no ID number, address, phone or home coordinates).
PERSON_KEYS = {
    "id",
    "name",
    "counted",
    "needed",
    "still_needed",
    "days_left",
    "at_risk",
    "reached",
    "last_visit",
    "visits_today",
}


@pytest.fixture(autouse=True)
def afternoon(time_machine):
    time_machine.move_to(at(TODAY, 15), tick=False)


@pytest.fixture
def world(db):
    area = PilotAreaFactory()
    provider, other = ProviderFactory(name="示例·康颐居家养老服务中心", is_demo=True), ProviderFactory()
    provider.areas.set([area])
    people = {}
    for name in ["王秀英", "李建国", "张玉兰"]:
        people[name] = RecipientFactory(name=name, area=area, provider=provider)
        AssessmentFactory(recipient=people[name])
    elsewhere = RecipientFactory(name="孙桂兰", area=area, provider=other)
    category = ServiceCategoryFactory()
    ServiceItemFactory(category=category, code="cleaning", name="助洁")
    ServiceItemFactory(category=category, code="retired", name="停用项目", is_active=False)
    me = CaregiverFactory(provider=provider, name="刘丽")
    colleague = CaregiverFactory(provider=provider, name="陈静")
    CaregiverFactory(provider=provider, name="离职者", is_active=False)
    return {
        "area": area,
        "provider": provider,
        "people": people,
        "elsewhere": elsewhere,
        "category": category,
        "me": me,
        "colleague": colleague,
        "user": make_user("liuli", "caregiver", provider=provider, caregiver=me),
    }


def log(world, person, caregiver, day: dt.date, hour: int = 9):
    start = at(day, hour)
    return services.visit_create(
        recipient=person,
        provider=world["provider"],
        caregiver=caregiver,
        category=world["category"],
        started_at=start,
        ended_at=start + dt.timedelta(minutes=45),
        checkin_latitude=person.home_latitude,
        checkin_longitude=person.home_longitude,
    )


def today_for(client, user):
    client.force_login(user)
    response = client.get(TODAY_URL)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_caregiver_gets_their_providers_people_longest_without_a_visit_first_and_only_what_the_page_shows(
    client, world
):
    people = world["people"]
    log(world, people["王秀英"], world["colleague"], TODAY - dt.timedelta(days=3))
    log(world, people["李建国"], world["colleague"], TODAY - dt.timedelta(days=9))
    RecipientProgress.objects.create(
        recipient=people["李建国"], area=world["area"], counted_visits=4, at_risk=True, computed_at=at(TODAY, 1)
    )

    data = today_for(client, world["user"])

    # Never visited first, then the oldest last visit; another provider's person is absent.
    assert [p["name"] for p in data["recipients"]] == ["张玉兰", "李建国", "王秀英"]
    assert all(set(p) == PERSON_KEYS for p in data["recipients"])
    by_name = {p["name"]: p for p in data["recipients"]}
    assert by_name["李建国"] | {"id": 0} == {
        "id": 0,
        "name": "李建国",
        "counted": 4,
        "needed": 30,
        "still_needed": 26,
        "days_left": (dt.date(2024, 6, 30) - TODAY).days + 1,
        "at_risk": True,
        "reached": False,
        "last_visit": str(TODAY - dt.timedelta(days=9)),
        "visits_today": 0,
    }
    assert by_name["张玉兰"]["last_visit"] is None
    assert data["caregiver"] == {"id": world["me"].pk, "name": "刘丽"}
    assert data["caregivers"] == [{"id": world["me"].pk, "name": "刘丽"}]  # a caregiver logs as themself only
    assert data["provider"]["name"] == "示例·康颐居家养老服务中心"
    assert data["categories"] == [
        {"code": "daily-living", "name": "生活照料", "items": [{"code": "cleaning", "name": "助洁"}]}
    ]
    body = json.dumps(data, ensure_ascii=False)
    for private in ["110114", "resident", "address", "测试路", "latitude", "116.23", "phone"]:
        assert private not in body


def test_todays_visits_are_the_caregivers_own_with_whether_each_counts(client, world):
    people = world["people"]
    mine = log(world, people["王秀英"], world["me"], TODAY, hour=9)
    short = services.visit_create(
        recipient=people["李建国"],
        provider=world["provider"],
        caregiver=world["me"],
        category=world["category"],
        started_at=at(TODAY, 11),
        ended_at=at(TODAY, 11, 10),
    )
    log(world, people["张玉兰"], world["colleague"], TODAY, hour=13)  # a colleague's: not shown
    log(world, people["张玉兰"], world["me"], TODAY - dt.timedelta(days=1))  # yesterday: not shown

    visits = today_for(client, world["user"])["visits"]

    assert [v["id"] for v in visits] == [mine.pk, short.pk]
    assert visits[0]["counts"] is True and visits[0]["count_reasons"] == []
    assert visits[0]["client_uuid"] == str(mine.client_uuid) and visits[0]["recipient_name"] == "王秀英"
    assert visits[1]["counts"] is False and visits[1]["count_reasons"]


def test_provider_staff_choose_among_their_providers_active_caregivers(client, world):
    staff = make_user("staff", "provider_staff", provider=world["provider"])
    data = today_for(client, staff)
    assert data["caregiver"] is None
    assert [c["name"] for c in data["caregivers"]] == sorted(["刘丽", "陈静"])
    assert data["user"]["role"] == "provider_staff"


def test_a_caregiver_whose_role_names_no_caregiver_record_is_told_by_the_page_and_logs_nothing(client, world):
    unlinked = make_user("unlinked", "caregiver", provider=world["provider"])
    data = today_for(client, unlinked)
    assert data["caregiver"] is None and data["caregivers"] == []
    assert len(data["recipients"]) == 3


@pytest.mark.parametrize("role", ["district_official", "auditor", "national_official"])
def test_other_roles_get_a_403_saying_who_the_page_is_for(client, world, role):
    scope = {"area": world["area"]} if role != "national_official" else {}
    client.force_login(make_user("someone", role, **scope))
    response = client.get(TODAY_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == {"detail": "This page is for caregivers and provider staff."}


def test_without_a_token_or_a_session_the_answer_is_401(world):
    assert APIClient().get(TODAY_URL).status_code == 401


def test_the_phone_signs_in_with_an_api_token_and_no_shared_cache_keeps_the_answer(world):
    api = APIClient()
    token = api.post(reverse("api:token"), {"username": "liuli", "password": USER_PASSWORD}, format="json").json()[
        "token"
    ]
    response = api.get(TODAY_URL, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response.json()["user"]["username"] == "liuli"


@pytest.mark.parametrize("name", ["mobile:app", "mobile:login"])
def test_the_pages_need_no_sign_in_hold_no_personal_data_and_allow_no_outside_or_inline_script(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response["Cache-Control"] == "no-cache"
    page = response.content.decode()
    assert "居家上门服务" in page and "王秀英" not in page
    assert "<script>" not in page and "http://" not in page and "https://" not in page  # nothing from elsewhere
    assert client.post(reverse(name)).status_code == 405


def test_the_page_speaks_english_to_those_who_chose_it(client):
    page = client.get(reverse("mobile:app"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '"start": "Start service"' in page and 'lang="en"' in page
    page = client.get(reverse("mobile:app"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '"start": "\\u5f00\\u59cb\\u670d\\u52a1"' in page and 'lang="zh-CN"' in page  # 开始服务


def test_every_phrase_has_chinese_and_english(db):
    assert all(chinese and english and chinese != english for chinese, english in PHRASES.values())


def test_the_manifest_makes_the_page_installable(client):
    response = client.get(reverse("mobile:manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["name"], manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "居家上门服务",
        "/m/",
        "/m/",
        "standalone",
    )
    for icon in manifest["icons"]:
        size = int(icon["sizes"].split("x")[0])
        assert icon["type"] == "image/png" and icon["src"].endswith(f"/mobile/icon-{size}.png")
        with Image.open(finders.find(f"mobile/icon-{size}.png")) as image:
            assert image.format == "PNG" and image.size == (size, size)
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_the_service_worker_is_served_from_m_so_its_scope_is_m_and_is_never_cached(client):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache, max-age=0"
    assert "Service-Worker-Allowed" not in response
    script = response.content.decode()
    for url in ["/m/", "/m/login/", "/m/manifest.webmanifest", *(f"/static/mobile/{name}" for name in views.ASSETS)]:
        assert f'"{url}"' in script
    assert "{{" not in script and "{%" not in script


def test_a_changed_file_gives_a_new_service_worker(client, monkeypatch, tmp_path):
    before = views._fingerprint()
    changed = tmp_path / "app.js"
    changed.write_text("// changed")
    real_find = finders.find
    monkeypatch.setattr(
        finders, "find", lambda path, **kw: str(changed) if path == "mobile/app.js" else real_find(path)
    )
    assert views._fingerprint() != before


def test_the_demo_caregiver_signs_in_with_the_readme_password_as_the_demo_providers_first_caregiver(db):
    area = PilotAreaFactory(region=CountyFactory(code="110114", name="昌平区", full_name="北京市昌平区"))
    provider = ProviderFactory(is_demo=True)
    provider.areas.set([area])
    first, _second = CaregiverFactory(provider=provider), CaregiverFactory(provider=provider)

    assignment = demo_caregiver_ensure()

    assert assignment.user.username == DEMO_CAREGIVER_USERNAME == "caregiver"
    assert (assignment.role, assignment.provider, assignment.caregiver) == ("caregiver", provider, first)
    assert assignment.user.check_password("eldercare-demo") and not assignment.user.is_staff
    assert demo_caregiver_ensure() is None  # an existing user is left as it is


def test_no_demo_caregiver_without_the_demo_provider(db):
    assert demo_caregiver_ensure() is None


def test_every_address_the_page_calls_is_an_operation_of_the_server(client):
    page = client.get(reverse("mobile:app")).content.decode()
    config = json.loads(page.split('<script id="mobile-config" type="application/json">')[1].split("</script>")[0])
    for name, url in config["urls"].items():
        match = resolve(url.replace("{id}", "7"))
        assert match.url_name not in (None, "not-found"), (name, url)
    assert resolve(config["urls"]["photos"].replace("{id}", "7")).url_name.startswith("visit-photo")
