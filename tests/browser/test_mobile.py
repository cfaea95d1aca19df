"""The caregiver's phone page (/m/) in Chromium as a phone: 390×844, zh-CN, location allowed and fixed at the door.

The world is the demo world (`seed_demo`) built for today with the README's demo users and the demo
caregiver (`eldercare.demo.users`). The camera is a JPEG made with Pillow set on the file input. The
browser's clock is moved (Playwright's clock) so that each visit lasts 35 minutes, one after the other,
all in the past. Screenshots go to test-artifacts/mobile/ (the test prints the folder).
"""

import datetime as dt
import io
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from eldercare.accounts.models import RoleAssignment
from eldercare.accounts.tokens import tokens_revoke_all
from eldercare.demo.users import DEMO_CAREGIVER_USERNAME, demo_caregiver_ensure
from eldercare.demo.world import demo_world_create
from eldercare.recipients.models import Recipient
from eldercare.recipients.selectors import eligibility_on
from eldercare.rollups.models import RecipientProgress
from eldercare.visits.models import Visit, VisitPhoto
from eldercare.visits.verification import count_decision
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.demo.conftest import small_world  # noqa: F401 - the fixture
from tests.factories import USER_PASSWORD, CaregiverFactory, ProviderFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "eldercare-demo"  # the README's demo password
PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "mobile"
VISIT_MINUTES = 35
COUNTS = "已上传 · 计入人次进度"


@pytest.fixture
def demo(small_world):  # noqa: F811 - the fixture imported above
    today = timezone.localdate()
    demo_world_create(today=today, recipients=220, seed=2023)
    call_command("ensure_demo_admin", verbosity=0)
    demo_caregiver_ensure()
    return today


@pytest.fixture
def phone(monkeypatch, live_server):
    """A phone-sized Chromium context in Chinese, Beijing time, with location allowed; (context, page)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium package.")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test reads the database between steps
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SHOTS}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # live_server answers on http://localhost: a secure context, so service workers and crypto.randomUUID work.
        assert live_server.url.startswith("http://localhost:")
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            permissions=["geolocation"],
            geolocation={"latitude": 40.22, "longitude": 116.23, "accuracy": 10},
        )
        # What the page and its service worker say goes to the test's output (shown when it fails).
        context.on("console", lambda message: print(f"console {message.type}: {message.text}"))
        context.on("weberror", lambda error: print(f"page error: {error.error}"))
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield context, page
        finally:
            context.close()
            browser.close()


def service_worker_active(page) -> None:
    """Wait until the page's service worker is installed and active: from then on a page opened offline is served."""
    assert page.evaluate("async () => (await navigator.serviceWorker.ready).active.state") == "activated"


def shot(page, name: str) -> None:
    """What the phone's screen shows (a full page of 49 people would be too long to read)."""
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def jpeg(color: str, size=(2400, 1800)) -> dict:
    """A camera photo: a JPEG larger than the page keeps (it is made at most 1,600 px wide)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90)
    return {"name": "camera.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def people_to_visit(caregiver, day: dt.date, count: int) -> list[Recipient]:
    """People of the caregiver's provider in a running cycle, eligible on `day`, not visited that day, with a home."""
    people = (
        Recipient.objects.filter(
            provider=caregiver.provider,
            area__cycle_start__lte=day,
            area__cycle_end__gte=day,
            home_latitude__isnull=False,
        )
        .exclude(visits__service_date=day)
        .order_by("pk")
    )
    chosen = [person for person in people if eligibility_on(person, day).eligible][:count]
    assert len(chosen) == count
    return chosen


def at_the_door(context, person: Recipient) -> None:
    context.set_geolocation(
        {"latitude": float(person.home_latitude), "longitude": float(person.home_longitude), "accuracy": 12}
    )


def record_visit(page, context, person, start: dt.datetime, *, photos=("start",), shots: str | None = None) -> None:
    """From the list: 开始服务 at the door, a photo, the first category and item, 结束服务, satisfaction, send."""
    at_the_door(context, person)
    page.clock.set_system_time(start)
    row = page.locator(f"[data-testid=recipient-row][data-recipient='{person.pk}']")
    row.get_by_test_id("start").click()
    assert page.get_by_test_id("visit-heading").inner_text() == f"正在服务：{person.name}"
    page.get_by_test_id("checkin-state").filter(has_text="已记录签到位置").wait_for()
    if "start" in photos:
        page.get_by_test_id("photo-start").set_input_files(jpeg("#4a7"))
        page.get_by_test_id("thumb-start").wait_for()
    page.locator("[data-testid^=category-]").first.check()
    page.locator("[data-testid^=item-]").first.check()
    if shots:
        shot(page, f"{shots}-at-the-door")
    page.clock.set_system_time(start + dt.timedelta(minutes=VISIT_MINUTES))
    page.get_by_test_id("end").click()
    page.get_by_test_id("checkout-state").filter(has_text="已记录签退位置").wait_for()
    if "end" in photos:
        page.get_by_test_id("photo-end").set_input_files(jpeg("#a74"))
        page.get_by_test_id("thumb-end").wait_for()
    page.get_by_test_id("satisfaction-satisfied").check()
    if shots:
        shot(page, f"{shots}-ending")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("queue-status").wait_for()


