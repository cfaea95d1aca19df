"""Model permissions follow the role, and the demo users of `ensure_demo_admin` can use the admin
within their scope."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from eldercare.accounts.management.commands.ensure_demo_admin import DEMO_PASSWORD
from eldercare.accounts.models import Role
from eldercare.accounts.scoping import can_write
from tests.factories import CountyFactory, PilotAreaFactory, ProviderFactory, RecipientFactory

PERMISSIONS = {
    # role: (may add recipients, may change visits' records, may review exceptions, may change areas' money)
    Role.NATIONAL_OFFICIAL: (False, False, True, True),
    Role.PROVINCIAL_OFFICIAL: (False, False, True, True),
    Role.DISTRICT_OFFICIAL: (False, False, True, True),
    Role.STREET_OFFICIAL: (True, False, False, False),
    Role.PROVIDER_STAFF: (True, True, False, False),
    Role.CAREGIVER: (True, True, False, False),
    Role.AUDITOR: (False, False, False, False),
}


@pytest.mark.parametrize("role", list(PERMISSIONS))
def test_model_permissions_follow_the_role(world, role):
    user = world.users[role]
    adds_recipients, edits_visits, reviews, money = PERMISSIONS[role]
    assert user.has_perm("recipients.view_recipient")
    assert user.has_perm("recipients.add_recipient") is adds_recipients
    assert can_write(user, world.own.visit) is edits_visits
    assert user.has_perm("visits.change_visitexception") is reviews
    assert user.has_perm("areas.add_disbursement") is money
    assert not user.has_perm("recipients.delete_recipient")  # evidence is never deleted
    assert not user.has_perm("auth.view_user") and not user.has_perm("auth.change_user")
    assert not user.has_perm("accounts.change_roleassignment")
    assert not can_write(user, world.foreign.recipient)


def test_officials_act_on_visits_only_through_the_actions(world):
    official = world.users[Role.DISTRICT_OFFICIAL]
    assert official.has_perm("visits.change_visit")  # fee confirmation and voiding
    assert not can_write(official, world.own.visit)  # but not by editing the record
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    page = client.get(reverse("admin:visits_visit_change", args=[world.own.visit.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.get(reverse("admin:visits_visit_add")).status_code == 403


def test_provider_staff_choices_offer_only_their_own_provider_and_areas(world):
    client = world.client_for(Role.PROVIDER_STAFF)
    page = client.get(reverse("admin:recipients_recipient_add"))
    form = page.context["adminform"].form
    assert list(form.fields["provider"].queryset) == [world.own.provider]
    assert list(form.fields["area"].queryset) == [world.own.area]


def test_a_change_that_would_move_a_row_out_of_the_scope_is_refused(world):
    client = world.client_for(Role.PROVIDER_STAFF)
    recipient = world.own.recipient
    response = client.post(
        reverse("admin:recipients_recipient_change", args=[recipient.pk]),
        {"provider": world.foreign.provider.pk, "area": world.foreign.area.pk, "name": recipient.name},
    )
    assert response.status_code == 200  # the form refuses choices outside the scope
    assert {"provider", "area"} <= set(response.context["adminform"].form.errors)
    recipient.refresh_from_db()
    assert recipient.provider == world.own.provider


@pytest.fixture
def demo_world(db):
    area = PilotAreaFactory(region=CountyFactory(code="110114", name="昌平区"), is_demo=True)
    provider = ProviderFactory(is_demo=True, offers_home_visits=True)
    provider.areas.add(area)
    other_area = PilotAreaFactory()
    return {
        "own": RecipientFactory(area=area, provider=provider, name="昌平老人"),
        "foreign": RecipientFactory(area=other_area, name="别处老人"),
    }


@pytest.mark.parametrize(
    "username, sees_foreign, adds_recipients",
    [("official", False, False), ("national", True, False), ("auditor", True, False), ("provider", False, True)],
)
def test_the_demo_users_work_in_the_admin_within_their_scope(demo_world, username, sees_foreign, adds_recipients):
    call_command("ensure_demo_admin", verbosity=0)
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200
    listing = client.get(reverse("admin:recipients_recipient_changelist"))
    assert listing.status_code == 200
    names = {recipient.name for recipient in listing.context["cl"].queryset}
    assert "昌平老人" in names
    assert ("别处老人" in names) is sees_foreign
    assert client.get(reverse("admin:visits_visit_changelist")).status_code == 200
    assert client.get(reverse("admin:beds_familycarebed_changelist")).status_code == 200
    add = client.get(reverse("admin:recipients_recipient_add")).status_code
    assert add == (200 if adds_recipients else 403)
