"""The exports page's forms: what to export (report, format, scope, day, filters, purpose) and a file to verify.

The scope is chosen in two steps, by what the user's role reaches (exports.selectors.scope_choices):
a level (national, province, area, provider), then the one province, area or provider of that
level. A district official has one area and chooses nothing. The as-of day defaults to today.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ExportFormat, ExportKind, ScopeLevel
from .selectors import scope_choices

# A browser's date picker takes and gives ISO days whatever the page's language.
DAY_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Which field names the chosen scope, by level.
CODE_FIELDS = {ScopeLevel.PROVINCE: "province", ScopeLevel.AREA: "area", ScopeLevel.PROVIDER: "provider"}
# An upload to verify: the largest export a browser should send (a national visit ledger zipped).
VERIFY_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ExportKind.choices)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        help_text=_("The PDF is for the progress report only. A CSV comes in a zip with its provenance file."),
    )
    scope_level = forms.ChoiceField(label=_("Level"), widget=forms.RadioSelect)
    province = forms.ChoiceField(label=_("Province"), required=False)
    area = forms.ChoiceField(label=_("Pilot area"), required=False)
    provider = forms.ChoiceField(label=_("Provider"), required=False)
    as_of = forms.DateField(
        label=_("As of (end of day)"),
        widget=DAY_INPUT,
        help_text=_("The records as they stood at the end of this day; the same rows whenever it is exported again."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        help_text=_("Why the data leave the system, e.g. the audit or the report they are for; kept with the export."),
    )
    batch_year = forms.IntegerField(label=_("Batch year"), required=False, min_value=2021)
    date_from = forms.DateField(label=_("Service date from"), required=False, widget=DAY_INPUT)
    date_to = forms.DateField(label=_("Service date to"), required=False, widget=DAY_INPUT)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels sit in their own column: no colon
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["as_of"].initial = today
        self.fields["as_of"].widget.attrs["max"] = today.isoformat()
        self.choices = scope_choices(user)
        self.fields["scope_level"].choices = self.choices.levels
        none = [("", "—")]
        self.fields["province"].choices = none + self.choices.provinces
        self.fields["area"].choices = none + self.choices.areas
        self.fields["provider"].choices = none + self.choices.providers
        if self.choices.fixed:
            # One area and nothing else: shown, not chosen (and whatever is posted is ignored).
            level, code, _label = self.choices.fixed
            for name, value in (("scope_level", level), ("area", code)):
                self.fields[name].initial = value
                self.fields[name].disabled = True
        elif self.choices.levels:
            self.fields["scope_level"].initial = self.choices.levels[0][0]

    def scope_fields(self):
        return [self[name] for name in ("province", "area", "provider")]

    def clean(self):
        data = super().clean()
        level = data.get("scope_level")
        name = CODE_FIELDS.get(level)
        data["scope_code"] = data.get(name, "") if name else ""
        if name and not data["scope_code"]:
            self.add_error(name, _("Choose one."))
        return data


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        help_text=_("An XLSX, the zip of a CSV export, a CSV, or a PDF, as downloaded from this site."),
    )
    provenance = forms.FileField(
        label=_("Provenance file (optional)"),
        required=False,
        help_text=_("For a CSV taken out of its zip: the .provenance.json that came with it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than any export; it is not read."))
        return upload