def sign_in(page, live_server) -> None:
    page.goto(live_server.url + "/m/login/")
    page.fill("#id_username", DEMO_CAREGIVER_USERNAME)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/m/")
    page.locator("[data-testid=recipient-row]").first.wait_for()


def caregiver_user():
    return RoleAssignment.objects.select_related("user").get(user__username=DEMO_CAREGIVER_USERNAME).user


def the_caregiver():
    return RoleAssignment.objects.select_related("caregiver__provider").get(user__username="caregiver").caregiver


def state_of(page, person) -> str:
    return page.locator("[data-testid=visit-row]", has_text=person.name).get_by_test_id("visit-state").inner_text()


def daytime(time_machine) -> None:
    """Visits a few hours back must fall on today: after midnight they would be yesterday evening's,
    which today's list on the phone no longer shows. Then the server's clock moves on to noon of the
    same day (the page's clock is set by each test)."""
    if timezone.localtime().hour < 4:
        time_machine.move_to(timezone.localtime().replace(hour=12), tick=True)


def test_a_caregiver_records_visits_at_the_door_online_and_offline_and_each_is_stored_and_counted_once(
    demo, phone, live_server, time_machine
):
    context, page = phone
    caregiver = the_caregiver()
    daytime(time_machine)
    # Three visits of 35 minutes, five minutes apart, ending well before now.
    first_start = timezone.localtime() - dt.timedelta(hours=3)
    first, second, third = people_to_visit(caregiver, first_start.date(), 3)
    counted_before = {
        p.recipient_id: p.counted_visits for p in RecipientProgress.objects.filter(recipient__in=[first, second, third])
    }
    page.clock.install(time=first_start - dt.timedelta(minutes=5))

    # Signing in: the page sends a phone without a token to the sign-in page.
    page.goto(live_server.url + "/m/")
    page.wait_for_url("**/m/login/")
    page.fill("#id_username", DEMO_CAREGIVER_USERNAME)
    page.fill("#id_password", "wrong-password")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("login-problem").filter(has_text="无法使用提供的认证信息登录。").wait_for()
    page.fill("#id_password", PASSWORD)
    shot(page, "01-sign-in")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/m/")
    page.locator("[data-testid=recipient-row]").first.wait_for()
    assert caregiver.name in page.get_by_test_id("who").inner_text()
    assert page.get_by_test_id("network").inner_text() == "在线"
    service_worker_active(page)
    for width in (360, PHONE["width"]):  # no sideways scrolling from 360 px up
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, "02-people")

    # Online: start at the door with a photo, end with another, and see that it counts.
    record_visit(page, context, first, first_start, photos=("start", "end"), shots="03-online")
    page.locator("[data-testid=visit-row]", has_text=first.name).get_by_test_id("visit-state").filter(
        has_text=COUNTS
    ).wait_for()
    assert state_of(page, first) == COUNTS
    page.get_by_test_id("all-sent").wait_for()
    shot(page, "04-online-counted")

    # Offline: two more visits stay on the phone, and a reload (served by the service worker) keeps them.
    context.set_offline(True)
    page.get_by_test_id("network").filter(has_text="离线").wait_for()
    second_start = first_start + dt.timedelta(minutes=VISIT_MINUTES + 5)
    third_start = second_start + dt.timedelta(minutes=VISIT_MINUTES + 5)
    record_visit(page, context, second, second_start, shots="05-offline")
    assert page.get_by_test_id("waiting-count").inner_text() == "待上传 1 条"
    record_visit(page, context, third, third_start)
    assert page.get_by_test_id("waiting-count").inner_text() == "待上传 2 条"
    assert state_of(page, second) == state_of(page, third) == "待上传"
    shot(page, "06-offline-two-waiting")
    page.reload()
    page.get_by_test_id("cached-data").wait_for()  # the people come from the last answer kept
    assert page.get_by_test_id("waiting-count").inner_text() == "待上传 2 条"
    assert page.locator("[data-testid=recipient-row]").count() > 3
    assert not Visit.objects.filter(recipient__in=[second, third], service_date=second_start.date()).exists()
    shot(page, "07-offline-reloaded")
    # Closed and opened again, still offline: the service worker serves the page, IndexedDB kept both.
    page.close()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(live_server.url + "/m/")
    page.get_by_test_id("cached-data").wait_for()
    assert page.get_by_test_id("waiting-count").inner_text() == "待上传 2 条"
    assert [state_of(page, person) for person in (second, third)] == ["待上传", "待上传"]

    # Online again: both are sent on their own, with their photos, and both count.
    context.set_offline(False)
    page.get_by_test_id("all-sent").wait_for()
    for person in (second, third):
        page.locator("[data-testid=visit-row]", has_text=person.name).get_by_test_id("visit-state").filter(
            has_text=COUNTS
        ).wait_for()
    shot(page, "08-back-online-sent")

    visits = {
        person: list(Visit.objects.filter(recipient=person, caregiver=caregiver)) for person in (first, second, third)
    }
    visits = {person: [v for v in rows if v.service_date == first_start.date()] for person, rows in visits.items()}
    assert all(len(rows) == 1 for rows in visits.values()), visits
    for person, (visit,) in visits.items():
        assert count_decision(visit).counts, (person, count_decision(visit))
        assert abs(visit.duration_minutes - VISIT_MINUTES) < 1  # the browser's clock runs on between steps
        assert visit.satisfaction == "satisfied"
        assert visit.coordinate_system == "wgs84"
        assert visit.checkin_accuracy_m == 12
        assert abs(visit.checkin_latitude - person.home_latitude) < 0.00001
    assert {photo.kind for photo in VisitPhoto.objects.filter(visit=visits[first][0])} == {"start", "end"}
    for person in (second, third):
        assert list(VisitPhoto.objects.filter(visit=visits[person][0]).values_list("kind", flat=True)) == ["start"]
    for photo in VisitPhoto.objects.filter(visit__in=[rows[0] for rows in visits.values()]):
        assert max(photo.width, photo.height) == 1600
    counted_after = {
        p.recipient_id: p.counted_visits for p in RecipientProgress.objects.filter(recipient__in=[first, second, third])
    }
    assert counted_after == {person.pk: counted_before.get(person.pk, 0) + 1 for person in (first, second, third)}

    # A resend from the phone changes nothing: the server says each is already stored.
    summary = page.evaluate(
        """async () => {
            const base = new URL(document.querySelector("script[type=module]").src);
            const { bulkItem } = await import(new URL("sync.js", base));
            const { allVisits } = await import(new URL("store.js", base));
            const { currentAuth, request } = await import(new URL("api.js", base));
            const auth = await currentAuth();
            const sent = (await allVisits()).filter((v) => v.state === "sent");
            const body = { visits: sent.map(bulkItem) };
            const answer = await request("/api/v1/visits/bulk/", { method: "POST", json: body, token: auth.token });
            return answer.data.summary;
        }"""
    )
    assert summary == {"created": 0, "already_present": 3, "conflict": 0, "rejected": 0}
    assert Visit.objects.filter(caregiver=caregiver, service_date=first_start.date()).count() == 3
    assert VisitPhoto.objects.filter(visit__caregiver=caregiver, visit__service_date=first_start.date()).count() == 4


