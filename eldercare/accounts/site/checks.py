"""The object checks an admin page makes, each answered once per request and object.

A change list asks the same question of one object several times (its row, its links, its
actions): the answer is kept on the request.
"""

from collections.abc import Callable

from eldercare.accounts.masking import may_see_full_numbers
from eldercare.accounts.scoping import can_read, can_write


def _cached(request, kind: str, obj, check: Callable) -> bool:
    cache = request.__dict__.setdefault("_eldercare_scope_checks", {})
    key = (kind, obj._meta.label_lower, obj.pk)
    if key not in cache:
        cache[key] = check(request.user, obj)
    return cache[key]


def visible(request, obj) -> bool:
    """Whether the user reads `obj` (a row not saved yet is theirs to see)."""
    return obj.pk is None or _cached(request, "read", obj, can_read)


def writable(request, obj) -> bool:
    """Whether the user writes `obj`; for a new row, whether they write its model at all."""
    if obj.pk is None:
        return can_write(request.user, model=type(obj))
    return _cached(request, "write", obj, can_write)


def full_numbers(request, obj) -> bool:
    """Whether the user sees `obj`'s personal numbers whole (accounts.masking)."""
    return obj is not None and obj.pk is not None and _cached(request, "full", obj, may_see_full_numbers)
