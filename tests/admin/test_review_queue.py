"""The review queue, fee confirmation and voiding in the admin, and re-checks after a recipient changes."""

import datetime as dt

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eldercare.accounts.models import RoleAssignment
from eldercare.recipients.models import CapabilityAssessment, EconomicCategory, Recipient
from eldercare.rollups.models import RecipientProgress
from eldercare.visits import services
from eldercare.visits.models import ExceptionType, ReviewReasonCode, Visit, VisitException
from eldercare.visits.verification import count_decision
from tests.conftest import at, north_of
from tests.factories import AssessmentFactory, CaregiverFactory, RecipientFactory, ServiceCategoryFactory

DAY = dt.date(2023, 8, 1)
QUEUE = reverse("admin:visits_visitexception_changelist")
VISITS = reverse("admin:visits_visit_changelist")


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    """Visits are logged the day after they happen, inside the 2023-07-01 – 2024-06-30 cycle."""
    time_machine.move_to(at(dt.date(2023, 8, 2), 10))


@pytest.fixture
def client(admin_client):
    """A superuser reading the admin in English, so messages can be checked word for word."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def accept_code(db):
    return ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")


@pytest.fixture
def void_code(db):
    return ReviewReasonCode.objects.create(code="V01", label="服务未实际提供", decision="void")


@pytest.fixture
def far_visit(log_visit, recipient):
    """A visit checked in 800 m from home (a warning), on the given day."""

    def make(day=DAY, **overrides):
        return log_visit(start=at(day), checkin_latitude=north_of(recipient.home_latitude, 800), **overrides)

    return make


def exception_of(visit, exception_type=ExceptionType.FAR_CHECKIN) -> VisitException:
    return VisitException.objects.get(visit=visit, type=exception_type)


def listed(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


def action_post(action: str, objects, **data) -> dict:
    return {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **data}


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- The queue ---------------------------------------------------------------------------------------


def test_the_review_queue_lists_only_open_exceptions_by_default(client, far_visit, accept_code, admin_user):
    open_one = exception_of(far_visit(DAY))
    resolved = exception_of(far_visit(DAY - dt.timedelta(days=1)))
    services.exceptions_resolve(
        exception_ids=[resolved.pk], decision="accept", reason_code=accept_code, acting_user=admin_user
    )
    assert listed(client.get(QUEUE)) == {open_one.pk}
    assert listed(client.get(QUEUE, {"status": "accepted"})) == {resolved.pk}
    assert listed(client.get(QUEUE, {"status": "all"})) == {open_one.pk, resolved.pk}


def test_the_review_queue_filters_by_type_area_provider_and_entry_age(
    client, far_visit, log_visit, time_machine, admin_user
):
    near_home = exception_of(far_visit(DAY))
    elsewhere = RecipientFactory()  # another area and another provider
    AssessmentFactory(recipient=elsewhere)
    long_visit = log_visit(
        start=at(DAY),
        minutes=9 * 60,
        recipient=elsewhere,
        provider=elsewhere.provider,
        caregiver=CaregiverFactory(provider=elsewhere.provider),
        checkin_latitude=elsewhere.home_latitude,
        checkin_longitude=elsewhere.home_longitude,
    )
    too_long = exception_of(long_visit, ExceptionType.TOO_LONG)
    assert listed(client.get(QUEUE)) == {near_home.pk, too_long.pk}
    assert listed(client.get(QUEUE, {"type": "too_long"})) == {too_long.pk}
    assert listed(client.get(QUEUE, {"area": near_home.area_id})) == {near_home.pk}
    assert listed(client.get(QUEUE, {"provider": too_long.provider_id})) == {too_long.pk}
    assert listed(client.get(QUEUE, {"severity": "blocking"})) == set()
    time_machine.move_to(at(dt.date(2023, 9, 15)))
    client.force_login(admin_user)  # the session has expired meanwhile
    assert listed(client.get(QUEUE, {"age": "lt7"})) == set()
    assert listed(client.get(QUEUE, {"age": "gt30"})) == {near_home.pk, too_long.pk}


def test_the_review_queue_is_searched_by_recipient_name_or_visit_number(client, far_visit, recipient):
    exception = exception_of(far_visit())
    assert listed(client.get(QUEUE, {"q": recipient.name})) == {exception.pk}
    assert listed(client.get(QUEUE, {"q": f"#{exception.visit_id}"})) == {exception.pk}
    assert listed(client.get(QUEUE, {"q": str(exception.visit_id + 1000)})) == set()


# --- Resolving from the queue --------------------------------------------------------------------------


def test_an_action_first_shows_a_form_offering_only_the_codes_of_its_decision(
    client, far_visit, accept_code, void_code
):
    exception = exception_of(far_visit())
    response = client.post(QUEUE, action_post("accept_exceptions", [exception], index=0))
    assert response.status_code == 200
    assert list(response.context["form"].fields["reason_code"].queryset) == [accept_code]
    assert exception.visit.recipient.name in response.content.decode()
    exception.refresh_from_db()
    assert exception.status == "open"


def test_bulk_accepting_two_warnings_resolves_both_and_the_visits_then_count(
    client, far_visit, accept_code, recipient, django_capture_on_commit_callbacks
):
    visits = [far_visit(DAY - dt.timedelta(days=1)), far_visit(DAY)]
    exceptions = [exception_of(visit) for visit in visits]
    assert not any(count_decision(visit).counts for visit in visits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            QUEUE,
            action_post("accept_exceptions", exceptions, apply="1", reason_code=accept_code.pk, note="已电话回访"),
            follow=True,
        )
    assert "2 exceptions resolved." in texts(response)
    for exception in exceptions:
        exception.refresh_from_db()
        assert (exception.status, exception.reason_code, exception.resolution_note) == (
            "accepted",
            accept_code,
            "已电话回访",
        )
        assert exception.resolved_by.is_superuser
    assert all(count_decision(visit).counts for visit in visits)
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 2


def test_accepting_a_blocking_exception_acknowledges_it_and_the_visit_still_does_not_count(
    client, log_visit, accept_code
):
    visit = log_visit(start=at(DAY), minutes=20)
    exception = exception_of(visit, ExceptionType.TOO_SHORT)
    client.post(QUEUE, action_post("accept_exceptions", [exception], apply="1", reason_code=accept_code.pk))
    exception.refresh_from_db()
    assert exception.status == "acknowledged"
    assert not count_decision(visit).counts


def test_the_void_action_voids_the_visit_with_the_codes_label_in_the_reason(client, far_visit, void_code):
    visit = far_visit()
    exception = exception_of(visit)
    response = client.post(
        QUEUE, action_post("void_exceptions", [exception], apply="1", reason_code=void_code.pk, note="家属确认")
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    exception.refresh_from_db()
    assert (visit.status, exception.status) == ("voided", "voided")
    assert "服务未实际提供" in visit.void_reason and "家属确认" in visit.void_reason
    assert visit.voided_by.is_superuser


def test_a_reason_code_of_the_other_decision_shows_a_form_error_and_changes_nothing(client, far_visit, void_code):
    visit = far_visit()
    exception = exception_of(visit)
    response = client.post(QUEUE, action_post("accept_exceptions", [exception], apply="1", reason_code=void_code.pk))
    assert response.status_code == 200
    assert "reason_code" in response.context["form"].errors
    exception.refresh_from_db()
    visit.refresh_from_db()
    assert (exception.status, exception.reason_code, visit.status) == ("open", None, "completed")


def test_an_exception_resolved_already_is_reported_as_refused(client, far_visit, accept_code, admin_user):
    exception = exception_of(far_visit())
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=accept_code, acting_user=admin_user
    )
    response = client.post(
        QUEUE + "?status=all",
        action_post("accept_exceptions", [exception], apply="1", reason_code=accept_code.pk),
        follow=True,
    )
    assert "0 exceptions resolved." in texts(response)
    assert any(f"#{exception.pk} is already" in text for text in texts(response))


def test_the_exception_page_is_read_only_shows_why_the_visit_does_not_count_and_links_to_it(client, far_visit):
    exception = exception_of(far_visit())
    url = reverse("admin:visits_visitexception_change", args=[exception.pk])
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert not response.context["has_change_permission"]
    assert not response.context["has_delete_permission"]
    assert 'name="_save"' not in content
    assert reverse("admin:visits_visitexception_delete", args=[exception.pk]) not in content
    assert reverse("admin:visits_visit_change", args=[exception.visit_id]) in content
    assert "Check-in far from the home" in content  # the count decision's reason
    assert client.post(url, {"status": "accepted"}).status_code == 403
    assert client.post(reverse("admin:visits_visitexception_delete", args=[exception.pk])).status_code == 403
    assert client.get(reverse("admin:visits_visitexception_add")).status_code == 403
    exception.refresh_from_db()
    assert exception.status == "open"


def test_a_reason_code_once_used_cannot_be_deleted_nor_recoded(client, far_visit, accept_code, admin_user):
    unused = ReviewReasonCode.objects.create(code="A02", label="照片核实", decision="accept")
    assert client.get(reverse("admin:visits_reviewreasoncode_delete", args=[unused.pk])).status_code == 200
    services.exceptions_resolve(
        exception_ids=[exception_of(far_visit()).pk], decision="accept", reason_code=accept_code, acting_user=admin_user
    )
    assert client.get(reverse("admin:visits_reviewreasoncode_delete", args=[accept_code.pk])).status_code == 403
    response = client.get(reverse("admin:visits_reviewreasoncode_change", args=[accept_code.pk]))
    assert set(response.context["adminform"].form.fields) == {"label", "is_active"}


def test_only_administrators_edit_reason_codes(client, accept_code):
    official = User.objects.create_user("official", password="a-long-password", is_staff=True)
    official.user_permissions.set(Permission.objects.filter(codename__endswith="reviewreasoncode"))
    RoleAssignment.objects.create(user=official, role="national_official")
    client.force_login(official)
    response = client.get(reverse("admin:visits_reviewreasoncode_change", args=[accept_code.pk]))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.get(reverse("admin:visits_reviewreasoncode_add")).status_code == 403


# --- Fee confirmation and voiding of visits ----------------------------------------------------------------


def visit_change_data(visit: Visit) -> dict:
    return {
        "recipient": visit.recipient_id,
        "provider": visit.provider_id,
        "caregiver": visit.caregiver_id,
        "category": visit.category_id,
        "started_at_0": "2023-08-01",
        "started_at_1": "09:00:00",
        "ended_at_0": "2023-08-01",
        "ended_at_1": "10:30:00",
        "checkin_latitude": str(visit.checkin_latitude),
        "checkin_longitude": str(visit.checkin_longitude),
        "change_reason": "longer than logged",
    }


def test_confirming_fees_locks_the_visits_and_a_second_run_confirms_none(client, log_visit):
    visits = [log_visit(start=at(DAY - dt.timedelta(days=1))), log_visit(start=at(DAY))]
    response = client.post(VISITS, action_post("confirm_fees", visits, index=0), follow=True)
    assert "2 visits confirmed and locked; 0 skipped (already confirmed or voided)." in texts(response)
    for visit in visits:
        visit.refresh_from_db()
        assert visit.fee_confirmed_at is not None and visit.fee_confirmed_by.is_superuser
        assert services.visit_is_locked(visit)
    again = client.post(VISITS, action_post("confirm_fees", visits, index=0), follow=True)
    assert "0 visits confirmed and locked; 2 skipped (already confirmed or voided)." in texts(again)
    change = client.post(reverse("admin:visits_visit_change", args=[visits[0].pk]), visit_change_data(visits[0]))
    assert change.status_code == 403
    visits[0].refresh_from_db()
    assert visits[0].duration_minutes == 60


def test_provider_staff_cannot_confirm_fees(client, log_visit, recipient):
    visit = log_visit(start=at(DAY))
    staff = User.objects.create_user("provider-staff", password="a-long-password", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_visit", "change_visit"]))
    RoleAssignment.objects.create(user=staff, role="provider_staff", provider=recipient.provider)
    client.force_login(staff)
    response = client.get(VISITS)
    offered = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "void_visits" in offered and "confirm_fees" not in offered
    client.post(VISITS, action_post("confirm_fees", [visit], index=0))
    visit.refresh_from_db()
    assert visit.fee_confirmed_at is None


def test_the_void_action_asks_for_a_reason_and_works_on_a_locked_visit(client, log_visit, admin_user):
    visit = log_visit(start=at(DAY))
    services.visits_confirm_fees(visit_ids=[visit.pk], acting_user=admin_user)
    missing = client.post(VISITS, action_post("void_visits", [visit], apply="1", reason=" "))
    assert missing.status_code == 200
    assert "reason" in missing.context["form"].errors
    response = client.post(VISITS, action_post("void_visits", [visit], apply="1", reason="重复录入"), follow=True)
    assert "1 visit voided." in texts(response)
    visit.refresh_from_db()
    assert (visit.status, visit.void_reason) == ("voided", "重复录入")
    assert visit.history.filter(history_change_reason="重复录入").exists()
    again = client.post(VISITS, action_post("void_visits", [visit], apply="1", reason="再次"), follow=True)
    assert "0 visits voided." in texts(again)
    assert any(f"#{visit.pk}" in text for text in texts(again))


def test_the_void_button_of_a_locked_visit_voids_it(client, log_visit, admin_user):
    visit = log_visit(start=at(DAY))
    services.visits_confirm_fees(visit_ids=[visit.pk], acting_user=admin_user)
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    void_url = reverse("admin:visits_visit_void", kwargs={"pk": visit.pk})
    assert void_url in page.content.decode()
    assert client.post(void_url, {"reason": ""}).status_code == 200
    response = client.post(void_url, {"reason": "老人住院，未提供服务"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.void_reason) == ("voided", "老人住院，未提供服务")
    assert void_url not in client.get(reverse("admin:visits_visit_change", args=[visit.pk])).content.decode()
    assert client.post(void_url, {"reason": "again"}).status_code == 403


def test_the_visit_page_shows_whether_it_counts_its_lock_and_its_exceptions(client, far_visit, log_visit):
    flagged = far_visit()
    content = client.get(reverse("admin:visits_visit_change", args=[flagged.pk])).content.decode()
    exception = exception_of(flagged)
    assert reverse("admin:visits_visitexception_change", args=[exception.pk]) in content
    assert exception.detail in content
    assert "Counts toward the person-time" in content and "Check-in far from the home" in content
    assert "icon-no.svg" in content  # not locked
    fine = log_visit(start=at(DAY - dt.timedelta(days=1)))
    response = client.get(reverse("admin:visits_visit_change", args=[fine.pk]))
    assert response.status_code == 200
    assert count_decision(fine).counts


# --- Recipients: changes that re-check eligibility ---------------------------------------------------------


def current_form_data(response) -> dict:
    """What the browser would post back unchanged: the main form, every inline and the management forms."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_an_assessment_added_through_the_recipient_inline_flags_a_later_visit(
    client, log_visit, recipient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = log_visit(start=at(DAY))
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 1
    url = reverse("admin:recipients_recipient_change", args=[recipient.pk])
    data = current_form_data(client.get(url))
    data.update(
        {
            "assessments-TOTAL_FORMS": "2",
            "assessments-1-assessed_on": "2023-07-15",
            "assessments-1-level": "intact",
            "assessments-1-assessor_name": "评估员乙",
            "assessments-1-recipient": recipient.pk,
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CapabilityAssessment.objects.filter(recipient=recipient).count() == 2
    assert exception_of(visit, ExceptionType.NOT_ELIGIBLE).status == "open"
    assert not count_decision(visit).counts
    assert RecipientProgress.objects.get(recipient=recipient).counted_visits == 0


def test_an_assessment_moved_to_a_later_day_in_the_inline_rechecks_from_its_old_day(client, log_visit, recipient):
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 7, 15), level="intact")
    visit = log_visit(start=at(DAY))
    assert exception_of(visit, ExceptionType.NOT_ELIGIBLE).status == "open"
    url = reverse("admin:recipients_recipient_change", args=[recipient.pk])
    data = current_form_data(client.get(url))
    moved = next(key for key, value in data.items() if key.endswith("assessed_on") and value == dt.date(2023, 7, 15))
    data[moved] = "2023-08-15"  # now after the visit: the visit falls under the earlier, severe assessment
    assert client.post(url, data).status_code == 302
    assert exception_of(visit, ExceptionType.NOT_ELIGIBLE).status == "cleared"
    assert count_decision(visit).counts


