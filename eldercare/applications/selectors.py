"""Reads for the applications page: the user's applications grouped by state, with the steps each may take."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from eldercare.accounts.scoping import scope_queryset

from .forms import STEP_LABELS
from .models import Application, ApplicationState, ApplicationStep
from .services import actions_for


@dataclass
class StateGroup:
    state: str
    label: str
    applications: list = field(default_factory=list)


def applications_for(user) -> QuerySet:
    """The applications the user may read, with what the page shows of each."""
    return scope_queryset(
        user,
        Application.objects.select_related(
            "recipient", "township", "area__region", "area__batch", "provider", "design_provider", "acceptance_provider"
        ).prefetch_related(Prefetch("steps", queryset=ApplicationStep.objects.order_by("at", "id")), "caregivers"),
    )


def applications_by_state(user) -> list[StateGroup]:
    """Every state in workflow order, each with its applications (newest first) and their next steps."""
    groups = {state: StateGroup(state=state, label=label) for state, label in ApplicationState.choices}
    for application in applications_for(user).order_by("-created_at", "-id"):
        application.next_steps = [(action, STEP_LABELS[action]) for action in actions_for(application, user)]
        groups[application.state].applications.append(application)
    return list(groups.values())
