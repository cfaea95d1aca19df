"""Views of the core app: revealing one personal number, which is logged."""

from django import forms
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .masking import is_personal_field, mask_value
from .models import AuditEvent


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        min_length=4,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need the full number. The reason, your name, the time and your address are logged."),
    )


def reveal_personal_number(request, obj, field: str, *, model_admin):
    """Ask why (GET), then show one personal number in full and log it (POST, with a reason)."""
    if not is_personal_field(obj, field):
        raise Http404
    label = obj._meta.get_field(field).verbose_name
    revealed = None
    if request.method == "POST":
        form = RevealForm(request.POST)
        if form.is_valid():
            audit_record(
                action=AuditEvent.Action.REVEAL,
                request=request,
                obj=obj,
                reason=form.cleaned_data["reason"],
                details={"field": field},
            )
            revealed = getattr(obj, field)
    else:
        form = RevealForm()
    opts = obj._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Show a personal number in full"),
        "opts": opts,
        "original": obj,
        "field_label": label,
        "masked": mask_value(obj, field, getattr(obj, field)),
        "revealed": revealed,
        "form": form,
    }
    request.current_app = model_admin.admin_site.name
    response = TemplateResponse(request, "admin/eldercare/reveal.html", context)
    response["Cache-Control"] = "no-store"
    return response
