"""Forms for the steps of an application, shared by the street officials' page and the admin.

Each form follows the input policy (`core.admin_policy.InputPolicyFormMixin`: control characters
and lengths refused on the field) and saves through `applications.services`; a refusal of the
service shows on the form, in the user's language.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import scope_queryset
from eldercare.accounts.site import run_service
from eldercare.areas.models import PilotArea
from eldercare.core.admin_policy import InputPolicyFormMixin
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient

from . import services
from .models import Application, ApplicationKind, StepAction

RESULT_CHOICES = [("pass", _("Passed (通过)")), ("fail", _("Failed (不通过)"))]
STEP_LABELS = {
    StepAction.SUBMIT: _("Submit (提交)"),
    StepAction.STREET_REVIEW: _("Street review (街道初审)"),
    StepAction.COUNTY_REVIEW: _("County review (区县审核)"),
    StepAction.ASSIGN: _("Assign caregivers (执行分派)"),
    StepAction.REOPEN: _("Reopen for changes (退回修改)"),
}


def _provider_choice(user, label, role_field: str) -> forms.ModelChoiceField:
    providers = scope_queryset(user, Provider.objects.filter(**{role_field: True})).order_by("name")
    return forms.ModelChoiceField(label=label, queryset=providers, required=False)


class StepForm(InputPolicyFormMixin, forms.Form):
    """The fields one step needs, and its save through `application_transition`."""

    def __init__(self, *args, application: Application, action: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.application, self.action, self.user = application, action, user
        self.label = STEP_LABELS[action]
        if action in (StepAction.STREET_REVIEW, StepAction.COUNTY_REVIEW):
            self.fields["result"] = forms.ChoiceField(
                label=_("Result"), choices=RESULT_CHOICES, widget=forms.RadioSelect
            )
            self.fields["reviewer_name"] = forms.CharField(label=_("Reviewer"), max_length=64)
            self.fields["reviewer_title"] = forms.CharField(label=_("Reviewer's title"), max_length=64)
            self.fields["opinion"] = forms.CharField(
                label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            )
        if action == StepAction.COUNTY_REVIEW:
            if application.kind == ApplicationKind.HOME_VISITS:
                self.fields["provider"] = _provider_choice(user, _("Home-visit provider"), "offers_home_visits")
            else:
                self.fields["design_provider"] = _provider_choice(
                    user, _("Assessment and design organisation (评估设计机构)"), "does_assessment_design"
                )
                self.fields["acceptance_provider"] = _provider_choice(
                    user, _("Acceptance organisation (验收机构)"), "does_acceptance"
                )
        if action == StepAction.ASSIGN:
            caregivers = Caregiver.objects.filter(provider_id=application.provider_id, is_active=True)
            self.fields["caregivers"] = forms.ModelMultipleChoiceField(
                label=_("Caregivers"),
                queryset=scope_queryset(user, caregivers).order_by("name") if user else caregivers,
                widget=forms.CheckboxSelectMultiple,
            )
        if action == StepAction.REOPEN:
            self.fields["opinion"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def data_for_service(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "result"}
        if "result" in self.cleaned_data:
            data["passed"] = self.cleaned_data["result"] == "pass"
        return {name: value for name, value in data.items() if value not in (None, "") or name == "opinion"}

    def save(self) -> Application | None:
        """Make the step; None (with the refusal on the form) when the service refused it."""
        return run_service(
            self,
            services.application_transition,
            application=self.application,
            action=self.action,
            user=self.user,
            **self.data_for_service(),
        )


class ApplicationCreateForm(InputPolicyFormMixin, forms.Form):
    """Fill in an application for a recipient of the user's township (the page's form)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ApplicationKind.choices)
    recipient = forms.ModelChoiceField(label=_("Older person"), queryset=Recipient.objects.none())
    area = forms.ModelChoiceField(
        label=_("Pilot area (batch)"),
        queryset=PilotArea.objects.none(),
        required=False,
        help_text=_("Leave empty for the person's household area."),
    )
    note = forms.CharField(label=_("Application note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        recipients = scope_queryset(user, Recipient.objects.filter(township__isnull=False))
        self.fields["recipient"].queryset = recipients.select_related("township").order_by("name")
        self.fields["area"].queryset = (
            scope_queryset(user, PilotArea.objects.all()).select_related("region", "batch").order_by("-batch__year")
        )

    def save(self, *, submit: bool) -> Application | None:
        return run_service(
            self,
            services.application_create,
            user=self.user,
            kind=self.cleaned_data["kind"],
            recipient=self.cleaned_data["recipient"],
            area=self.cleaned_data.get("area"),
            note=self.cleaned_data.get("note", ""),
            submit=submit,
        )