def test_a_changed_economic_category_rechecks_the_recipients_visits(client, log_visit, recipient):
    visit = log_visit(start=at(DAY))
    url = reverse("admin:recipients_recipient_change", args=[recipient.pk])
    data = current_form_data(client.get(url))
    data["economic_category"] = EconomicCategory.NONE
    assert client.post(url, data).status_code == 302
    assert Recipient.objects.get(pk=recipient.pk).economic_category == EconomicCategory.NONE
    assert exception_of(visit, ExceptionType.NOT_ELIGIBLE).status == "open"


def test_an_assessment_changed_in_its_own_admin_rechecks_from_the_earlier_day(client, log_visit, recipient):
    visit = log_visit(start=at(DAY))
    assessment = recipient.assessments.get()
    url = reverse("admin:recipients_capabilityassessment_change", args=[assessment.pk])
    data = current_form_data(client.get(url))
    data["level"] = "intact"
    assert client.post(url, data).status_code == 302
    assert exception_of(visit, ExceptionType.NOT_ELIGIBLE).status == "open"
    data["level"] = "complete"
    assert client.post(url, data).status_code == 302
    assert exception_of(visit, ExceptionType.NOT_ELIGIBLE).status == "cleared"
    assert count_decision(visit).counts


def test_the_review_queue_makes_the_same_number_of_queries_for_one_row_or_many(client, far_visit):
    far_visit(DAY)
    client.get(QUEUE)  # warm up sessions and content types
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for offset in range(1, 8):
        far_visit(DAY - dt.timedelta(days=offset))
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    assert len(listed(response)) == VisitException.objects.filter(status="open").count() >= 8
    assert len(many) == len(few)


