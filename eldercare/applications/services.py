"""Writes for applications: filling one in, and every move through one state machine.

`TRANSITIONS` is the table of moves: from which states, for which kinds, by which roles, to which
state. `application_transition(application, action, user, **data)` is the only function that moves
an application; in one transaction it

1. locks the application and re-reads its state, so two people cannot both review it;
2. checks the user's role and scope for the move (`ApplicationRoleError`: 403) and the state
   (`ApplicationStateError`: 409), then the data the move needs (`DomainError`: 400);
3. sets the fields, appends the step to the trail (`ApplicationStep`), saves with a history row
   and writes the audit event;
4. on the county's approval of a home-visit application, calls `on_service_application_approved`.

`user=None` is the system (the demo world, imports): it is not checked against a role.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import can_read, scope_of
from eldercare.areas.townships import township_lies_in_area
from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError, refuse_unknown_fields
from eldercare.core.models import AuditEvent
from eldercare.recipients.selectors import Purpose, eligibility_on

from .models import Application, ApplicationKind, ApplicationState, ApplicationStep, StepAction

State = ApplicationState
REVIEW_NAME_MAX_LENGTH = 64


class ApplicationStateError(DomainError):
    """The move is not possible from the application's current state (answered 409)."""


class ApplicationRoleError(DomainError):
    """The user's role may not make this move on this application (answered 403)."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    roles: frozenset
    fields: frozenset
    apply: Callable  # (application, data) -> (to_state, step fields)
    kinds: frozenset = frozenset(ApplicationKind.values)


def _text(data: dict, name: str, label, *, required: bool, max_length: int | None = None) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise DomainError(_("Give the %(what)s.") % {"what": label}, field=name, code="required")
    if max_length and len(value) > max_length:
        raise DomainError(
            _("The %(what)s is longer than %(limit)d characters.") % {"what": label, "limit": max_length},
            field=name,
            code="too_long",
        )
    return value


def _passed(data: dict) -> bool:
    passed = data.get("passed")
    if not isinstance(passed, bool):
        raise DomainError(_("Say whether the review passed (pass or fail)."), field="passed", code="required")
    return passed


def _review(data: dict) -> dict:
    """The review every level records: reviewer, title, result, and an opinion (required to fail)."""
    passed = _passed(data)
    return {
        "passed": passed,
        "reviewer_name": _text(
            data, "reviewer_name", _("reviewer's name"), required=True, max_length=REVIEW_NAME_MAX_LENGTH
        ),
        "reviewer_title": _text(
            data, "reviewer_title", _("reviewer's title"), required=True, max_length=REVIEW_NAME_MAX_LENGTH
        ),
        "opinion": _text(data, "opinion", _("review opinion (a failed review says why)"), required=not passed),
    }


def _provider_for(data: dict, name: str, role_field: str, label):
    provider = data.get(name)
    if provider is None:
        raise DomainError(_("Name the %(what)s.") % {"what": label}, field=name, code="required")
    if not getattr(provider, role_field):
        raise DomainError(
            _("%(provider)s is not registered as %(what)s.") % {"provider": provider.name, "what": label},
            field=name,
            code="provider_role",
        )
    return provider


def _apply_submit(application: Application, data: dict):
    application.submitted_at = timezone.now()
    return State.SUBMITTED, {}


def _apply_street_review(application: Application, data: dict):
    review = _review(data)
    application.street_reviewer_name = review["reviewer_name"]
    application.street_reviewer_title = review["reviewer_title"]
    application.street_opinion = review["opinion"]
    application.street_reviewed_at = timezone.now()
    return (State.STREET_PASSED if review["passed"] else State.STREET_FAILED), review


def _apply_county_review(application: Application, data: dict):
    review = _review(data)
    details = {}
    if review["passed"]:
        details = _approval(application, data)
    elif any(data.get(name) for name in ("provider", "design_provider", "acceptance_provider")):
        raise DomainError(
            _("A refused application names no organisations."), field="passed", code="organisations_on_refusal"
        )
    application.county_reviewer_name = review["reviewer_name"]
    application.county_reviewer_title = review["reviewer_title"]
    application.county_opinion = review["opinion"]
    application.county_reviewed_at = timezone.now()
    return (State.COUNTY_PASSED if review["passed"] else State.COUNTY_FAILED), {**review, "details": details}


def _approval(application: Application, data: dict) -> dict:
    """What the county names when it approves, and the eligibility it confirms on the day."""
    purpose = Purpose.FAMILY_CARE_BED if application.kind == ApplicationKind.FAMILY_CARE_BED else Purpose.HOME_VISIT
    today = timezone.localdate()
    eligibility = eligibility_on(application.recipient, today, purpose=purpose)
    if not eligibility:
        raise DomainError(
            _("%(name)s is not eligible on %(day)s: %(reasons)s. Record the assessment first, or refuse.")
            % {
                "name": application.recipient.name,
                "day": today,
                "reasons": "；".join(str(reason) for reason in eligibility.reasons),
            },
            field="passed",
            code="not_eligible",
        )
    if application.kind == ApplicationKind.HOME_VISITS:
        if data.get("design_provider") or data.get("acceptance_provider"):
            raise DomainError(
                _("A home-visit application names its provider, not bed organisations."),
                field="design_provider",
                code="organisations_for_kind",
            )
        provider = _provider_for(data, "provider", "offers_home_visits", _("home-visit provider"))
        if not provider.areas.filter(pk=application.area_id).exists():
            raise DomainError(
                _("%(provider)s does not serve %(area)s.") % {"provider": provider.name, "area": application.area},
                field="provider",
                code="provider_area",
            )
        application.provider = provider
        return {"provider": [provider.pk, provider.name]}
    if data.get("provider"):
        raise DomainError(
            _("A family care bed application names the assessment-and-design and acceptance organisations."),
            field="provider",
            code="organisations_for_kind",
        )
    design = _provider_for(data, "design_provider", "does_assessment_design", _("assessment and design organisation"))
    acceptance = _provider_for(data, "acceptance_provider", "does_acceptance", _("acceptance organisation"))
    application.design_provider, application.acceptance_provider = design, acceptance
    return {"design_provider": [design.pk, design.name], "acceptance_provider": [acceptance.pk, acceptance.name]}


def _apply_assign(application: Application, data: dict):
    caregivers = list(data.get("caregivers") or [])
    if not caregivers:
        raise DomainError(_("Choose at least one caregiver."), field="caregivers", code="required")
    for caregiver in caregivers:
        if caregiver.provider_id != application.provider_id or not caregiver.is_active:
            raise DomainError(
                _("%(caregiver)s is not an active caregiver of %(provider)s.")
                % {"caregiver": caregiver.name, "provider": application.provider.name},
                field="caregivers",
                code="caregiver_provider",
            )
    application._assigned_caregivers = caregivers
    application.assigned_at = timezone.now()
    return State.ASSIGNED, {"details": {"caregivers": [[c.pk, c.name] for c in caregivers]}}


def _apply_reopen(application: Application, data: dict):
    application.submitted_at = None
    return State.DRAFT, {"opinion": _text(data, "opinion", _("note"), required=False)}


_STREET = frozenset({Role.STREET_OFFICIAL})
REVIEW_FIELDS = frozenset({"passed", "reviewer_name", "reviewer_title", "opinion"})
TRANSITIONS: dict[str, Transition] = {
    StepAction.SUBMIT: Transition(frozenset({State.DRAFT}), _STREET, frozenset(), _apply_submit),
    StepAction.STREET_REVIEW: Transition(frozenset({State.SUBMITTED}), _STREET, REVIEW_FIELDS, _apply_street_review),
    StepAction.COUNTY_REVIEW: Transition(
        frozenset({State.STREET_PASSED}),
        frozenset({Role.DISTRICT_OFFICIAL}),
        REVIEW_FIELDS | {"provider", "design_provider", "acceptance_provider"},
        _apply_county_review,
    ),
    # A provider may change the caregivers later: assigning again replaces them.
    StepAction.ASSIGN: Transition(
        frozenset({State.COUNTY_PASSED, State.ASSIGNED}),
        frozenset({Role.PROVIDER_STAFF}),
        frozenset({"caregivers"}),
        _apply_assign,
        kinds=frozenset({ApplicationKind.HOME_VISITS}),
    ),
    # A failed review goes back to the township, which changes what was wrong and submits again.
    StepAction.REOPEN: Transition(
        frozenset({State.STREET_FAILED, State.COUNTY_FAILED}), _STREET, frozenset({"opinion"}), _apply_reopen
    ),
}


def actions_for(application: Application, user) -> list[str]:
    """The moves this user may make on the application now (buttons on the page and in the admin)."""
    return [
        action
        for action, spec in TRANSITIONS.items()
        if application.state in spec.sources and application.kind in spec.kinds and _role_may(user, spec.roles)
    ]


def _role_may(user, roles: frozenset) -> bool:
    if user is None:
        return True
    scope = scope_of(user)
    return scope.can_write and (scope.role == Role.ADMIN or scope.role in roles)


def _check_actor(application: Application, roles: frozenset, user) -> None:
    if user is None:
        return
    if not can_read(user, application):
        raise ApplicationRoleError(_("This application is outside your scope."), code="application_scope")
    if not _role_may(user, roles):
        raise ApplicationRoleError(
            _("Your role may not do this: %(who)s does.") % {"who": "、".join(str(Role(role).label) for role in roles)},
            code="application_role",
        )


def _refuse_state(application: Application, action: str) -> None:
    raise ApplicationStateError(
        _("An application that is %(state)s cannot be %(action)s.")
        % {"state": application.get_state_display(), "action": StepAction(action).label},
        field="state",
        code="application_state",
    )


def _record(application: Application, *, action: str, user, from_state: str, reason: str = "", **step) -> None:
    """Save the application with its history row, append the step and write the audit event."""
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    application._change_reason = str(StepAction(action).label)
    if actor is not None:
        application._history_user = actor
    application.full_clean(exclude=["caregivers"])
    application.save()
    details = step.pop("details", {})
    ApplicationStep.objects.create(
        application=application,
        action=action,
        from_state=from_state,
        to_state=application.state,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        at=timezone.now(),
        details=details,
        **step,
    )
    audit_record(
        action=AuditEvent.Action.CREATE if action == StepAction.CREATE else AuditEvent.Action.CHANGE,
        user=actor,
        obj=application,
        reason=reason or step.get("opinion", ""),
        details={"step": action, "from": from_state, "to": application.state, **details},
    )


@transaction.atomic
def application_transition(application: Application, action: str, user, **data) -> Application:
    """Make one move of the application (submit, street_review, county_review, assign, reopen)."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise DomainError(
            _("Unknown action %(action)s; choose one of: %(actions)s.")
            % {"action": action, "actions": ", ".join(TRANSITIONS)},
            code="unknown_action",
        )
    # OF self: the provider may be null, and PostgreSQL cannot lock the null side of an outer join.
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("recipient", "area", "provider")
        .get(pk=application.pk)
    )
    _check_actor(locked, spec.roles, user)
    if locked.state not in spec.sources or locked.kind not in spec.kinds:
        _refuse_state(locked, action)
    refuse_unknown_fields(data, spec.fields, _("this step"))
    from_state = locked.state
    to_state, step = spec.apply(locked, data)
    locked.state = to_state
    _record(locked, action=action, user=user, from_state=from_state, **step)
    if action == StepAction.ASSIGN:
        locked.caregivers.set(locked._assigned_caregivers)
    approved = action == StepAction.COUNTY_REVIEW and to_state == State.COUNTY_PASSED
    if approved and locked.kind == ApplicationKind.HOME_VISITS:
        on_service_application_approved(locked)
    return locked