# A visit as the page queues it, put on the phone directly (the same shape app.js writes).
QUEUE_ON_THE_PHONE = """async (visits) => {
    const base = new URL(document.querySelector("script[type=module]").src);
    const { putVisit } = await import(new URL("store.js", base));
    const { currentAuth } = await import(new URL("api.js", base));
    const auth = await currentAuth();
    for (const visit of visits) await putVisit({ ...visit, owner: auth.username });
}"""


def queued(client_uuid, person, caregiver, category, start: dt.datetime) -> dict:
    return {
        "client_uuid": str(client_uuid),
        "state": "queued",
        "recipient": {"id": person.pk, "name": person.name},
        "caregiver": {"id": caregiver.pk, "name": caregiver.name},
        "category": category.code,
        "items": [],
        "started_at": start.isoformat(),
        "ended_at": (start + dt.timedelta(minutes=40)).isoformat(),
        "checkin": None,
        "checkout": None,
        "satisfaction": "",
        "photos": {"start": None, "end": None},
        "id": None,
        "decision": None,
        "message": "",
    }


def test_a_conflict_and_a_refusal_are_said_in_words_and_kept_until_the_caregiver_has_read_them(
    demo, phone, live_server, time_machine
):
    context, page = phone
    daytime(time_machine)
    caregiver = the_caregiver()
    stored = Visit.objects.filter(provider=caregiver.provider).select_related("recipient", "category").first()
    before = (stored.started_at, stored.ended_at, stored.recipient_id, Visit.objects.count())
    elsewhere = Recipient.objects.exclude(provider=caregiver.provider).first()
    start = timezone.localtime() - dt.timedelta(hours=2)
    sign_in(page, live_server)

    # One visit reuses a stored visit's client UUID with other content; one names a person of another provider.
    page.evaluate(
        QUEUE_ON_THE_PHONE,
        [
            queued(stored.client_uuid, stored.recipient, caregiver, stored.category, start),
            queued("0b8f6c3e-2d6a-4c1e-9c55-3f1d2b7a9e01", elsewhere, caregiver, stored.category, start),
        ],
    )
    page.reload()
    problems = page.get_by_test_id("problem-row")
    problems.nth(1).wait_for()
    texts = problems.all_inner_texts()
    assert any("未保存（冲突）：服务器上已有同一编号但内容不同的记录" in text for text in texts), texts
    assert any("未被接受：服务对象：您的权限范围内没有该服务对象。" in text for text in texts), texts
    shot(page, "09-conflict-and-refusal")
    page.reload()  # kept on the phone, not dropped
    problems.nth(1).wait_for()
    assert problems.count() == 2
    stored.refresh_from_db()
    assert (stored.started_at, stored.ended_at, stored.recipient_id, Visit.objects.count()) == before

    # Read and removed by the caregiver, and only then.
    page.once("dialog", lambda dialog: dialog.accept())
    problems.first.get_by_role("button", name="我已知晓，移除").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=problem-row]').length === 1")


