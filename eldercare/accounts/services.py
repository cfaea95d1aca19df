"""Writes for user accounts: who may do what, over which scope."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from eldercare.areas.models import PilotArea, Region, Township
from eldercare.core.errors import DomainError
from eldercare.core.input_policy import CHANGE_REASON_MAX_LENGTH
from eldercare.core.validators import DIVISION_CODE_PATTERN
from eldercare.providers.models import Provider

from .models import PROVIDER_ROLES, Role, RoleAssignment

# Roles that work in the admin site; caregivers record visits through the app instead.
STAFF_ROLES = frozenset(
    {
        Role.NATIONAL_OFFICIAL,
        Role.PROVINCIAL_OFFICIAL,
        Role.DISTRICT_OFFICIAL,
        Role.STREET_OFFICIAL,
        Role.PROVIDER_STAFF,
        Role.AUDITOR,
        Role.ADMIN,
    }
)


def _division_code(code: str, field: str) -> str:
    code = (code or "").strip()
    if not DIVISION_CODE_PATTERN.match(code):
        raise DomainError(
            _("%(code)s is not a division code: 6 digits, the first not 0 (e.g. 110114).") % {"code": code},
            field=field,
            code="division_code_format",
        )
    return code


def _area_by_code(code: str) -> PilotArea:
    """The pilot area of the latest batch that has this division code."""
    code = _division_code(code, "area")
    area = (
        PilotArea.objects.select_related("region", "batch").filter(region__code=code).order_by("-batch__year").first()
    )
    if area is None:
        raise DomainError(
            _("No pilot area has the division code %(code)s.") % {"code": code}, field="area", code="unknown_area"
        )
    return area


def _province_by_code(code: str) -> Region:
    code = _division_code(code, "province")
    province = Region.objects.filter(code=code, level=Region.Level.PROVINCE).first()
    if province is None:
        raise DomainError(
            _("No province has the division code %(code)s.") % {"code": code},
            field="province",
            code="unknown_province",
        )
    return province


def _provider_by_code(credit_code: str) -> Provider:
    credit_code = (credit_code or "").strip().upper()
    provider = Provider.objects.filter(credit_code=credit_code).first()
    if provider is None:
        raise DomainError(
            _("No provider has the unified social credit code %(code)s.") % {"code": credit_code},
            field="provider",
            code="unknown_provider",
        )
    return provider


def _township_by_code(code: str) -> Township:
    code = (code or "").strip()
    township = Township.objects.select_related("region").filter(code=code).first()
    if township is None:
        raise DomainError(
            _("No township has the code %(code)s (9 digits, e.g. 110114001).") % {"code": code},
            field="township",
            code="unknown_township",
        )
    return township


def _scope(
    role: str,
    *,
    area_code: str | None,
    province_code: str | None,
    provider_credit_code: str | None,
    township_code: str | None = None,
) -> dict:
    """The scope fields for `role`, refusing a missing scope and a scope the role cannot have."""
    given = {
        "area": bool(area_code),
        "province": bool(province_code),
        "provider": bool(provider_credit_code),
        "township": bool(township_code),
    }
    scope = {"area": None, "province": None, "provider": None, "township": None}
    if role in (Role.NATIONAL_OFFICIAL, Role.ADMIN):
        allowed = set()
    elif role == Role.PROVINCIAL_OFFICIAL:
        allowed = {"province", "area"}
        if not (province_code or area_code):
            raise DomainError(
                _("A provincial official needs a province (--province, or --area inside it)."),
                field="province",
                code="scope_missing",
            )
        province = _province_by_code(province_code) if province_code else None
        if area_code:
            area = _area_by_code(area_code)
            if province is not None and area.region.province_code != province.code:
                raise DomainError(
                    _("The pilot area %(area)s is not in the province %(province)s.")
                    % {"area": area, "province": province},
                    field="area",
                    code="scope_mismatch",
                )
            province = province or _province_by_code(area.region.province_code)
        scope["province"] = province
    elif role == Role.DISTRICT_OFFICIAL:
        allowed = {"area"}
        if not area_code:
            raise DomainError(_("A district official needs a pilot area (--area)."), field="area", code="scope_missing")
        scope["area"] = _area_by_code(area_code)
    elif role == Role.STREET_OFFICIAL:
        allowed = {"township"}
        if not township_code:
            raise DomainError(
                _("A street official needs a township (--township, its 9-digit code)."),
                field="township",
                code="scope_missing",
            )
        scope["township"] = _township_by_code(township_code)
    elif role in PROVIDER_ROLES:
        allowed = {"provider"}
        if not provider_credit_code:
            raise DomainError(
                _("Provider staff and caregivers need a provider (--provider, its credit code)."),
                field="provider",
                code="scope_missing",
            )
        scope["provider"] = _provider_by_code(provider_credit_code)
    else:  # auditor: nationwide, or one province, area or provider
        allowed = {"province", "area", "provider"}
        if sum(given.values()) > 1:
            raise DomainError(
                _("An auditor has one scope: a province, a pilot area or a provider, or none for the whole country."),
                code="scope_conflict",
            )
        if area_code:
            scope["area"] = _area_by_code(area_code)
        elif province_code:
            scope["province"] = _province_by_code(province_code)
        elif provider_credit_code:
            scope["provider"] = _provider_by_code(provider_credit_code)
    extra = sorted(name for name, present in given.items() if present and name not in allowed)
    if extra:
        raise DomainError(
            _("The role %(role)s does not take %(fields)s.")
            % {"role": Role(role).label, "fields": ", ".join(f"--{name}" for name in extra)},
            field=extra[0],
            code="scope_not_applicable",
        )
    return scope


@transaction.atomic
def role_grant(
    *,
    username: str,
    role: str,
    area_code: str | None = None,
    provider_credit_code: str | None = None,
    province_code: str | None = None,
    township_code: str | None = None,
    password: str | None = None,
    acting_user=None,
    reason: str = "",
) -> RoleAssignment:
    """Create or update a user and give it one role over its scope (replacing any earlier role).

    `reason` (why the role changes) is kept in the history and the audit event; the command and the
    admin ask for one, other callers (the demo set-up) get a generic one.
    """
    username = (username or "").strip()
    if not username:
        raise DomainError(_("Give a username."), field="username", code="username_missing")
    if role not in Role.values:
        raise DomainError(
            _("Unknown role %(role)s; choose one of: %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)},
            field="role",
            code="unknown_role",
        )
    scope = _scope(
        role,
        area_code=area_code,
        province_code=province_code,
        provider_credit_code=provider_credit_code,
        township_code=township_code,
    )

    # 1. The user: staff for every role that works in the admin; superuser only for administrators.
    user_model = get_user_model()
    user = user_model.objects.select_for_update().filter(username=username).first()
    if user is None:
        user = user_model(username=username)
    user.is_active = True
    user.is_staff = role in STAFF_ROLES
    user.is_superuser = role == Role.ADMIN
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages), field="password", code="weak_password") from None
        user.set_password(password)
    elif user.pk is None:
        user.set_unusable_password()
    user.save()

    # 2. The role and its scope; the history row records who changed it, and its receiver writes the
    #    audit event (accounts.receivers: role_changed, with the scope before and after).
    assignment = RoleAssignment.objects.filter(user=user).first() or RoleAssignment(user=user)
    assignment.role = role
    assignment.province, assignment.area, assignment.provider = scope["province"], scope["area"], scope["provider"]
    assignment.township = scope["township"]
    if role != Role.CAREGIVER or (assignment.caregiver and assignment.caregiver.provider_id != assignment.provider.pk):
        assignment.caregiver = None
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        assignment._history_user = acting_user
    assignment._change_reason = change_reason(reason) or str(_("Role granted: %(role)s") % {"role": Role(role).label})
    assignment.full_clean()
    assignment.save()
    return assignment


def change_reason(reason: str | None) -> str:
    """A role change's reason as history keeps it: one line, at most CHANGE_REASON_MAX_LENGTH characters."""
    return " ".join((reason or "").split())[:CHANGE_REASON_MAX_LENGTH]


@transaction.atomic
def role_assignment_save(*, assignment: RoleAssignment, acting_user=None, reason: str) -> RoleAssignment:
    """Save a role assignment edited as a record (the admin), with the user's flags following the role."""
    reason = change_reason(reason)
    if not reason:
        raise DomainError(_("Give the reason for this role change."), field="reason", code="reason_missing")
    assignment.full_clean()
    user = assignment.user
    is_staff, is_superuser = assignment.role in STAFF_ROLES, assignment.role == Role.ADMIN
    if (user.is_staff, user.is_superuser) != (is_staff, is_superuser):
        user.is_staff, user.is_superuser = is_staff, is_superuser
        user.save(update_fields=["is_staff", "is_superuser"])
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        assignment._history_user = acting_user
    assignment._change_reason = reason
    assignment.save()
    return assignment


@transaction.atomic
def role_assignment_delete(*, assignment: RoleAssignment, acting_user=None, reason: str) -> None:
    """Take a user's role away (they keep their account and see nothing), with the reason in the audit log."""
    reason = change_reason(reason)
    if not reason:
        raise DomainError(_("Give the reason for this role change."), field="reason", code="reason_missing")
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        assignment._history_user = acting_user
    assignment._change_reason = reason
    assignment.delete()
