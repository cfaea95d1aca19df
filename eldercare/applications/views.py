"""The applications page (/applications/): the township's applications by state, a form to fill one in
and submit it, and each application's page with its trail and the review forms the user may use.

Street officials land here; district officials and provider staff may use it for their own steps.
An application outside the user's scope answers 404, a user whose role reads no applications 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from eldercare.accounts.scoping import can_read_model, can_write, scope_of
from eldercare.core.admin_policy import hostile_query_response

from . import selectors, services
from .forms import STEP_LABELS, ApplicationCreateForm, StepForm
from .models import Application


def _refuse_without_role(request: HttpRequest) -> None:
    if scope_of(request.user).role is None:
        raise PermissionDenied(_("Your account has no role yet; ask a system administrator."))
    if not can_read_model(request.user, Application):
        raise PermissionDenied(_("Your role does not take part in applications."))


@login_required
def page(request: HttpRequest) -> HttpResponse:
    refused = hostile_query_response(request)
    if refused is not None:
        return refused
    _refuse_without_role(request)
    can_create = can_write(request.user, model=Application)
    form = ApplicationCreateForm(user=request.user) if can_create else None
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied(_("Applications are filled in by the township (街道/乡镇)."))
        form = ApplicationCreateForm(request.POST, user=request.user)
        if form.is_valid():
            application = form.save(submit="submit" in request.POST)
            if application is not None:
                messages.success(
                    request,
                    _("Application no. %(pk)d: %(state)s.")
                    % {"pk": application.pk, "state": application.get_state_display()},
                )
                return redirect("applications:detail", pk=application.pk)
    context = {"groups": selectors.applications_by_state(request.user), "form": form, "scope": scope_of(request.user)}
    return render(request, "applications/page.html", context)


page.scope_model = Application


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_without_role(request)
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    actions = services.actions_for(application, request.user)
    step_forms = {action: StepForm(application=application, action=action, user=request.user) for action in actions}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in services.TRANSITIONS:
            return HttpResponseBadRequest(_("No such step."), content_type="text/plain; charset=utf-8")
        form = StepForm(request.POST, application=application, action=action, user=request.user)
        if form.is_valid() and form.save() is not None:
            fresh = Application.objects.get(pk=application.pk)
            messages.success(
                request,
                _("%(step)s: done. The application is now %(state)s.")
                % {"step": STEP_LABELS[action], "state": fresh.get_state_display()},
            )
            return redirect("applications:detail", pk=application.pk)
        step_forms[action] = form
    context = {"application": application, "step_forms": step_forms.values(), "scope": scope_of(request.user)}
    return render(request, "applications/detail.html", context)


detail.scope_model = Application
