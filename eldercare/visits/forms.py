"""Forms of the admin: resolving exceptions in the review queue, voiding visits, and the map coordinates
typed into a form come from."""

from django import forms
from django.utils.translation import gettext_lazy as _

from eldercare.core.geo import CoordinateSystem

from .models import ReviewReasonCode


def typed_coordinate_system_field() -> forms.ChoiceField:
    """Which map the coordinates typed into an admin form were read from; blank is WGS-84.

    Stored coordinates are WGS-84 and forms show them so; this says how to read the ones typed anew.
    """
    return forms.ChoiceField(
        label=_("coordinates typed in"),
        choices=CoordinateSystem.choices,
        initial=CoordinateSystem.WGS84,
        required=False,
        help_text=_(
            "The map the coordinates you type here come from: GPS (WGS-84), AMap or Tencent (GCJ-02), Baidu "
            "(BD-09). They are stored converted to WGS-84; coordinates you leave as they are do not move."
        ),
    )


class ReasonCodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReviewReasonCode) -> str:
        return f"{obj.code} · {obj.label}"


class ReviewDecisionForm(forms.Form):
    """A reason code for one decision (accept or void) and an optional note, for many exceptions at once.

    Only active codes of that decision are offered: a code of the other decision is "not one of the
    available choices", and `exceptions_resolve` refuses it again should one slip through.
    """

    reason_code = ReasonCodeChoiceField(label=_("reason code"), queryset=ReviewReasonCode.objects.none())
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept with each resolution in the exception's history."),
    )

    def __init__(self, *args, decision: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["reason_code"].queryset = ReviewReasonCode.objects.filter(decision=decision, is_active=True)


class VoidVisitsForm(forms.Form):
    """The reason a visit is voided; kept on the visit and in its history."""

    reason = forms.CharField(
        label=_("void reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The visit and its original content stay as evidence; it no longer counts."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason for voiding the visit."), code="required")
        return reason
