"""Personal numbers in the admin: masked in lists, on change pages and in history, with a link to reveal.

How a number is masked is `core.masking`; who sees it whole is `accounts.masking`. These are the
admin's displays of it: a list shows `masked__<field>`, a change page `personal__<field>` with a
"Show in full" link to the logged reveal page.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from eldercare.core.masking import mask_value, masked_fields

MASKED_PREFIX = "masked__"  # a masked value in a list
REVEAL_PREFIX = "personal__"  # a masked value on a change page, with a link to reveal it


def masked_display(model_admin, name: str, *, reveal_link: bool):
    """The admin display function for the masked form of personal field `name`."""
    field = model_admin.model._meta.get_field(name)

    def display(obj):
        value = mask_value(obj, name, getattr(obj, name))
        url = _reveal_url(obj, name) if reveal_link and value else None
        if url:
            return format_html('{} <a href="{}" class="reveal-link">{}</a>', value, url, _("Show in full"))
        return value or "-"

    display.short_description = field.verbose_name
    return display


def _reveal_url(obj, name: str) -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_reveal", args=[obj.pk, name])
    except NoReverseMatch:
        return None


def mask_fieldsets(fieldsets, personal: set) -> list:
    """The fieldsets with each personal field replaced by its masked, read-only display."""

    seen = set()

    def swap(name):
        if isinstance(name, (tuple, list)):
            return type(name)(swap(part) for part in name)
        return f"{REVEAL_PREFIX}{name}" if name in personal else name

    def keep(name) -> bool:
        # Without declared fieldsets Django lists the field and the read-only display: keep one.
        if isinstance(name, str) and name.startswith(REVEAL_PREFIX):
            if name in seen:
                return False
            seen.add(name)
        return True

    return [
        (title, {**options, "fields": [name for name in map(swap, options.get("fields", ())) if keep(name)]})
        for title, options in fieldsets
    ]


def masked_names(personal) -> list[str]:
    return [f"{REVEAL_PREFIX}{name}" for name in sorted(personal)]


class MaskingHistoryHelper:
    """Wraps simple_history's context helper so that a change of a personal number shows masked."""

    def __init__(self, helper):
        self._helper = helper

    def context_for_delta_changes(self, delta):
        personal = masked_fields(self._helper.model)
        rows = self._helper.context_for_delta_changes(delta)
        for row, change in zip(rows, delta.changes, strict=True):
            if change.field in personal:
                row["old"] = personal[change.field](str(change.old or ""))
                row["new"] = personal[change.field](str(change.new or ""))
        return rows

    def __getattr__(self, name):
        return getattr(self._helper, name)
