"""Applications in the admin: filled in and changed through the services, moved one step at a time on a
page of its own, with the whole trail (流转记录) on the application's page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.site import (
    HistoryAdmin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ServiceAdminMixin,
    ServiceModelForm,
    run_service,
)

from . import services
from .forms import STEP_LABELS, StepForm
from .models import Application, ApplicationStep, StepAction

REVIEW_FIELDS = [
    "submitted_at",
    "street_reviewer_name",
    "street_reviewer_title",
    "street_opinion",
    "street_reviewed_at",
    "county_reviewer_name",
    "county_reviewer_title",
    "county_opinion",
    "county_reviewed_at",
]
OUTCOME_FIELDS = ["provider", "caregiver_names", "assigned_at", "design_provider", "acceptance_provider"]

# Kept in code so the applications app owns its one extra admin page; every word comes translated
# through the context or is Django's own msgid.
STEP_TEMPLATE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} change-form{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}">{{ original }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<p>{{ current_label }}: <strong>{{ original.get_state_display }}</strong></p>
{% if form.errors %}<p class="errornote">
{% blocktranslate trimmed count counter=form.errors.items|length %}Please correct the error below.
{% plural %}Please correct the errors below.{% endblocktranslate %}</p>
{{ form.non_field_errors }}{% endif %}
<form method="post" novalidate>{% csrf_token %}
<input type="hidden" name="action" value="{{ form.action }}">
<fieldset class="module aligned">
{% for field in form %}<div class="form-row{% if field.errors %} errors{% endif %}">{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div></div>{% endfor %}
</fieldset>
<div class="submit-row"><input type="submit" value="{% translate 'Save' %}" class="default">
<a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}" class="closelink">
{% translate 'Close' %}</a></div>
</form></div>{% endblock %}
"""
)


class ApplicationForm(ServiceModelForm):
    """Filled in by `application_create`; a draft changed by `application_update`."""

    submit_now = forms.BooleanField(label=_("Submit at once (提交)"), required=False)

    class Meta:
        model = Application
        fields = ["kind", "recipient", "area", "note"]

    def call_service(self):
        if self.instance.pk is None:
            return run_service(
                self,
                services.application_create,
                kind=self.cleaned_data["kind"],
                recipient=self.cleaned_data["recipient"],
                area=self.cleaned_data.get("area"),
                note=self.cleaned_data.get("note", ""),
                submit=self.cleaned_data.get("submit_now", False),
                user=self.acting_user,
            )
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in services.APPLICATION_FIELDS}
        return run_service(
            self, services.application_update, application=self.instance, user=self.acting_user, **changes
        )


class ApplicationStepInline(admin.TabularInline):
    """The trail: every step, oldest first, read-only."""

    model = ApplicationStep
    extra = 0
    can_delete = False
    ordering = ["at", "id"]
    fields = ["at", "action", "from_state", "to_state", "passed", "reviewer_name", "reviewer_title", "opinion"]
    readonly_fields = [*fields, "actor_name"]
    fields = [*fields, "actor_name"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    form = ApplicationForm
    list_display = ["id", "kind", "recipient", "township", "area", "state", "dispatch", "submitted_at"]
    list_display_links = ["id", "recipient"]
    list_filter = ["state", "kind", PilotAreaListFilter, "township"]
    list_select_related = ["recipient", "township", "area__region", "area__batch"]
    search_fields = ["recipient__name", "=recipient__resident_id", "=township__code", "township__name"]
    autocomplete_fields = ["recipient", "area"]
    show_full_result_count = False
    inlines = [ApplicationStepInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["kind", "recipient", "area", "note", "submit_now"]})]
        return [
            (None, {"fields": ["kind", "recipient", "township", "area", "state", "next_steps", "note"]}),
            (_("Reviews"), {"fields": REVIEW_FIELDS}),
            (_("Outcome"), {"fields": OUTCOME_FIELDS}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["kind", "recipient", "township", "state", "next_steps", *REVIEW_FIELDS, *OUTCOME_FIELDS]
        if obj.state != "draft":
            fixed += ["area", "note"]
        return fixed

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description=_("dispatch (执行分派)"))
    def dispatch(self, application: Application) -> str:
        return application.dispatch_label or "—"

    @admin.display(description=_("assigned caregivers"))
    def caregiver_names(self, application: Application) -> str:
        return "、".join(caregiver.name for caregiver in application.caregivers.all()) or "—"

    @admin.display(description=_("next steps"))
    def next_steps(self, application: Application) -> str:
        viewer = getattr(application, "_viewer", None)
        steps = services.actions_for(application, viewer) if viewer is not None else []
        if not steps:
            return "—"
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            (
                (
                    f"{reverse('admin:applications_application_step', args=[application.pk])}?action={step}",
                    STEP_LABELS[step],
                )
                for step in steps
            ),
        )

    def get_object(self, request, object_id, from_field=None):
        application = super().get_object(request, object_id, from_field)
        if application is not None:
            application._viewer = request.user  # for `next_steps`: the buttons this user has
        return application

    def get_urls(self):
        step = path(
            "<path:object_id>/step/",
            self.admin_site.admin_view(self.step_view),
            name="applications_application_step",
        )
        return [step, *super().get_urls()]

    def step_view(self, request, object_id):
        """One step of the application (`?action=` on the way in, a hidden field on the way back), through
        `application_transition`."""
        action = (request.POST if request.method == "POST" else request.GET).get("action", "")
        # Through the admin's (scoped) queryset: an application outside the user's scope answers 404.
        application = get_object_or_404(self.get_queryset(request), pk=object_id if object_id.isdigit() else 0)
        if action not in services.TRANSITIONS:
            raise Http404(_("No such step."))
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        if request.method == "POST":
            form = StepForm(request.POST, application=application, action=action, user=request.user)
            if form.is_valid() and form.save() is not None:
                self.message_user(
                    request,
                    _("%(step)s: done. The application is now %(state)s.")
                    % {
                        "step": STEP_LABELS[action],
                        "state": Application.objects.get(pk=application.pk).get_state_display(),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:applications_application_change", args=[application.pk]))
        else:
            form = StepForm(application=application, action=action, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": STEP_LABELS[StepAction(action)],
            "subtitle": str(application),
            "opts": self.opts,
            "original": application,
            "form": form,
            "media": self.media + form.media,
            "current_label": _("Current state"),
        }
        return TemplateResponse(request, STEP_TEMPLATE, context)