def test_a_district_official_resolves_the_exceptions_of_their_area_only(client, far_visit, accept_code, recipient):
    exception = exception_of(far_visit())
    official = User.objects.create_user("district", password="a-long-password", is_staff=True)
    RoleAssignment.objects.create(user=official, role="district_official", area=recipient.area)
    other = User.objects.create_user("elsewhere", password="a-long-password", is_staff=True)
    RoleAssignment.objects.create(user=other, role="district_official", area=RecipientFactory().area)
    client.force_login(other)
    assert listed(client.get(QUEUE)) == set()
    client.post(QUEUE, action_post("accept_exceptions", [exception], apply="1", reason_code=accept_code.pk))
    exception.refresh_from_db()
    assert exception.status == "open"
    client.force_login(official)
    assert listed(client.get(QUEUE)) == {exception.pk}
    client.post(QUEUE, action_post("accept_exceptions", [exception], apply="1", reason_code=accept_code.pk))
    exception.refresh_from_db()
    assert (exception.status, exception.resolved_by) == ("accepted", official)


def test_a_district_official_confirms_fees_but_cannot_edit_the_visit(client, log_visit, recipient):
    visit = log_visit(start=at(DAY))
    official = User.objects.create_user("district", password="a-long-password", is_staff=True)
    RoleAssignment.objects.create(user=official, role="district_official", area=recipient.area)
    client.force_login(official)
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = client.post(VISITS, action_post("confirm_fees", [visit], index=0), follow=True)
    assert "1 visit confirmed and locked; 0 skipped (already confirmed or voided)." in texts(response)
    visit.refresh_from_db()
    assert visit.fee_confirmed_by == official


