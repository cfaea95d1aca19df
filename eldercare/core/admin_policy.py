"""The input policy in the admin: every add and change form, inline, list and autocomplete.

`EldercareAdminSite` puts `InputPolicyAdminMixin` in front of every ModelAdmin and
`InputPolicyInlineMixin` in front of every inline (through the scoped mixins in `accounts.site`), so
an admin written tomorrow follows the policy without remembering to:

- each form checks the raw input of every field for control characters before the field parses
  it (a NUL never reaches a lookup), then the parsed values against the policy's text lengths and
  time windows (`input_policy.validate_model_value`); a refusal shows on the field, in the user's
  language, and the form's service is never called;
- a list whose query string holds a control character answers 400; a search or autocomplete term
  holding one finds nothing;
- every other admin page that takes a POST (actions and their intermediate forms, "void with a
  reason", revealing a number) answers 400 naming the field when a value holds a character that
  not even multi-line text may hold (`guard_posts`, applied by the site to every admin view).
"""

from functools import wraps

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from .input_policy import (
    NOTE_MAX_LENGTH,
    forbidden_character,
    is_multiline,
    plausible_id,
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


INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


def choice_id_problem(field: forms.Field, raw) -> ValidationError | None:
    """A choice of rows by integer id must name plausible ids (a tampered select is no database error)."""
    if not isinstance(field, forms.ModelChoiceField):
        return None
    meta = field.queryset.model._meta
    key = meta.pk if field.to_field_name in (None, "pk") else meta.get_field(field.to_field_name)
    if key.get_internal_type() not in INTEGER_KEYS:
        return None
    for value in raw if isinstance(raw, list | tuple) else [raw]:
        if value not in (None, "") and plausible_id(value) is None:
            return ValidationError(
                field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
    return None


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
            problem = problem or choice_id_problem(bound.field, bound.data)
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
        if refused:
            self._forget(refused)
        for name, value in list(self.cleaned_data.items()):
            model_field = _model_field(self, name)
            try:
                if model_field is not None:
                    validate_model_value(model_field, value)
                else:
                    validate_form_value(self.fields[name], value)
            except ValidationError as error:
                self.add_error(name, error)

    def _forget(self, names) -> None:
        """Show refused fields empty when the form comes back: the page never echoes what was refused
        (and an autocomplete widget would look the value up to show it)."""
        data = self.data.copy()
        for name in names:
            html_name = self.add_prefix(name)
            widget = self.fields[name].widget
            suffixes = widget.widgets_names if isinstance(widget, forms.MultiWidget) else [""]
            for suffix in suffixes:
                data.pop(html_name + suffix, None)
        self.data = data


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


MODEL_FORM_PAGES = ("_add", "_change")  # their forms name a refused field themselves


def hostile_post_response(request) -> HttpResponseBadRequest | None:
    """A 400 when a posted field (name or value) holds a character no text may hold, else None."""
    for name, values in request.POST.lists():
        problem = raw_input_problem([name, *values], multiline=True)
        if problem is not None:
            return HttpResponseBadRequest(
                _("The field %(field)s holds a control character: %(message)s")
                % {"field": repr(name), "message": problem.messages[0]},
                content_type="text/plain; charset=utf-8",
            )
    return None


def guard_posts(view):
    """Wrap an admin view so that a POST holding control characters never reaches it (see above)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        match = getattr(request, "resolver_match", None)
        if request.method == "POST" and not (match and (match.url_name or "").endswith(MODEL_FORM_PAGES)):
            refused = hostile_post_response(request)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return guarded


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
