"""Who sees what: the one place that turns a user's role into the rows they may read and write.

Every read path (admin lists, change pages, autocompletes and filters, API, dashboards,
exports, the review queue) filters through `scope_queryset`. An object outside the scope is
simply absent: callers answer 404, never 403.

Scopes follow DOMAIN.md: national officials and national auditors see everything; provincial
officials the areas of their province; district officials their area; street officials (街道/乡镇)
the recipients of their township, their applications, beds and visits; provider staff and
caregivers their provider's recipients, beds and visits; auditors read their scope and write
nothing.

What a role may *change* is a second question, answered per model by `WRITABLE_BY_ROLE`: providers
write their own work (recipients, beds, visits), officials the area's money and providers and the
review queue, auditors nothing. Officials change visits only through the review and fee-confirmation
actions (`ACTION_ONLY_BY_ROLE`), never by editing the record. Models missing from `SCOPE_PATHS`
(user accounts, login attempts) are for system administrators only.
"""

from dataclasses import dataclass, replace

from django.db.models import Model, Q, QuerySet

from .models import PROVIDER_ROLES, Role, RoleAssignment


@dataclass(frozen=True)
class Scope:
    role: str | None
    everything: bool = False
    province_prefix: str | None = None  # first two digits of the province's division code
    area_id: int | None = None
    provider_id: int | None = None
    township_id: int | None = None  # a street official's 街道/乡镇
    can_write: bool = False
    user_id: int | None = None  # for rows owned by one user (an export job)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.province_prefix or self.area_id or self.provider_id)


NOTHING = Scope(role=None)


@dataclass(frozen=True)
class ScopePath:
    """How a model reaches its pilot area and its provider (ORM lookups; None: not reachable)."""

    area: str | None
    provider: str | None
    # Reference data (regions, catalogues, batches) is readable by every signed-in user.
    public: bool = False
    # Only these roles read the model at all (None: every role, within its scope).
    readers: frozenset | None = None
    # Rows belong to one user (lookup to the user); each user sees only their own, administrators all.
    owner: str | None = None
    # How a row reaches its township (street officials see only rows that do; None: never).
    township: str | None = None


APPLICATION_READERS = (
    Role.NATIONAL_OFFICIAL,
    Role.PROVINCIAL_OFFICIAL,
    Role.DISTRICT_OFFICIAL,
    Role.STREET_OFFICIAL,
    Role.PROVIDER_STAFF,
    Role.AUDITOR,
)

FEE_READERS = (
    Role.NATIONAL_OFFICIAL,
    Role.PROVINCIAL_OFFICIAL,
    Role.DISTRICT_OFFICIAL,
    Role.PROVIDER_STAFF,
    Role.AUDITOR,
)