def on_service_application_approved(application: Application) -> None:
    """Called once the county approves a home-visit application, in the same transaction.

    The approval enrols the recipient in `application.area` (that batch's pilot area) for its cycle
    (recipients.enrolments); the county reviewer is the one who enrols.
    """
    from eldercare.recipients.enrolments import enrolment_create

    approval = application.steps.order_by("-at", "-id").select_related("actor").first()
    enrolment_create(
        recipient=application.recipient,
        area=application.area,
        application=application,
        acting_user=approval.actor if approval is not None else None,
    )


APPLICATION_FIELDS = frozenset({"note", "area"})


def _checked_area(recipient, area, township):
    area = area or recipient.area
    if not township_lies_in_area(township, area):
        raise DomainError(
            _("The township %(township)s does not lie in %(area)s.") % {"township": township, "area": area},
            field="area",
            code="township_outside_area",
        )
    return area


@transaction.atomic
def application_create(*, kind: str, recipient, user, area=None, note: str = "", submit: bool = False) -> Application:
    """Fill in an application for a registered older person of the township (暂存), and submit it if asked.

    The township is the recipient's; the pilot area defaults to the recipient's household area and
    must contain the township. One application per person, kind and area.
    """
    _check_actor_for_recipient(recipient, user)
    if kind not in ApplicationKind.values:
        raise DomainError(_("Choose home-visit service or a family care bed."), field="kind", code="invalid_choice")
    if recipient.township_id is None:
        raise DomainError(
            _("Record the township (街道/乡镇) of %(name)s first.") % {"name": recipient.name},
            field="recipient",
            code="recipient_without_township",
        )
    area = _checked_area(recipient, area, recipient.township)
    existing = Application.objects.filter(recipient=recipient, kind=kind, area=area).first()
    if existing is not None:
        raise DomainError(
            _("%(name)s already has this application for %(area)s (no. %(pk)d, %(state)s); change or reopen it.")
            % {"name": recipient.name, "area": area, "pk": existing.pk, "state": existing.get_state_display()},
            field="recipient",
            code="application_exists",
        )
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    application = Application(
        kind=kind, recipient=recipient, township=recipient.township, area=area, note=note, created_by=actor
    )
    _record(application, action=StepAction.CREATE, user=user, from_state="")
    if submit:
        return application_transition(application, StepAction.SUBMIT, user)
    return application


def _check_actor_for_recipient(recipient, user) -> None:
    if user is None:
        return
    if not can_read(user, recipient):
        raise ApplicationRoleError(_("This older person is outside your scope."), code="application_scope")
    if not _role_may(user, _STREET):
        raise ApplicationRoleError(
            _("Applications are filled in by the township (街道/乡镇)."), code="application_role"
        )


@transaction.atomic
def application_update(*, application: Application, user, **changes) -> Application:
    """Change a draft (its note, its pilot area); once submitted it changes only through its moves."""
    refuse_unknown_fields(changes, APPLICATION_FIELDS, _("an application"))
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("recipient", "township")
        .get(pk=application.pk)
    )
    _check_actor(locked, _STREET, user)
    if locked.state != State.DRAFT:
        _refuse_state(locked, StepAction.UPDATE)
    changed = sorted(name for name, value in changes.items() if getattr(locked, name) != value)
    if not changed:
        return locked
    for name, value in changes.items():
        setattr(locked, name, value)
    if "area" in changed:
        _checked_area(locked.recipient, locked.area, locked.township)
    _record(locked, action=StepAction.UPDATE, user=user, from_state=locked.state, details={"fields": changed})
    return locked
