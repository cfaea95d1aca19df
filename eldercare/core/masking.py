"""Personal numbers shown masked (110108********1234, 138****5678) unless the role needs them whole.

Who sees a full number (`accounts.masking.may_see_full_numbers`, since it depends on the role):
system administrators, and the staff of the provider that serves the person when they edit the
record (they phone the person and check the ID card at the door). Everyone else sees the masked
form; revealing a full number is an explicit, logged action (`audit_record(action="reveal")`).
The admin, the API and the exports all mask through this module, so a column is masked the same
way everywhere and an export can say which of its columns are masked (`masked_fields`). It knows
no role: the personal fields are named by model label, not imported.
"""

from collections.abc import Callable

from django.db.models import Model

MASK = "*"


def mask_resident_id(value: str | None) -> str:
    """110108194503081234 → 110108********1234: the division code and the last four stay."""
    number = (value or "").strip()
    if not number:
        return ""
    if len(number) <= 10:
        return MASK * len(number)
    return number[:6] + MASK * (len(number) - 10) + number[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; other numbers keep their first three and last four characters."""
    number = (value or "").strip()
    if not number:
        return ""
    if len(number) < 8:
        return MASK * len(number)
    return number[:3] + MASK * (len(number) - 7) + number[-4:]


# Per model (label_lower), the personal fields and how each is masked. History rows of these models
# are masked with the same rules.
PERSONAL_FIELDS: dict[str, dict[str, Callable[[str | None], str]]] = {
    "recipients.recipient": {
        "resident_id": mask_resident_id,
        "phone": mask_phone,
        "guardian_phone": mask_phone,
    },
    "providers.caregiver": {"phone": mask_phone},
}


def _label(model_or_obj) -> str:
    meta = model_or_obj._meta
    # A historical record masks like the model it records.
    instance_type = getattr(model_or_obj, "instance_type", None)
    if instance_type is not None:
        meta = instance_type._meta
    return meta.label_lower


def masked_fields(model: type[Model] | Model) -> dict[str, Callable[[str | None], str]]:
    """The personal fields of `model` (name → masking function); empty when it has none."""
    return PERSONAL_FIELDS.get(_label(model), {})


def is_personal_field(model: type[Model] | Model, field: str) -> bool:
    return field in masked_fields(model)


def mask_value(model: type[Model] | Model, field: str, value):
    """`value` masked as `field` of `model` is masked (unchanged for a field that is not personal)."""
    masker = masked_fields(model).get(field)
    if masker is None or value is None:
        return value
    return masker(str(value))