# --- Warnings and blocking apart, entry age, columns, wording ------------------------------------------------


@pytest.fixture
def warning_and_blocking(far_visit, log_visit):
    """A far check-in (a warning) and a 20-minute visit (blocking), both open."""
    warning = exception_of(far_visit(DAY))
    blocking = exception_of(log_visit(start=at(DAY - dt.timedelta(days=1)), minutes=20), ExceptionType.TOO_SHORT)
    return warning, blocking


def tabs(response) -> dict[str, tuple[int, bool]]:
    return {tab["severity"]: (tab["count"], tab["selected"]) for tab in response.context["queue_tabs"]}


def test_the_queue_opens_on_the_warnings_and_keeps_blocking_exceptions_under_their_own_tab(
    client, warning_and_blocking
):
    warning, blocking = warning_and_blocking
    response = client.get(QUEUE)
    assert listed(response) == {warning.pk}
    assert tabs(response) == {"warning": (1, True), "blocking": (1, False)}
    assert "reason code, the visit counts" in response.context["queue_hint"]
    blocking_tab = client.get(QUEUE, {"severity": "blocking"})
    assert listed(blocking_tab) == {blocking.pk}
    assert tabs(blocking_tab) == {"warning": (1, False), "blocking": (1, True)}
    assert "no reviewer may waive" in blocking_tab.context["queue_hint"]
    assert listed(client.get(QUEUE, {"severity": "all"})) == {warning.pk, blocking.pk}
    page = response.content.decode()
    assert 'data-testid="tab-blocking"' in page and "severity=blocking" in page


