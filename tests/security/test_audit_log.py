"""The audit log records each kind of event with user, time, address and reason, and nobody, superusers
included, edits or deletes it: not in the admin, not through the ORM, and on PostgreSQL not in SQL."""

import datetime as dt

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


def test_a_role_grant_is_logged_with_the_scope_before_and_after(world, admin_user):
    user = world.users[Role.DISTRICT_OFFICIAL]
    role_grant(username=user.username, role=Role.AUDITOR, area_code="310115", acting_user=admin_user)
    event = events(Action.ROLE_CHANGED, object_type="accounts.roleassignment").latest("id")
    assert event.user == admin_user
    assert event.details["now"]["role"] == "auditor"
    assert event.details["now"]["area"] == world.foreign.area.pk
    assert event.details["before"]["role"] == "district_official"
    assert event.details["before"]["area"] == world.own.area.pk
    assert "auditor" in event.reason.lower() or event.reason


def test_a_role_changed_in_the_admin_is_logged_and_the_user_follows_the_role(world, admin_client):
    user = world.users[Role.AUDITOR]
    assignment = RoleAssignment.objects.get(user=user)
    response = admin_client.post(
        reverse("admin:accounts_roleassignment_change", args=[assignment.pk]),
        {"user": user.pk, "role": Role.ADMIN, "province": "", "area": "", "provider": "", "caregiver": ""},
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    event = events(Action.ROLE_CHANGED, object_id=str(assignment.pk)).latest("id")
    assert event.ip_address == "10.9.8.7"
    assert event.user.is_superuser
    assert event.details["now"]["role"] == "admin"


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete_of_audit_rows(db):
    event = audit_record(action=Action.LOGIN, username="someone")
    for statement in (
        "UPDATE core_auditevent SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_a_user_with_audit_entries_cannot_be_deleted(db):
    user = User.objects.create_user("leaver", password=PASSWORD)
    audit_record(action=Action.LOGIN, user=user)
    with pytest.raises(Exception, match="protected|Protected"):
        user.delete()