SCOPE_PATHS: dict[str, ScopePath] = {
    "areas.region": ScopePath(area=None, provider=None, public=True),
    "areas.batch": ScopePath(area=None, provider=None, public=True),
    "areas.pilotarea": ScopePath(area="", provider="providers", township="region__townships"),
    # A township's pilot areas are its region's, of every batch (a prefecture-level area's counties'
    # townships are not reached: see areas.townships.township_lies_in_area).
    "areas.township": ScopePath(area="region__pilot_areas", provider="region__pilot_areas__providers", township=""),
    "areas.fundallocation": ScopePath(area="area", provider=None),
    "areas.disbursement": ScopePath(area="area", provider=None),
    "providers.provider": ScopePath(area="areas", provider=""),
    "providers.caregiver": ScopePath(area="provider__areas", provider="provider"),
    "recipients.recipient": ScopePath(area="area", provider="provider", township="township"),
    "recipients.capabilityassessment": ScopePath(
        area="recipient__area", provider="recipient__provider", township="recipient__township"
    ),
    "beds.retrofitcatalogitem": ScopePath(area=None, provider=None, public=True),
    "beds.familycarebed": ScopePath(area="area", provider="recipient__provider", township="recipient__township"),
    "beds.retrofititem": ScopePath(
        area="bed__area", provider="bed__recipient__provider", township="bed__recipient__township"
    ),
    "beds.bedphoto": ScopePath(
        area="bed__area", provider="bed__recipient__provider", township="bed__recipient__township"
    ),
    "visits.servicecategory": ScopePath(area=None, provider=None, public=True),
    "visits.serviceitem": ScopePath(area=None, provider=None, public=True),
    "visits.reviewreasoncode": ScopePath(area=None, provider=None, public=True),
    "visits.visit": ScopePath(area="area", provider="provider", township="recipient__township"),
    "visits.visitexception": ScopePath(area="area", provider="provider"),
    # The evidence around a visit follows its visit; it is written through services only (photos
    # through the API, confirmations by the older person's card), so no role writes it in the admin.
    "visits.visitphoto": ScopePath(
        area="visit__area", provider="visit__provider", township="visit__recipient__township"
    ),
    "visits.visitconfirmation": ScopePath(
        area="visit__area", provider="visit__provider", township="visit__recipient__township"
    ),
    "recipients.enrolment": ScopePath(area="area", provider="recipient__provider", township="recipient__township"),
    "recipients.confirmationcard": ScopePath(
        area="recipient__area", provider="recipient__provider", township="recipient__township"
    ),
    "rollups.recipientprogress": ScopePath(area="area", provider="recipient__provider", township="recipient__township"),
    "rollups.areaprogress": ScopePath(area="area", provider=None),
    "rollups.areadailysnapshot": ScopePath(area="area", provider=None),
    "rollups.batchprogress": ScopePath(area=None, provider=None),
    "rollups.rolluprun": ScopePath(area=None, provider=None),
    "rollups.providerareastats": ScopePath(area="area", provider="provider"),
    "exports.exportjob": ScopePath(area=None, provider=None, owner="requester"),
    # Applications (申请) start at the township; the district reviews its area's, a provider sees those
    # assigned to it. Caregivers do not take part.
    "applications.application": ScopePath(
        area="area", provider="provider", township="township", readers=frozenset(APPLICATION_READERS)
    ),
    "applications.applicationstep": ScopePath(
        area="application__area",
        provider="application__provider",
        township="application__township",
        readers=frozenset(APPLICATION_READERS),
    ),
    # Fee confirmation sheets (服务费用确认单): the payer (officials) and the provider paid, and auditors.
    "fees.feesheet": ScopePath(area="area", provider="provider", readers=frozenset(FEE_READERS)),
    "fees.feesheetline": ScopePath(area="sheet__area", provider="sheet__provider", readers=frozenset(FEE_READERS)),
    # Who holds which role: nationwide officials and auditors read it; administrators change it.
    "accounts.roleassignment": ScopePath(area=None, provider=None),
    # The audit log: auditors (nationwide) and administrators read it; nobody changes it.
    "core.auditevent": ScopePath(area=None, provider=None, readers=frozenset({Role.AUDITOR})),
    # Pending roll-up work (an operations view): administrators only.
    "core.recountrequest": ScopePath(area=None, provider=None, readers=frozenset()),
    # Who holds API tokens (digests only): administrators, who revoke them.
    "accounts.apitoken": ScopePath(area=None, provider=None, readers=frozenset()),
}

OFFICIAL_ROLES = (Role.NATIONAL_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DISTRICT_OFFICIAL)

# The models each role may change (add and edit), always within its scope. Administrators change
# everything; auditors nothing.
_AREA_FINANCE = frozenset({"areas.fundallocation", "areas.disbursement"})
_PROVIDER_WORK = frozenset(
    {
        "recipients.recipient",
        "recipients.capabilityassessment",
        "beds.familycarebed",
        "beds.retrofititem",
        "beds.bedphoto",
        "visits.visit",
    }
)
# Officials prepare fee sheets (服务费用确认单); decisions and confirmation are actions (fees.admin).
_FEE_SHEETS = frozenset({"fees.feesheet"})
WRITABLE_BY_ROLE: dict[str, frozenset] = {
    # Targets and cycles of a pilot area are set nationally; a district does not set its own target.
    Role.NATIONAL_OFFICIAL: _AREA_FINANCE
    | _FEE_SHEETS
    | {"areas.pilotarea", "providers.provider", "visits.visitexception"},
    Role.PROVINCIAL_OFFICIAL: _AREA_FINANCE | _FEE_SHEETS | {"providers.provider", "visits.visitexception"},
    # District officials enrol people in their pilot area (纳入), as the API lets them.
    Role.DISTRICT_OFFICIAL: _AREA_FINANCE
    | _FEE_SHEETS
    | {"providers.provider", "visits.visitexception", "recipients.enrolment"},
    Role.PROVIDER_STAFF: _PROVIDER_WORK | {"providers.caregiver"},
    Role.CAREGIVER: _PROVIDER_WORK,
    # 街道 staff register the older people of their township and fill in their applications; they read
    # beds and visits of those people but do not log visits or retrofits.
    Role.STREET_OFFICIAL: frozenset(
        {"recipients.recipient", "recipients.capabilityassessment", "applications.application"}
    ),
    Role.AUDITOR: frozenset(),
}
# Models a role changes only through named actions (review, fee confirmation, voiding), which check
# their own rules; the record's edit form stays read-only for them.
ACTION_ONLY_BY_ROLE: dict[str, frozenset] = {
    role: frozenset({"visits.visit", "fees.feesheetline"}) for role in OFFICIAL_ROLES
}