def test_a_tab_keeps_the_other_filters_and_counts_only_what_the_user_may_see(client, warning_and_blocking, recipient):
    warning, _blocking = warning_and_blocking
    response = client.get(QUEUE, {"severity": "blocking", "type": "too_short", "p": "2"})
    urls = {tab["severity"]: tab["url"] for tab in response.context["queue_tabs"]}
    assert "type=too_short" in urls["warning"] and "severity=warning" in urls["warning"] and "p=" not in urls["warning"]
    other = User.objects.create_user("elsewhere", password="a-long-password", is_staff=True)
    RoleAssignment.objects.create(user=other, role="district_official", area=RecipientFactory().area)
    client.force_login(other)
    assert tabs(client.get(QUEUE)) == {"warning": (0, True), "blocking": (0, False)}


def test_the_queue_shows_how_long_ago_each_visit_was_entered_and_sorts_by_it(
    client, far_visit, time_machine, admin_user
):
    older = exception_of(far_visit(DAY - dt.timedelta(days=1)))
    time_machine.move_to(at(dt.date(2023, 8, 5), 10))
    newer = exception_of(far_visit(DAY))
    time_machine.move_to(at(dt.date(2023, 8, 12), 11))
    client.force_login(admin_user)
    response = client.get(QUEUE, {"o": "6"})  # the entry-age column, oldest entry first
    admin = response.context["cl"].model_admin
    assert [row.pk for row in response.context["cl"].result_list] == [older.pk, newer.pk]
    assert [row.pk for row in client.get(QUEUE, {"o": "-6"}).context["cl"].result_list] == [newer.pk, older.pk]
    assert admin.entered_ago(older) == "10 days ago" and admin.entered_ago(newer) == "7 days ago"
    assert listed(client.get(QUEUE, {"age": "7-30"})) == {older.pk, newer.pk}
    assert listed(client.get(QUEUE, {"age": "lt7"})) == set()


