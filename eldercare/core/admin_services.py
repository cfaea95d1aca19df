"""Admin inlines whose rows are written by services, never by the formset's generic save.

`ServiceModelForm` (core.admin) covers the main form; an inline of records that feed a rule
(assessments of a recipient, funds of an area) calls `save_inline_through_services` from the
ModelAdmin's `save_formset`. The rows were validated with the model's own rules by the formset.
"""

from collections.abc import Callable

from django.db.models import Model


def save_inline_through_services(
    request, form, formset, *, parent: str, create: Callable[..., Model], update: Callable[..., Model]
) -> None:
    """Create the added rows with `create(<parent>=…, acting_user=…, **fields)` and change the changed
    ones with `update(obj, acting_user=…, **changes)`; fill in what the admin's change message reads."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for inline_form in formset.forms:
        if not inline_form.has_changed() or not hasattr(inline_form, "cleaned_data"):
            continue
        shown = [name for name in inline_form._meta.fields or () if name in inline_form.cleaned_data]
        if inline_form.instance.pk is None:
            fields = {name: inline_form.cleaned_data[name] for name in shown if name != parent}
            saved = create(**{parent: form.instance}, acting_user=request.user, **fields)
            formset.new_objects.append(saved)
        else:
            changes = {name: inline_form.cleaned_data[name] for name in inline_form.changed_data if name in shown}
            saved = update(inline_form.instance, acting_user=request.user, **changes)
            formset.changed_objects.append((saved, inline_form.changed_data))
        inline_form.instance = saved
