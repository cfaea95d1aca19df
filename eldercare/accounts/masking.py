"""Who sees personal numbers whole: the role-dependent half of masking.

How a number is masked, and which fields are personal, is `core.masking` (no roles there); who may
see one whole depends on the role and the scope, which live here. The admin, the API and the
exports ask `may_see_full_numbers` before they show a number unmasked.
"""

from django.db.models import Model

from eldercare.core.masking import is_personal_field, mask_value

from .models import PROVIDER_ROLES, Role
from .scoping import can_write, scope_of


def may_see_full_numbers(user, obj: Model) -> bool:
    """Whether `user` sees `obj`'s personal numbers whole: administrators, and the person's own
    provider's staff (those who may edit the record). Everybody else sees them masked."""
    scope = scope_of(user)
    if scope.role == Role.ADMIN:
        return True
    if scope.role not in PROVIDER_ROLES or obj is None or obj.pk is None:
        return False
    return can_write(user, obj)


def display_value(user, obj: Model, field: str) -> str:
    """The value of `obj.field` as `user` may see it: whole or masked."""
    value = getattr(obj, field)
    if not is_personal_field(obj, field) or may_see_full_numbers(user, obj):
        return value
    return mask_value(obj, field, value)
