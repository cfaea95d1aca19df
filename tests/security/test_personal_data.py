"""Resident ID and phone numbers: masked in lists, change pages and history unless the role needs them
whole; revealing one is an explicit, logged act."""

import pytest
from django.urls import reverse

from eldercare.accounts.masking import may_see_full_numbers
from eldercare.accounts.models import Role
from eldercare.core.masking import mask_phone, mask_resident_id
from eldercare.core.models import AuditEvent

from .conftest import PASSWORD  # noqa: F401

PHONE, GUARDIAN_PHONE = "13812345678", "13987654321"


def test_numbers_are_masked_in_the_usual_chinese_way():
    assert mask_resident_id("110108194503081234") == "110108********1234"
    assert mask_resident_id("11010819450308123X") == "110108********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-62345678") == "010*****5678"
    assert mask_phone("") == mask_resident_id(None) == ""
    assert mask_phone("12345") == "*****"


def test_only_administrators_and_the_persons_own_provider_see_full_numbers(world, admin_user):
    recipient = world.own.recipient
    assert may_see_full_numbers(admin_user, recipient)
    assert may_see_full_numbers(world.users[Role.PROVIDER_STAFF], recipient)
    assert not may_see_full_numbers(world.users[Role.PROVIDER_STAFF], world.foreign.recipient)
    for role in (Role.NATIONAL_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DISTRICT_OFFICIAL, Role.AUDITOR):
        assert not may_see_full_numbers(world.users[role], recipient), role


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.PROVIDER_STAFF, Role.NATIONAL_OFFICIAL])
def test_the_recipient_list_shows_masked_numbers_only(world, role):
    recipient = world.own.recipient
    content = world.client_for(role).get(reverse("admin:recipients_recipient_changelist")).content.decode()
    assert recipient.name in content
    assert mask_resident_id(recipient.resident_id) in content
    assert recipient.resident_id not in content


def test_the_caregiver_list_masks_phone_numbers(world):
    content = world.client_for(Role.DISTRICT_OFFICIAL).get(reverse("admin:providers_caregiver_changelist"))
    content = content.content.decode()
    assert world.own.caregiver.name in content
    assert world.own.caregiver.phone not in content
    assert mask_phone(world.own.caregiver.phone) in content


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.NATIONAL_OFFICIAL])
def test_officials_and_auditors_see_masked_numbers_on_the_change_page(world, role):
    recipient = world.own.recipient
    response = world.client_for(role).get(reverse("admin:recipients_recipient_change", args=[recipient.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    for number in (recipient.resident_id, PHONE, GUARDIAN_PHONE):
        assert number not in content, number
    assert mask_resident_id(recipient.resident_id) in content
    assert mask_phone(PHONE) in content
    assert reverse("admin:recipients_recipient_reveal", args=[recipient.pk, "resident_id"]) in content


def test_the_own_provider_edits_the_full_numbers(world):
    recipient = world.own.recipient
    response = world.client_for(Role.PROVIDER_STAFF).get(
        reverse("admin:recipients_recipient_change", args=[recipient.pk])
    )
    form = response.context["adminform"].form
    assert {"resident_id", "phone", "guardian_phone"} <= set(form.fields)
    assert recipient.resident_id in response.content.decode()


def test_a_number_an_official_cannot_see_cannot_be_changed_by_them_either(world):
    # An official may not change recipients at all; the form has no number field to post to.
    recipient = world.own.recipient
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    response = client.post(reverse("admin:recipients_recipient_change", args=[recipient.pk]), {"phone": "1"})
    assert response.status_code == 403
    recipient.refresh_from_db()
    assert recipient.phone == PHONE


def _change_phone(world, new_phone):
    """The own provider changes the phone number through the admin, as it would."""
    recipient = world.own.recipient
    client = world.client_for(Role.PROVIDER_STAFF)
    page = client.get(reverse("admin:recipients_recipient_change", args=[recipient.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"phone": new_phone, "area": recipient.area_id, "provider": recipient.provider_id})
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for index, inline_form in enumerate(formset.formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{formset.formset.prefix}-{index}-{name}"] = "" if value is None else value
    response = client.post(reverse("admin:recipients_recipient_change", args=[recipient.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return recipient


def test_history_pages_mask_old_and_new_numbers(world):
    recipient = _change_phone(world, "13600001234")
    history = world.client_for(Role.DISTRICT_OFFICIAL).get(
        reverse("admin:recipients_recipient_history", args=[recipient.pk])
    )
    content = history.content.decode()
    assert history.status_code == 200
    assert "13600001234" not in content and PHONE not in content
    assert mask_phone("13600001234") in content
    version = recipient.history.order_by("history_id").first().history_id
    old = world.client_for(Role.DISTRICT_OFFICIAL).get(
        reverse("admin:recipients_recipient_simple_history", args=[recipient.pk, version])
    )
    assert old.status_code == 200
    assert recipient.resident_id not in old.content.decode()
    assert PHONE not in old.content.decode()


def test_revealing_a_number_needs_a_reason_and_is_logged(world):
    recipient = world.own.recipient
    official = world.users[Role.DISTRICT_OFFICIAL]
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    address = reverse("admin:recipients_recipient_reveal", args=[recipient.pk, "resident_id"])
    asked = client.get(address)
    assert asked.status_code == 200 and recipient.resident_id not in asked.content.decode()
    refused = client.post(address, {"reason": ""})
    assert recipient.resident_id not in refused.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()

    shown = client.post(address, {"reason": "核对身份证复印件"}, REMOTE_ADDR="10.1.2.3")
    assert recipient.resident_id in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert (event.user, event.reason, event.ip_address) == (official, "核对身份证复印件", "10.1.2.3")
    assert (event.object_type, event.object_id, event.details) == (
        "recipients.recipient",
        str(recipient.pk),
        {"field": "resident_id"},
    )
    assert recipient.resident_id not in event.object_repr


def test_a_number_outside_the_scope_cannot_be_revealed(world):
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    foreign = world.foreign.recipient
    address = reverse("admin:recipients_recipient_reveal", args=[foreign.pk, "resident_id"])
    assert client.post(address, {"reason": "好奇想看看"}).status_code == 404
    assert (
        client.get(reverse("admin:recipients_recipient_reveal", args=[world.own.recipient.pk, "name"])).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()
