"""Forms of the admin's intermediate pages: resolving exceptions in the review queue and voiding visits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReviewReasonCode


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