def test_the_columns_fit_the_user_s_scope_and_tab(client, warning_and_blocking, recipient):
    admin_columns = client.get(QUEUE).context["cl"].list_display
    assert "where" in admin_columns and "status" not in admin_columns and "severity" not in admin_columns
    everything = client.get(QUEUE, {"severity": "all", "status": "all"}).context["cl"].list_display
    assert {"severity", "status"} <= set(everything)
    official = User.objects.create_user("district", password="a-long-password", is_staff=True)
    RoleAssignment.objects.create(user=official, role="district_official", area=recipient.area)
    client.force_login(official)
    assert "where" not in client.get(QUEUE).context["cl"].list_display


def test_reason_codes_read_as_what_they_mean(client, far_visit, accept_code, admin_user):
    exception = exception_of(far_visit())
    form_page = client.post(QUEUE, action_post("accept_exceptions", [exception], index=0))
    offered = [label for _value, label in form_page.context["form"].fields["reason_code"].choices if _value]
    assert offered == ["电话回访核实"]
    services.exceptions_resolve(
        exception_ids=[exception.pk], decision="accept", reason_code=accept_code, acting_user=admin_user
    )
    page = client.get(reverse("admin:visits_visitexception_change", args=[exception.pk])).content.decode()
    visit_page = client.get(reverse("admin:visits_visit_change", args=[exception.visit_id])).content.decode()
    for content in (page, visit_page):
        assert "电话回访核实" in content and "A01 ·" not in content


