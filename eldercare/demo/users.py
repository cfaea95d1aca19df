"""Demo users the demo world needs beyond `ensure_demo_admin`'s: a caregiver who signs in on the phone page (/m/)."""

from django.contrib.auth import get_user_model

from eldercare.accounts.management.commands.ensure_demo_admin import DEMO_AREA_CODE, DEMO_PASSWORD
from eldercare.accounts.models import Role, RoleAssignment
from eldercare.accounts.services import role_assignment_save, role_grant
from eldercare.providers.models import Caregiver, Provider

DEMO_CAREGIVER_USERNAME = "caregiver"


def demo_caregiver_ensure() -> RoleAssignment | None:
    """The demo caregiver `caregiver` (README's password), linked to the first caregiver of the demo provider
    in 北京市昌平区 (whose staff user is `provider`); an existing user is left as it is. None when nothing was made.
    """
    if get_user_model().objects.filter(username=DEMO_CAREGIVER_USERNAME).exists():
        return None
    provider = (
        Provider.objects.filter(is_demo=True, areas__region__code=DEMO_AREA_CODE, offers_home_visits=True)
        .order_by("pk")
        .first()
    )
    caregiver = Caregiver.objects.filter(provider=provider, is_active=True).order_by("pk").first() if provider else None
    if caregiver is None:
        return None
    reason = "Demo caregiver for the phone page (/m/)"
    assignment = role_grant(
        username=DEMO_CAREGIVER_USERNAME,
        role=Role.CAREGIVER,
        password=DEMO_PASSWORD,
        provider_credit_code=provider.credit_code,
        reason=reason,
    )
    # The role names the caregiver record the phone logs visits as.
    assignment.caregiver = caregiver
    return role_assignment_save(assignment=assignment, reason=reason)
