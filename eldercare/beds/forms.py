"""Forms that move a family care bed through its lifecycle; every write goes through beds.services."""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import ServiceModelForm, run_service
from eldercare.providers.models import Provider

from . import services
from .models import BedStatus, FamilyCareBed, WithdrawalReason


class BedApplyForm(ServiceModelForm):
    """The admin's add form: a new bed is an application (bed_apply) for a recipient on a day."""

    class Meta:
        model = FamilyCareBed
        fields = ["recipient", "applied_on"]

    def call_service(self):
        return run_service(
            self,
            services.bed_apply,
            recipient=self.cleaned_data["recipient"],
            applied_on=self.cleaned_data["applied_on"],
            acting_user=self.acting_user,
        )


def _provider_field(label, role_field: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, queryset=Provider.objects.filter(**{role_field: True}).order_by("name"), required=False
    )


def _date_field(label) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=AdminDateWidget)


# The moves a bed can make, keyed by the status it moves from and to. Each names the form fields it
# needs (named as the model's fields, so the services' errors land on them), and which of them are
# optional.
def _moves():
    return {
        (BedStatus.APPLIED, BedStatus.ASSESSED): _Move(
            _("Record the assessment and the one-home plan (评估设计)"), ["design_provider", "plan_signed_on"]
        ),
        (BedStatus.ASSESSED, BedStatus.RETROFITTING): _Move(
            _("Start the retrofit works"), ["retrofit_provider", "retrofit_started_on"]
        ),
        (BedStatus.RETROFITTING, BedStatus.AWAITING_ACCEPTANCE): _Move(
            _("Finish the works; request acceptance"), ["retrofit_finished_on"]
        ),
        (BedStatus.AWAITING_ACCEPTANCE, BedStatus.ACCEPTED): _Move(
            _("Record a passed acceptance (验收合格)"), ["acceptance_provider", "accepted_on"]
        ),
        (BedStatus.AWAITING_ACCEPTANCE, BedStatus.RETROFITTING): _Move(
            _("Record a failed acceptance; back to the works"), ["reason"]
        ),
        (BedStatus.ACCEPTED, BedStatus.IN_SERVICE): _Move(
            _("Start the service (服务中)"), ["service_started_on", "platform_account"], optional=["platform_account"]
        ),
        "withdraw": _Move(
            _("Withdraw the bed (撤销)"),
            ["withdrawal_reason", "withdrawn_on", "withdrawal_note"],
            optional=["withdrawal_note"],
        ),
    }


class _Move:
    def __init__(self, label, fields, optional=()):
        self.label = label
        self.fields = list(fields)
        self.optional = set(optional)


def move_for(from_status: str, to_status: str) -> "_Move | None":
    moves = _moves()
    if to_status == BedStatus.WITHDRAWN:
        return moves["withdraw"]
    return moves.get((from_status, to_status))


class BedTransitionForm(forms.Form):
    """Offers only the moves allowed from the bed's current status, with the fields each move needs.

    `save()` calls the one service for the chosen move; a refused move leaves the bed unchanged and
    the reason on the form, against the field it concerns.
    """

    to_status = forms.ChoiceField(label=_("Move the bed to"))

    def __init__(self, *args, bed: FamilyCareBed, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bed = bed
        self.acting_user = acting_user
        allowed = services.ALLOWED_TRANSITIONS[bed.status]
        # Keep the lifecycle's order (the order of BedStatus), not the set's.
        self.fields["to_status"].choices = [
            (status.value, f"{status.label} · {move_for(bed.status, status).label}")
            for status in BedStatus
            if status in allowed
        ]
        all_fields = {
            "design_provider": _provider_field(_("assessment and design organisation"), "does_assessment_design"),
            "plan_signed_on": _date_field(_("one-home plan signed on")),
            "retrofit_provider": _provider_field(_("retrofit organisation"), "does_bed_retrofit"),
            "retrofit_started_on": _date_field(_("retrofit started on")),
            "retrofit_finished_on": _date_field(_("retrofit finished on")),
            "acceptance_provider": _provider_field(_("acceptance organisation"), "does_acceptance"),
            "accepted_on": _date_field(_("accepted on")),
            "reason": forms.CharField(
                label=_("why the acceptance failed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            ),
            "service_started_on": _date_field(_("service started on")),
            "platform_account": forms.CharField(label=_("monitoring platform account"), required=False, max_length=64),
            "withdrawal_reason": forms.ChoiceField(
                label=_("withdrawal reason"), required=False, choices=[("", "---------"), *WithdrawalReason.choices]
            ),
            "withdrawn_on": _date_field(_("withdrawn on")),
            "withdrawal_note": forms.CharField(
                label=_("withdrawal note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            ),
        }
        self.move_groups: list[tuple[str, str, list[str]]] = []
        for status in BedStatus:
            if status in allowed:
                move = move_for(bed.status, status)
                self.move_groups.append((status.value, move.label, move.fields))
                for name in move.fields:
                    self.fields[name] = all_fields[name]

    def grouped_fields(self):
        """(status, label, bound fields) for each allowed move, for the template."""
        return [(status, label, [self[name] for name in names]) for status, label, names in self.move_groups]

    def clean(self):
        cleaned = super().clean()
        to_status = cleaned.get("to_status")
        if not to_status:
            return cleaned
        move = move_for(self.bed.status, to_status)
        for name in move.fields:
            if name not in move.optional and cleaned.get(name) in (None, ""):
                self.add_error(name, forms.Field.default_error_messages["required"])
        return cleaned

    def save(self) -> FamilyCareBed | None:
        """Call the service for the chosen move; None (and errors on the form) when it refuses."""
        data = self.cleaned_data
        to_status = data["to_status"]
        bed, user = self.bed, self.acting_user
        # `status` in a service error is the move itself.
        field_map = {"status": "to_status"}
        if to_status == BedStatus.WITHDRAWN:
            call = (
                services.bed_withdraw,
                {
                    "reason": data["withdrawal_reason"],
                    "withdrawn_on": data["withdrawn_on"],
                    "note": data["withdrawal_note"],
                },
            )
        elif to_status == BedStatus.ASSESSED:
            call = (
                services.bed_record_plan,
                {
                    "design_provider": data["design_provider"],
                    "plan_signed_on": data["plan_signed_on"],
                },
            )
        elif to_status == BedStatus.RETROFITTING and bed.status == BedStatus.AWAITING_ACCEPTANCE:
            call = services.bed_reject_acceptance, {"reason": data["reason"]}
        elif to_status == BedStatus.RETROFITTING:
            call = (
                services.bed_start_retrofit,
                {
                    "retrofit_provider": data["retrofit_provider"],
                    "started_on": data["retrofit_started_on"],
                },
            )
        elif to_status == BedStatus.AWAITING_ACCEPTANCE:
            call = services.bed_finish_retrofit, {"finished_on": data["retrofit_finished_on"]}
        elif to_status == BedStatus.ACCEPTED:
            call = (
                services.bed_accept,
                {
                    "acceptance_provider": data["acceptance_provider"],
                    "accepted_on": data["accepted_on"],
                },
            )
        elif to_status == BedStatus.IN_SERVICE:
            call = (
                services.bed_start_service,
                {
                    "started_on": data["service_started_on"],
                    "platform_account": data.get("platform_account") or "",
                },
            )
        else:  # pragma: no cover - the choices hold only the moves above
            raise ValueError(to_status)
        service, kwargs = call
        return run_service(self, service, field_map=field_map, bed=bed, acting_user=user, **kwargs)
