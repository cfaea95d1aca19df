"""The admin as every domain app uses it: the scoped site, its list filters, and the shared pieces.

`EldercareAdminSite.register` puts `ScopedAdminMixin` in front of every ModelAdmin (and each admin's
inlines get `ScopedInlineMixin`), so an admin written tomorrow is scoped without remembering to be.
Model-level rights come from the role (accounts.backends.RolePermissionBackend); the mixins add the
object level: rows outside the scope are absent (404), and personal numbers are masked.

A domain app's admin imports what it needs from here. The pieces that need no scope and no domain
(services that report on the form, history without revert, no deletes) live in `core.admin` and
are re-exported, so an admin module has one place to import its admin vocabulary from.

    sites.py     the site: scoping and the input policy for every registered admin
    options.py   ScopedAdminMixin and ScopedInlineMixin: rows, permissions, choices, masking, reveal
    filters.py   list filters offering only what is in the user's scope (areas, provinces, relations)
    masks.py     masked displays of personal numbers in lists, change pages and history
    checks.py    the per-request object checks (read, write, see whole numbers), cached per request
"""

from eldercare.core.admin import (
    HistoryAdmin,
    NoDeleteInlineMixin,
    NoDeleteMixin,
    ServiceAdminMixin,
    ServiceModelForm,
    add_error_to_form,
    run_service,
)

from .filters import PilotAreaListFilter, ProvinceListFilter
from .options import ScopedAdminMixin, ScopedInlineMixin
from .sites import EldercareAdminSite

__all__ = [
    "EldercareAdminSite",
    "HistoryAdmin",
    "NoDeleteInlineMixin",
    "NoDeleteMixin",
    "PilotAreaListFilter",
    "ProvinceListFilter",
    "ScopedAdminMixin",
    "ScopedInlineMixin",
    "ServiceAdminMixin",
    "ServiceModelForm",
    "add_error_to_form",
    "run_service",
]
