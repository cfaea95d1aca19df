"""Every move of the state machine, and every move it refuses: wrong state, wrong role, wrong data.
A refused move changes nothing: not the application, not its trail, not the audit log."""

import pytest

from eldercare.accounts.models import Role
from eldercare.applications import services
from eldercare.applications.models import (
    Application,
    ApplicationKind,
    ApplicationState,
    ApplicationStep,
    StepAction,
)
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from tests.factories import CaregiverFactory, ProviderFactory

from .conftest import REVIEW, approved

State = ApplicationState
HOME, BED = ApplicationKind.HOME_VISITS, ApplicationKind.FAMILY_CARE_BED
# Who takes each step in the world of conftest.py.
ACTOR = {
    StepAction.SUBMIT: "street_a",
    StepAction.STREET_REVIEW: "street_a",
    StepAction.COUNTY_REVIEW: Role.DISTRICT_OFFICIAL,
    StepAction.ASSIGN: Role.PROVIDER_STAFF,
    StepAction.REOPEN: "street_a",
}


def good_data(world, action, kind=HOME):
    if action == StepAction.STREET_REVIEW:
        return {"passed": True, **REVIEW}
    if action == StepAction.COUNTY_REVIEW:
        organisations = (
            {"provider": world.provider}
            if kind == HOME
            else {"design_provider": world.provider, "acceptance_provider": world.provider}
        )
        return {"passed": True, **REVIEW, **organisations}
    if action == StepAction.ASSIGN:
        return {"caregivers": world.caregivers[:1]}
    return {}


def in_state(world, state, kind=HOME):
    """An application of `kind` for the person of township A brought to `state` through the services."""
    street, district = world.users["street_a"], world.users[Role.DISTRICT_OFFICIAL]
    application = services.application_create(kind=kind, recipient=world.person_a, user=street)
    path = {
        State.DRAFT: [],
        State.SUBMITTED: [("submit", street, {})],
        State.STREET_PASSED: [("submit", street, {}), ("street_review", street, {"passed": True, **REVIEW})],
        State.STREET_FAILED: [("submit", street, {}), ("street_review", street, {"passed": False, **REVIEW})],
        State.COUNTY_PASSED: [
            ("submit", street, {}),
            ("street_review", street, {"passed": True, **REVIEW}),
            ("county_review", district, good_data(world, StepAction.COUNTY_REVIEW, kind)),
        ],
        State.COUNTY_FAILED: [
            ("submit", street, {}),
            ("street_review", street, {"passed": True, **REVIEW}),
            ("county_review", district, {"passed": False, **REVIEW}),
        ],
        State.ASSIGNED: [
            ("submit", street, {}),
            ("street_review", street, {"passed": True, **REVIEW}),
            ("county_review", district, good_data(world, StepAction.COUNTY_REVIEW, kind)),
            ("assign", world.users[Role.PROVIDER_STAFF], {"caregivers": world.caregivers}),
        ],
    }[state]
    for action, user, data in path:
        application = services.application_transition(application, action, user, **data)
    assert application.state == state
    return application


def snapshot(application):
    return (
        Application.objects.filter(pk=application.pk).values().get(),
        ApplicationStep.objects.filter(application=application).count(),
        AuditEvent.objects.count(),
    )


