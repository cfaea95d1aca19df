"""Forms of the fee confirmation pages: preparing a sheet, voiding lines with a reason, confirming."""

from django import forms
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.site import ServiceModelForm, run_service

from . import services
from .models import FeeSheet, VoidReason


class PrepareSheetForm(ServiceModelForm):
    """The admin's add form: preparing a sheet (`fee_sheet_prepare`); preparing again brings it up to date."""

    class Meta:
        model = FeeSheet
        fields = ["provider", "area", "month", "unit_fee"]
        help_texts = {"month": _("Any day of the month, e.g. 2023-07-01; the sheet lists that month's visits.")}

    def clean_month(self):
        month = self.cleaned_data.get("month")
        return month.replace(day=1) if month else month

    def validate_unique(self):
        # An existing sheet of the provider, area and month is prepared again, not refused.
        return

    def call_service(self):
        return run_service(
            self,
            services.fee_sheet_prepare,
            provider=self.cleaned_data["provider"],
            area=self.cleaned_data["area"],
            month=self.cleaned_data["month"],
            unit_fee=self.cleaned_data.get("unit_fee"),
            user=self.acting_user,
        )


class VoidLinesForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason for voiding"), choices=VoidReason.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class ConfirmSheetForm(forms.Form):
    """Nothing to fill in: the page lists what confirming does and asks once more."""
