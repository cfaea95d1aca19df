"""The demo world has townships for every region (demo ones marked and out of the real range), every
recipient in a township of their area, and applications in every state with consistent trails."""

from collections import Counter

from eldercare.applications.models import Application, ApplicationState
from eldercare.areas.models import PilotArea, Township
from eldercare.areas.townships import township_lies_in_area
from eldercare.demo.world import demo_world_create
from eldercare.recipients.models import Recipient
from tests.demo.conftest import small_world, today  # noqa: F401 - the demo tests' fixtures


def test_the_demo_world_has_townships_recipients_in_them_and_applications_in_every_state(small_world, today):  # noqa: F811
    demo_world_create(today=today, recipients=120, seed=7)
    regions = set(PilotArea.objects.values_list("region_id", flat=True))
    for region_id in regions:
        townships = Township.objects.filter(region_id=region_id)
        assert 2 <= townships.count() <= 4
        for township in townships:
            assert township.is_demo and township.code[6] == "9" and township.code[:6] == township.region.code
            assert str(township).endswith("（示例）")
    people = Recipient.objects.select_related("township__region", "area__region")
    assert not people.filter(township__isnull=True).exists()
    assert all(township_lies_in_area(person.township, person.area) for person in people)

    states = Counter(Application.objects.values_list("state", flat=True))
    assert set(states) == set(ApplicationState.values)
    assert Application.objects.filter(kind="family_care_bed", state="county_passed").exists()
    for application in Application.objects.prefetch_related("steps"):
        steps = sorted(application.steps.all(), key=lambda step: (step.at, step.pk))
        assert steps[0].action == "create" and steps[-1].to_state == application.state
        for before, after in zip(steps, steps[1:], strict=False):
            assert after.from_state == before.to_state
    reopened = Application.objects.filter(steps__action="reopen").get()
    assert [s.action for s in reopened.steps.order_by("at", "id")] == [
        "create",
        "submit",
        "street_review",
        "reopen",
        "update",
        "submit",
    ]
    assigned = Application.objects.get(state="assigned")
    assert assigned.caregivers.count() == 2
    assert {a.township_id for a in Application.objects.all()} == {assigned.township_id}


def test_a_second_run_keeps_the_townships_and_adds_applications(small_world, today):  # noqa: F811
    demo_world_create(today=today, recipients=60, seed=7)
    townships = list(Township.objects.values_list("code", flat=True))
    first = Application.objects.count()
    demo_world_create(today=today, recipients=60, seed=8)
    assert list(Township.objects.values_list("code", flat=True)) == townships
    assert Application.objects.count() > first


def test_the_demo_users_include_a_street_official_of_chengbei(small_world, today):  # noqa: F811
    from django.core.management import call_command

    from eldercare.accounts.models import Role, RoleAssignment

    call_command("ensure_demo_admin", verbosity=0)
    assert not RoleAssignment.objects.filter(role=Role.STREET_OFFICIAL).exists()  # no 城北街道 yet
    region = PilotArea.objects.get(region__code="110114", batch__year=2023).region
    Township.objects.create(region=region, code="110114001", name="城北街道")
    call_command("ensure_demo_admin", verbosity=0)
    street = RoleAssignment.objects.get(user__username="street")
    assert (street.role, street.township.code, street.user.is_staff) == (Role.STREET_OFFICIAL, "110114001", True)