def test_an_application_goes_from_draft_to_assigned_and_each_step_is_in_the_trail(world):
    street, district, staff = (world.users[k] for k in ("street_a", Role.DISTRICT_OFFICIAL, Role.PROVIDER_STAFF))
    application = services.application_create(kind=HOME, recipient=world.person_a, user=street, note="独居")
    assert (application.state, application.township, application.area) == (State.DRAFT, world.township_a, world.area)
    application = services.application_update(application=application, user=street, note="独居，行动不便")
    application = services.application_transition(application, "submit", street)
    assert application.state == State.SUBMITTED and application.submitted_at is not None
    application = services.application_transition(application, "street_review", street, passed=True, **REVIEW)
    assert application.state == State.STREET_PASSED
    assert (application.street_reviewer_name, application.street_reviewer_title) == ("王审核", "街道民政科科长")
    assert application.street_reviewed_at is not None
    application = services.application_transition(
        application,
        "county_review",
        district,
        passed=True,
        reviewer_name="李科长",
        reviewer_title="区民政局",
        provider=world.provider,
    )
    assert application.state == State.COUNTY_PASSED and application.provider == world.provider
    assert "未分派" in application.dispatch_label
    application = services.application_transition(application, "assign", staff, caregivers=world.caregivers)
    assert application.state == State.ASSIGNED
    assert set(application.caregivers.all()) == set(world.caregivers)
    assert "已分派" in application.dispatch_label

    trail = list(application.steps.order_by("at", "id"))
    assert [step.action for step in trail] == ["create", "update", "submit", "street_review", "county_review", "assign"]
    assert [step.to_state for step in trail] == [
        "draft",
        "draft",
        "submitted",
        "street_passed",
        "county_passed",
        "assigned",
    ]
    assert [step.actor_name for step in trail][-1] == "user-provider_staff"
    assert trail[3].passed is True and trail[3].reviewer_name == "王审核" and trail[3].opinion == "符合条件"
    assert trail[4].details["provider"] == [world.provider.pk, world.provider.name]
    assert application.history.count() == 6
    events = AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk))
    assert sorted(event.details["step"] for event in events) == sorted(step.action for step in trail)


def test_a_bed_application_is_approved_with_its_two_organisations(world):
    application = approved(world, kind=BED)
    assert application.state == State.COUNTY_PASSED
    assert (application.design_provider, application.acceptance_provider) == (world.provider, world.provider)
    assert application.provider is None and application.dispatch_label == ""


def test_a_failed_review_is_reopened_changed_and_submitted_again(world):
    street = world.users["street_a"]
    for state, kind in ((State.STREET_FAILED, HOME), (State.COUNTY_FAILED, BED)):
        application = in_state(world, state, kind=kind)
        application = services.application_transition(application, "reopen", street, opinion="补充材料")
        assert application.state == State.DRAFT and application.submitted_at is None
        application = services.application_update(application=application, user=street, note="已补充低保证明")
        application = services.application_transition(application, "submit", street)
        assert application.state == State.SUBMITTED
        actions = list(application.steps.order_by("at", "id").values_list("action", flat=True))
        assert actions[-3:] == ["reopen", "update", "submit"]
        assert application.steps.get(action="reopen").from_state == state


def test_approving_a_service_application_calls_the_enrolment_hook(world, monkeypatch):
    called = []
    monkeypatch.setattr(services, "on_service_application_approved", called.append)
    application = approved(world)
    assert called == [application]
    approved(world, kind=BED)
    assert len(called) == 1  # beds are not enrolled


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(services.TRANSITIONS))
def test_every_move_the_state_does_not_allow_is_refused_and_changes_nothing(world, state, action):
    application = in_state(world, state)
    spec = services.TRANSITIONS[action]
    if state in spec.sources and application.kind in spec.kinds:
        moved = services.application_transition(
            application, action, world.users[ACTOR[action]], **good_data(world, action)
        )
        assert moved.state != state or action == StepAction.ASSIGN
        return
    before = snapshot(application)
    # As the system (no role to check), so that the state alone refuses it.
    with pytest.raises(services.ApplicationStateError) as refused:
        services.application_transition(application, action, None, **good_data(world, action))
    assert refused.value.code == "application_state"
    if action != StepAction.ASSIGN:  # (a provider sees an application only once it is named in it)
        # The user whose step it is, and who sees the application, is refused the same way.
        with pytest.raises(services.ApplicationStateError):
            services.application_transition(application, action, world.users[ACTOR[action]], **good_data(world, action))
    assert str(application.get_state_display()) in str(refused.value.message)
    assert snapshot(application) == before


def test_caregivers_are_not_assigned_for_a_bed(world):
    application = approved(world, kind=BED)
    with pytest.raises(services.ApplicationStateError):
        services.application_transition(application, "assign", None, caregivers=world.caregivers)
    # Provider staff do not even see a bed application: no provider is named in it.
    with pytest.raises(services.ApplicationRoleError):
        services.application_transition(
            application, "assign", world.users[Role.PROVIDER_STAFF], caregivers=world.caregivers
        )


