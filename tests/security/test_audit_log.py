"""The audit log records each kind of event with user, time, address and reason, and nobody, superusers
included, edits, deletes or empties it: not in the admin, not through the ORM, and on PostgreSQL not in
SQL (UPDATE, DELETE, TRUNCATE). The role production connects as is tested in test_audit_log_role.py."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.accounts.services import role_grant
from eldercare.beds import services as bed_services
from eldercare.beds.models import WithdrawalReason
from eldercare.core.audit import audit_record, client_ip
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.visits import services as visit_services
from eldercare.visits.models import ReviewReasonCode
from tests.conftest import at

from .conftest import PASSWORD

Action = AuditEvent.Action


def events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def test_a_role_grant_is_logged_with_the_scope_before_and_after_and_the_reason(world, admin_user):
    user = world.users[Role.DISTRICT_OFFICIAL]
    reason = "京民发〔2023〕12号"
    role_grant(username=user.username, role=Role.AUDITOR, area_code="310115", acting_user=admin_user, reason=reason)
    event = events(Action.ROLE_CHANGED, object_type="accounts.roleassignment").latest("id")
    assert event.user == admin_user
    assert event.reason == reason
    assert event.details["now"]["role"] == "auditor"
    assert event.details["now"]["area"] == world.foreign.area.pk
    assert event.details["before"]["role"] == "district_official"
    assert event.details["before"]["area"] == world.own.area.pk


def test_the_grant_role_command_asks_for_the_reason_and_the_audit_log_keeps_it(world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="reason"):
        call_command("grant_role", "newcomer", "national_official")
    call_command("grant_role", "newcomer", "national_official", "--reason", "部里任命", stdout=io.StringIO())
    assert events(Action.ROLE_CHANGED, username="").latest("id").reason == "部里任命"


def test_a_role_changed_in_the_admin_asks_for_the_reason_and_is_logged_and_the_user_follows_the_role(
    world, admin_client
):
    user = world.users[Role.AUDITOR]
    assignment = RoleAssignment.objects.get(user=user)
    address = reverse("admin:accounts_roleassignment_change", args=[assignment.pk])
    form = {"user": user.pk, "role": Role.ADMIN, "province": "", "area": "", "provider": "", "caregiver": ""}
    refused = admin_client.post(address, form, REMOTE_ADDR="10.9.8.7")
    assert refused.status_code == 200 and "reason" in refused.context["adminform"].form.errors
    assert RoleAssignment.objects.get(pk=assignment.pk).role == Role.AUDITOR
    response = admin_client.post(address, form | {"reason": "接任系统管理员"}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    event = events(Action.ROLE_CHANGED, object_id=str(assignment.pk)).latest("id")
    assert event.ip_address == "10.9.8.7"
    assert event.user.is_superuser
    assert event.details["now"]["role"] == "admin"
    assert event.reason == "接任系统管理员"


def test_taking_a_role_away_in_the_admin_asks_for_the_reason(world, admin_client):
    assignment = RoleAssignment.objects.get(user=world.users[Role.AUDITOR])
    address = reverse("admin:accounts_roleassignment_delete", args=[assignment.pk])
    page = admin_client.get(address)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert admin_client.post(address, {"post": "yes"}).status_code == 302
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()  # no reason, no change
    assert admin_client.post(address, {"post": "yes", "reason": "调离审计岗位"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    event = events(Action.ROLE_CHANGED, object_id=str(assignment.pk)).latest("id")
    assert event.reason == "调离审计岗位" and event.user.is_superuser
    changelist = admin_client.get(reverse("admin:accounts_roleassignment_changelist"))
    assert "delete_selected" not in changelist.content.decode()  # one at a time, each with its reason


def test_an_export_request_keeps_its_purpose_in_the_audit_log(world):
    from eldercare.exports.services import export_request

    auditor = world.users[Role.AUDITOR]
    job = export_request(
        user=auditor,
        kind="visits",
        fmt="csv",
        scope_level="area",
        scope_code="110114",
        as_of=dt.date(2023, 8, 1),
        purpose="2023年度绩效评价",
        enqueue=False,
    )
    event = events(Action.EXPORT, object_id=str(job.pk)).get()
    assert (event.user, event.reason, event.details["stage"]) == (auditor, "2023年度绩效评价", "requested")


def test_visit_creation_change_and_voiding_are_logged_with_user_and_reason(world, time_machine):
    time_machine.move_to(at(dt.date(2023, 7, 5)))  # before the visit locks, 95 days after it
    staff = world.users[Role.PROVIDER_STAFF]
    visit = world.own.visit
    assert events(Action.CREATE, object_type="visits.visit", object_id=str(visit.pk)).exists()
    visit_services.visit_update(visit=visit, acting_user=staff, reason="补录满意度", satisfaction="satisfied")
    change = events(Action.CHANGE, object_type="visits.visit", object_id=str(visit.pk)).get()
    assert (change.user, change.reason) == (staff, "补录满意度")
    assert "satisfaction" in change.details["fields"]
    visit_services.visit_void(visit=visit, reason="重复录入", acting_user=staff)
    void = events(Action.VOID, object_id=str(visit.pk)).get()
    assert (void.user, void.reason) == (staff, "重复录入")


def test_a_review_of_an_exception_is_logged(world):
    official = world.users[Role.DISTRICT_OFFICIAL]
    code = ReviewReasonCode.objects.get(code="ok")
    visit_services.exceptions_resolve(
        exception_ids=[world.own.exception.pk],
        decision="accept",
        reason_code=code,
        note="电话核实",
        acting_user=official,
    )
    event = events(Action.REVIEW, object_type="visits.visitexception").get()
    assert event.user == official
    assert "ok" in event.reason


def test_bed_and_recipient_changes_are_logged_with_the_address_of_the_request(world):
    bed = world.own.bed
    staff = world.users[Role.PROVIDER_STAFF]
    bed_services.bed_withdraw(
        bed=bed, reason=WithdrawalReason.MOVED, withdrawn_on=dt.date(2023, 7, 20), acting_user=staff
    )
    assert events(Action.CHANGE, object_type="beds.familycarebed", object_id=str(bed.pk), user=staff).exists()

    recipient = world.own.recipient
    client = world.client_for(Role.PROVIDER_STAFF)
    from .test_personal_data import _change_phone

    before = AuditEvent.objects.count()
    _change_phone(world, "13600009999")
    event = events(Action.CHANGE, object_type="recipients.recipient", object_id=str(recipient.pk)).latest("id")
    assert AuditEvent.objects.count() > before
    assert event.user == staff and event.ip_address == "127.0.0.1"
    assert event.details["fields"] == ["phone"]
    assert client  # the admin request carried the address


def test_exports_are_recorded_through_the_stable_audit_record(world, rf):
    auditor = world.users[Role.AUDITOR]
    request = rf.get("/exports/1/download/", REMOTE_ADDR="192.0.2.8")
    request.user = auditor
    event = audit_record(action="export", request=request, details={"kind": "visits", "masked": ["resident_id"]})
    assert (event.user, event.username, event.ip_address) == (auditor, auditor.username, "192.0.2.8")
    assert event.details["masked"] == ["resident_id"]


def test_a_failed_login_keeps_the_name_tried_and_the_address(world):
    Client().post("/admin/login/", {"username": "nobody-here", "password": "guess"}, REMOTE_ADDR="198.51.100.4")
    event = events(Action.LOGIN_FAILED).get()
    assert (event.username, event.ip_address, event.user) == ("nobody-here", "198.51.100.4", None)


def test_client_addresses_trust_only_the_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what our proxy saw, not what the client claimed


def test_the_audit_log_admin_is_read_only_for_superusers_too(world, admin_client):
    event = audit_record(action=Action.EXPORT, user=world.users[Role.AUDITOR], reason="年度审计")
    changelist = admin_client.get(reverse("admin:core_auditevent_changelist"), {"q": "年度审计"})
    assert changelist.status_code == 200
    assert event in changelist.context["cl"].queryset
    assert "delete_selected" not in changelist.content.decode()
    assert admin_client.get(reverse("admin:core_auditevent_changelist"), {"action__exact": "export"}).status_code == 200
    assert admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    page = admin_client.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    posted = admin_client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {"reason": "改了"})
    assert posted.status_code == 403
    assert (
        admin_client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    event.refresh_from_db()
    assert event.reason == "年度审计"


def test_nationwide_auditors_read_the_audit_log_and_officials_do_not(world):
    auditor = role_grant(username="national-auditor", role=Role.AUDITOR, password=PASSWORD).user
    client = Client()
    client.force_login(auditor)
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    for role in (Role.NATIONAL_OFFICIAL, Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.PROVIDER_STAFF):
        assert world.client_for(role).get(reverse("admin:core_auditevent_changelist")).status_code == 403, role


def test_the_orm_refuses_to_change_or_delete_an_entry(db):
    event = audit_record(action=Action.LOGIN, username="someone")
    event.reason = "tampered"
    with pytest.raises(DomainError):
        event.save()
    with pytest.raises(DomainError):
        event.delete()
    with pytest.raises(DomainError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(DomainError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers exist on PostgreSQL only")
def test_postgresql_refuses_update_delete_and_truncate_of_audit_rows_to_a_superuser_too(db):
    event = audit_record(action=Action.LOGIN, username="someone")
    for statement in (
        "UPDATE core_auditevent SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
        "TRUNCATE core_auditevent",
        "TRUNCATE core_auditevent, auth_user CASCADE",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            # The test settings let a superuser's session empty every table between tests: not here.
            cursor.execute("SET LOCAL eldercare.allow_audit_truncate = off")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # this test's own inserts: check their keys now
            cursor.execute(statement, [event.pk] if "%s" in statement else None)
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers exist on PostgreSQL only")
def test_only_a_superuser_session_that_says_so_may_empty_the_audit_log(db):
    """What the test database's flush does between transactional tests; a superuser could drop the trigger anyway."""
    audit_record(action=Action.LOGIN, username="someone")
    with pytest.raises(RuntimeError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL eldercare.allow_audit_truncate = on")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE core_auditevent")
        assert not AuditEvent.objects.exists()
        raise RuntimeError("roll back")
    assert AuditEvent.objects.exists()


def test_a_user_with_audit_entries_cannot_be_deleted(db):
    user = User.objects.create_user("leaver", password=PASSWORD)
    audit_record(action=Action.LOGIN, user=user)
    with pytest.raises(Exception, match="protected|Protected"):
        user.delete()