def scope_of(user) -> Scope:
    """The scope of a signed-in user; an unknown or inactive user sees nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Scope(role=Role.ADMIN, everything=True, can_write=True, user_id=user.pk)
    cached = getattr(user, "_eldercare_scope", None)
    if cached is not None:
        return cached
    assignment = RoleAssignment.objects.select_related("province").filter(user=user).first()
    scope = _scope_for(assignment)
    if scope.role is not None:
        scope = replace(scope, user_id=user.pk)
    user._eldercare_scope = scope
    return scope


def _scope_for(assignment: RoleAssignment | None) -> Scope:
    if assignment is None:
        return NOTHING
    role = assignment.role
    writes = role != Role.AUDITOR
    if role in (Role.ADMIN, Role.NATIONAL_OFFICIAL):
        return Scope(role=role, everything=True, can_write=writes)
    if role in PROVIDER_ROLES:
        return Scope(role=role, provider_id=assignment.provider_id, can_write=writes)
    if role == Role.PROVINCIAL_OFFICIAL and assignment.province_id:
        return Scope(role=role, province_prefix=assignment.province.code[:2], can_write=writes)
    if role == Role.DISTRICT_OFFICIAL and assignment.area_id:
        return Scope(role=role, area_id=assignment.area_id, can_write=writes)
    if role == Role.STREET_OFFICIAL and assignment.township_id:
        return Scope(role=role, township_id=assignment.township_id, can_write=writes)
    if role == Role.AUDITOR:
        if assignment.area_id:
            return Scope(role=role, area_id=assignment.area_id)
        if assignment.province_id:
            return Scope(role=role, province_prefix=assignment.province.code[:2])
        return Scope(role=role, everything=True)
    return NOTHING


def _join(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


def scope_filter(scope: Scope, model: type[Model]) -> Q | None:
    """A filter selecting the model's rows inside the scope; None means no rows at all."""
    if scope.role is None:
        return None
    if scope.role == Role.ADMIN:
        return Q()
    path = SCOPE_PATHS.get(model._meta.label_lower)
    if path is None:
        return None  # unknown models (accounts, login attempts, history tables) are for administrators only
    if path.readers is not None and scope.role not in path.readers:
        return None
    if path.owner is not None:
        return Q(**{_join(path.owner, "pk"): scope.user_id}) if scope.user_id is not None else None
    if path.public or scope.everything:
        return Q()
    if scope.provider_id is not None:
        return Q(**{_join(path.provider, "pk"): scope.provider_id}) if path.provider is not None else None
    if scope.township_id is not None:
        return Q(**{_join(path.township, "pk"): scope.township_id}) if path.township is not None else None
    if path.area is None:
        return None
    if scope.area_id is not None:
        return Q(**{_join(path.area, "pk"): scope.area_id})
    if scope.province_prefix is not None:
        return Q(**{_join(path.area, "region__code__startswith"): scope.province_prefix})
    return None


def scope_queryset(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` this user may read."""
    condition = scope_filter(scope_of(user), queryset.model)
    if condition is None:
        return queryset.none()
    if not condition:
        return queryset
    filtered = queryset.filter(condition)
    path = SCOPE_PATHS.get(queryset.model._meta.label_lower)
    # Paths through a many-to-many relation (a provider's areas) can repeat a row.
    if path and any("areas" in (part or "") or part == "providers" for part in (path.area, path.provider)):
        filtered = filtered.distinct()
    return filtered


def can_read(user, obj: Model) -> bool:
    return scope_queryset(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_read_model(user, model: type[Model]) -> bool:
    """Whether the user may read some rows of `model` (the model is not closed to the role)."""
    return scope_filter(scope_of(user), model) is not None


def _role_writes(scope: Scope, model: type[Model]) -> bool:
    if not scope.can_write or scope.role is None:
        return False
    if scope.role == Role.ADMIN:
        return True
    return model._meta.label_lower in WRITABLE_BY_ROLE.get(scope.role, ())


def can_write(user, obj: Model | None = None, *, model: type[Model] | None = None) -> bool:
    """Whether the user may change `obj` (or add rows of `model`): a role that writes the model, and in scope."""
    scope = scope_of(user)
    target = model or type(obj)
    if not _role_writes(scope, target):
        return False
    if scope_filter(scope, target) is None:
        return False
    if obj is None:
        return True
    return can_read(user, obj)


def can_act_on_model(user, model: type[Model]) -> bool:
    """Whether the user may change rows of `model` at all: by editing them, or through the actions on them."""
    scope = scope_of(user)
    if _role_writes(scope, model):
        return scope_filter(scope, model) is not None
    if not scope.can_write:
        return False
    return model._meta.label_lower in ACTION_ONLY_BY_ROLE.get(scope.role, ()) and can_read_model(user, model)