ROLES = ["street_a", Role.DISTRICT_OFFICIAL, Role.PROVIDER_STAFF, Role.AUDITOR, Role.NATIONAL_OFFICIAL]


@pytest.mark.parametrize("action", list(services.TRANSITIONS))
def test_each_move_is_refused_to_every_role_whose_step_it_is_not(world, action):
    source = sorted(services.TRANSITIONS[action].sources)[0]
    application = in_state(world, source)
    for key in ROLES:
        if key == ACTOR[action]:
            continue
        before = snapshot(application)
        with pytest.raises(services.ApplicationRoleError):
            services.application_transition(application, action, world.users[key], **good_data(world, action))
        assert snapshot(application) == before, key


def test_a_street_official_of_another_township_cannot_touch_the_application(world):
    application = in_state(world, State.SUBMITTED)
    with pytest.raises(services.ApplicationRoleError) as refused:
        services.application_transition(application, "street_review", world.users["street_b"], passed=True, **REVIEW)
    assert refused.value.code == "application_scope"
    with pytest.raises(services.ApplicationRoleError):
        services.application_update(application=in_state_draft(world), user=world.users["street_b"], note="x")
    with pytest.raises(services.ApplicationRoleError):
        services.application_create(kind=BED, recipient=world.person_a, user=world.users["street_b"])


def in_state_draft(world):
    return Application.objects.get(recipient=world.person_a, kind=HOME)


def test_only_the_township_fills_in_applications(world):
    for key in (Role.DISTRICT_OFFICIAL, Role.PROVIDER_STAFF, Role.AUDITOR):
        with pytest.raises(services.ApplicationRoleError):
            services.application_create(kind=HOME, recipient=world.person_a, user=world.users[key])
    assert not Application.objects.exists()


def test_a_submitted_application_is_not_changed_as_a_draft(world):
    application = in_state(world, State.SUBMITTED)
    before = snapshot(application)
    with pytest.raises(services.ApplicationStateError):
        services.application_update(application=application, user=world.users["street_a"], note="改")
    assert snapshot(application) == before


def test_one_application_per_person_kind_and_area(world):
    services.application_create(kind=HOME, recipient=world.person_a, user=world.users["street_a"])
    with pytest.raises(DomainError) as refused:
        services.application_create(kind=HOME, recipient=world.person_a, user=world.users["street_a"])
    assert refused.value.code == "application_exists"
    services.application_create(kind=BED, recipient=world.person_a, user=world.users["street_a"])


def test_a_person_without_a_township_cannot_be_applied_for(world):
    world.person_a.township = None
    world.person_a.save()
    with pytest.raises(DomainError) as refused:
        services.application_create(kind=HOME, recipient=world.person_a, user=None)
    assert refused.value.code == "recipient_without_township"


def test_the_pilot_area_must_contain_the_township(world):
    from tests.factories import PilotAreaFactory

    elsewhere = PilotAreaFactory()
    with pytest.raises(DomainError) as refused:
        services.application_create(kind=HOME, recipient=world.person_a, user=None, area=elsewhere)
    assert refused.value.code == "township_outside_area"


BAD_REVIEWS = [
    ({"reviewer_title": "科长", "passed": True}, "reviewer_name"),
    ({"reviewer_name": "王", "passed": True}, "reviewer_title"),
    ({"reviewer_name": "王", "reviewer_title": "科长"}, "passed"),
    ({"reviewer_name": "王", "reviewer_title": "科长", "passed": "yes"}, "passed"),
    ({"reviewer_name": "王", "reviewer_title": "科长", "passed": False}, "opinion"),
    ({"reviewer_name": "王" * 65, "reviewer_title": "科长", "passed": True}, "reviewer_name"),
]


@pytest.mark.parametrize(("data", "field"), BAD_REVIEWS)
def test_a_review_without_its_reviewer_title_result_or_reason_is_refused(world, data, field):
    application = in_state(world, State.SUBMITTED)
    before = snapshot(application)
    with pytest.raises(DomainError) as refused:
        services.application_transition(application, "street_review", world.users["street_a"], **data)
    assert refused.value.field == field
    assert snapshot(application) == before


