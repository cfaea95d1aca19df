"""The input policy in the admin: every add and change form, inline, list and autocomplete.

`EldercareAdminSite` puts `InputPolicyAdminMixin` in front of every ModelAdmin and
`InputPolicyInlineMixin` in front of every inline (through the scoped mixins in `core.admin`), so
an admin written tomorrow follows the policy without remembering to:

- each form checks the raw input of every field for control characters before the field parses
  it (a NUL never reaches a lookup), then the parsed values against the policy's text lengths and
  time windows (`input_policy.validate_model_value`); a refusal shows on the field, in the user's
  language, and the form's service is never called;
- a list whose query string holds a control character answers 400; a search or autocomplete term
  holding one finds nothing.
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from .input_policy import (
    NOTE_MAX_LENGTH,
    forbidden_character,
    is_multiline,
    raw_input_problem,
    validate_date,
    validate_model_value,
    validate_timestamp,
)


def _model_field(form: forms.BaseForm, name: str):
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _multiline(form: forms.BaseForm, name: str, field: forms.Field) -> bool:
    model_field = _model_field(form, name)
    if model_field is not None:
        return is_multiline(model_field)
    return isinstance(field.widget, forms.Textarea)


def validate_form_value(field: forms.Field, value) -> None:
    """The policy for a form field that is not a model field: text length and time windows."""
    if isinstance(value, str) and isinstance(field, forms.CharField) and field.max_length is None:
        MaxLengthValidator(NOTE_MAX_LENGTH)(value)
    elif isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
        validate_timestamp(value)
    elif isinstance(field, forms.DateField):
        validate_date(value)


class InputPolicyFormMixin:
    """Mixed into a form class: the policy runs on each field before and after the field's own cleaning."""

    def _clean_fields(self):
        refused = {}
        for name, bound in self._bound_items():
            if bound.field.disabled:
                continue
            problem = raw_input_problem(bound.data, multiline=_multiline(self, name, bound.field))
            if problem is not None:
                refused[name] = problem
        all_fields = self.fields
        self.fields = {name: field for name, field in all_fields.items() if name not in refused}
        try:
            super()._clean_fields()
        finally:
            self.fields = all_fields
        for name, problem in refused.items():
            self.add_error(name, problem)
        for name, value in list(self.cleaned_data.items()):
            model_field = _model_field(self, name)
            try:
                if model_field is not None:
                    validate_model_value(model_field, value)
                else:
                    validate_form_value(self.fields[name], value)
            except ValidationError as error:
                self.add_error(name, error)


def policy_form(form_class: type) -> type:
    """`form_class` with the input policy mixed in (once)."""
    if form_class is None or issubclass(form_class, InputPolicyFormMixin):
        return form_class
    return type(
        form_class.__name__,
        (InputPolicyFormMixin, form_class),
        {"__module__": form_class.__module__, "__qualname__": form_class.__qualname__},
    )


def hostile_query_response(request) -> HttpResponseBadRequest | None:
    """A 400 when a query parameter (name or value) holds a control character, else None."""
    for name, values in request.GET.lists():
        problem = raw_input_problem([name, *values])
        if problem is not None:
            return HttpResponseBadRequest(
                _("The address holds a control character in %(parameter)s: %(message)s")
                % {"parameter": repr(name), "message": problem.messages[0]},
                content_type="text/plain; charset=utf-8",
            )
    return None


class InputPolicyAdminMixin:
    """For a ModelAdmin: policy forms (add, change, list-editable), guarded lists and searches."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        return policy_form(super().get_form(request, obj, change=change, **kwargs))

    def get_changelist_form(self, request, **kwargs):
        return policy_form(super().get_changelist_form(request, **kwargs))

    def changelist_view(self, request, extra_context=None):
        return hostile_query_response(request) or super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # Lists and autocompletes search through here; a term no row can hold finds nothing.
        if search_term and forbidden_character(search_term, multiline=False):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class InputPolicyInlineMixin:
    """For an inline: its forms follow the policy too."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = policy_form(formset.form)
        return formset