def test_a_page_that_cannot_change_the_visit_asks_for_no_change_reason(client, log_visit, admin_user):
    open_visit = log_visit(start=at(DAY))
    editable = client.get(reverse("admin:visits_visit_change", args=[open_visit.pk])).content.decode()
    assert 'name="change_reason"' in editable
    services.visits_confirm_fees(visit_ids=[open_visit.pk], acting_user=admin_user)
    locked = client.get(reverse("admin:visits_visit_change", args=[open_visit.pk])).content.decode()
    assert "change_reason" not in locked and "Change reason" not in locked
    assert "Counts toward the person-time:" in locked and "?:" not in locked


def visit_add_data(recipient, caregiver, category, *, minutes=60) -> dict:
    end = (dt.datetime(2023, 8, 1, 9, 0) + dt.timedelta(minutes=minutes)).strftime("%H:%M:%S")
    return {
        "recipient": recipient.pk,
        "provider": recipient.provider_id,
        "caregiver": caregiver.pk,
        "category": category.pk,
        "started_at_0": "2023-08-01",
        "started_at_1": "09:00:00",
        "ended_at_0": "2023-08-01",
        "ended_at_1": end,
        "checkin_latitude": str(recipient.home_latitude),
        "checkin_longitude": str(recipient.home_longitude),
    }


def test_saving_a_visit_says_whether_it_counts_and_if_not_why(client, recipient, caregiver):
    category = ServiceCategoryFactory()
    add = reverse("admin:visits_visit_add")
    counted = client.post(add, visit_add_data(recipient, caregiver, category), follow=True)
    assert f"This visit counts toward {recipient.name}’s person-time." in texts(counted)
    again = client.post(add, visit_add_data(recipient, caregiver, category, minutes=20), follow=True)
    message = next(text for text in texts(again) if "does not count" in text)
    assert recipient.name in message and "Shorter than the minimum length" in message
    levels = [m.level_tag for m in again.context["messages"]]
    assert "warning" in levels


def test_a_visit_logged_from_the_provider_s_home_goes_back_there(client, recipient, caregiver):
    category = ServiceCategoryFactory()
    url = (
        reverse("admin:visits_visit_add")
        + f"?provider={recipient.provider_id}&recipient={recipient.pk}&back=provider-home"
    )
    form = client.get(url)
    assert form.context["adminform"].form.initial["recipient"] == str(recipient.pk)
    response = client.post(url, visit_add_data(recipient, caregiver, category))
    assert response.status_code == 302 and response.url == reverse("providers:home")