def test_the_county_must_name_fitting_organisations(world):
    district = world.users[Role.DISTRICT_OFFICIAL]
    review = {"passed": True, **REVIEW}
    service = in_state(world, State.STREET_PASSED)
    cases = [
        ({}, "provider"),
        ({"provider": world.other_provider}, "provider"),  # does not serve the area
        ({"provider": world.provider, "design_provider": world.provider}, "design_provider"),
    ]
    no_visits = ProviderFactory(offers_home_visits=False)
    no_visits.areas.add(world.area)
    cases.append(({"provider": no_visits}, "provider"))
    for extra, field in cases:
        with pytest.raises(DomainError) as refused:
            services.application_transition(service, "county_review", district, **review, **extra)
        assert refused.value.field == field, extra
    bed = in_state(world, State.STREET_PASSED, kind=BED)
    no_design = ProviderFactory(does_assessment_design=False)
    for extra, field in [
        ({"acceptance_provider": world.provider}, "design_provider"),
        ({"design_provider": world.provider}, "acceptance_provider"),
        ({"design_provider": no_design, "acceptance_provider": world.provider}, "design_provider"),
        (
            {"design_provider": world.provider, "acceptance_provider": world.provider, "provider": world.provider},
            "provider",
        ),
    ]:
        with pytest.raises(DomainError) as refused:
            services.application_transition(bed, "county_review", district, **review, **extra)
        assert refused.value.field == field, extra
    with pytest.raises(DomainError):
        services.application_transition(
            service, "county_review", district, passed=False, provider=world.provider, **REVIEW
        )
    assert Application.objects.get(pk=service.pk).state == State.STREET_PASSED


def test_the_county_does_not_approve_a_person_who_is_not_eligible(world):
    application = in_state(world, State.STREET_PASSED)
    world.person_a.assessments.update(level="intact")
    with pytest.raises(DomainError) as refused:
        services.application_transition(
            application, "county_review", world.users[Role.DISTRICT_OFFICIAL], **good_data(world, "county_review")
        )
    assert refused.value.code == "not_eligible"
    # Refusing is still possible.
    services.application_transition(
        application, "county_review", world.users[Role.DISTRICT_OFFICIAL], passed=False, **REVIEW
    )


def test_only_active_caregivers_of_the_named_provider_are_assigned(world):
    application = in_state(world, State.COUNTY_PASSED)
    staff = world.users[Role.PROVIDER_STAFF]
    stranger = CaregiverFactory(provider=world.other_provider)
    retired = CaregiverFactory(provider=world.provider, is_active=False)
    for caregivers in ([], [stranger], [retired]):
        with pytest.raises(DomainError) as refused:
            services.application_transition(application, "assign", staff, caregivers=caregivers)
        assert refused.value.field == "caregivers"
    assert Application.objects.get(pk=application.pk).state == State.COUNTY_PASSED


def test_unknown_fields_and_actions_are_refused_by_name(world):
    application = in_state(world, State.SUBMITTED)
    with pytest.raises(DomainError) as refused:
        services.application_transition(application, "street_review", None, passed=True, colour="red", **REVIEW)
    assert "colour" in str(refused.value.message)
    with pytest.raises(DomainError) as refused:
        services.application_transition(application, "approve_everything", None)
    assert refused.value.code == "unknown_action"
    with pytest.raises(DomainError):
        services.application_update(application=application, user=None, state="assigned")


def test_the_system_user_moves_applications_without_a_role(world):
    application = services.application_create(kind=HOME, recipient=world.person_b, user=None, submit=True)
    application = services.application_transition(application, "street_review", None, passed=True, **REVIEW)
    step = application.steps.order_by("-at", "-id").first()
    assert (step.actor, step.actor_name) == (None, "")


def test_actions_for_lists_the_buttons_each_user_has(world):
    application = in_state(world, State.SUBMITTED)
    assert services.actions_for(application, world.users["street_a"]) == ["street_review"]
    assert services.actions_for(application, world.users[Role.DISTRICT_OFFICIAL]) == []
    passed = in_state(world, State.COUNTY_PASSED, kind=BED)
    assert services.actions_for(passed, world.users[Role.PROVIDER_STAFF]) == []