def test_a_visit_recorded_offline_waits_through_an_expired_sign_in_and_is_sent_after_signing_in_again(
    demo, phone, live_server, time_machine
):
    context, page = phone
    daytime(time_machine)
    caregiver = the_caregiver()
    start = timezone.localtime() - dt.timedelta(hours=2)
    (person,) = people_to_visit(caregiver, start.date(), 1)
    page.clock.install(time=start - dt.timedelta(minutes=5))
    sign_in(page, live_server)
    service_worker_active(page)

    context.set_offline(True)
    page.get_by_test_id("network").filter(has_text="离线").wait_for()
    record_visit(page, context, person, start)
    assert page.get_by_test_id("waiting-count").inner_text() == "待上传 1 条"
    # Meanwhile the phone's token is revoked (a lost phone reported, an expired token).
    tokens_revoke_all(user=caregiver_user(), acting_user=None, reason="test")

    context.set_offline(False)
    page.get_by_test_id("auth-expired").wait_for()
    assert page.get_by_test_id("waiting-count").inner_text() == "待上传 1 条"
    assert not Visit.objects.filter(recipient=person, service_date=start.date()).exists()
    shot(page, "10-sign-in-expired-visit-kept")
    page.get_by_role("link", name="重新登录后继续上传").click()
    page.wait_for_url("**/m/login/")
    page.get_by_test_id("login-waiting").filter(has_text="本机有 1 条服务记录等待上传").wait_for()
    page.fill("#id_username", DEMO_CAREGIVER_USERNAME)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/m/")
    page.locator("[data-testid=visit-row]", has_text=person.name).get_by_test_id("visit-state").filter(
        has_text=COUNTS
    ).wait_for()
    (visit,) = Visit.objects.filter(recipient=person, service_date=start.date())
    assert count_decision(visit).counts
    assert VisitPhoto.objects.filter(visit=visit).count() == 1


def test_the_phone_sign_in_goes_through_the_lockout_and_says_why_in_chinese(phone, live_server, settings, db):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    provider = ProviderFactory()
    make_user("wangfang", "caregiver", provider=provider, caregiver=CaregiverFactory(provider=provider))
    _context, page = phone
    page.goto(live_server.url + "/m/login/")
    page.fill("#id_username", "wangfang")
    statuses = []
    for password in ["wrong-1", "wrong-2", USER_PASSWORD]:  # the right one too, once locked
        page.fill("#id_password", password)
        with page.expect_response("**/api/v1/auth/token/") as answer:
            page.get_by_test_id("login-submit").click()
        statuses.append(answer.value.status)
    assert statuses == [400, 429, 429]  # the second failure locks the account; then even the right password
    locked = "登录失败次数过多：密码错误 2 次后，该账号在此地址已被锁定。"
    page.get_by_test_id("login-problem").filter(has_text=locked).wait_for()
    assert page.url.endswith("/m/login/")
    shot(page, "11-sign-in-locked")
