"""What the review queue and the visit pages share: action limits, the intermediate page, the count decision."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import scope_of

from ..models import Visit
from ..verification import count_decision

# Rows one admin action handles in a request; each is a service call with a few queries of its own,
# so a larger selection is refused with a message asking for a narrower filter.
RESOLVE_LIMIT = 2000
VOID_LIMIT = 500
# One UPDATE and one bulk history insert however many rows; the cap keeps the id list of the
# `IN (...)` under SQLite's limit of bound parameters.
FEE_CONFIRM_LIMIT = 10_000
# Objects named on an intermediate page; the rest are counted.
ACTION_PREVIEW = 20
OFFICIAL_ROLES = (Role.ADMIN, Role.NATIONAL_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DISTRICT_OFFICIAL)


def writes_in_scope(request) -> bool:
    return scope_of(request.user).can_write


def ids_within(request, queryset, limit: int) -> list[int] | None:
    """The selected rows' ids, or None (with a message) when the selection is larger than `limit`."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        messages.error(
            request,
            gettext("More than %(limit)d rows are selected: narrow the filter and run the action again.")
            % {"limit": limit},
        )
        return None
    return ids


def action_page(
    model_admin, request, *, queryset, form, title, intro, submit_label, describe=str, action=None, original=None
):
    """The intermediate page of an action (or of one object's button): the objects, the form, the hidden selection."""
    opts = model_admin.model._meta
    shown = [describe(obj) for obj in queryset[:ACTION_PREVIEW]]
    total = len(shown) if len(shown) < ACTION_PREVIEW else queryset.count()
    more = ""
    if total > len(shown):
        more = gettext("… and %(count)d more.") % {"count": total - len(shown)}
    if original is not None:
        cancel_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[original.pk])
    else:
        cancel_url = request.get_full_path()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "original": original,
        "intro": intro,
        "shown": shown,
        "more": more,
        "form": form,
        "media": model_admin.media + form.media,
        "submit_label": submit_label,
        "cancel_url": cancel_url,
        "action": action,
        "select_across": request.POST.get("select_across") == "1",
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/visits/action_form.html", context)


def count_decision_html(visit: Visit) -> str:
    """Yes, or No with every reason why not (the rule's one home: `count_decision`)."""
    decision = count_decision(visit)
    if decision.counts:
        return gettext("Yes")
    return format_html(
        "{}<ul>{}</ul>", gettext("No:"), format_html_join("", "<li>{}</li>", ((reason,) for reason in decision.reasons))
    )


def count_message(visit: Visit) -> tuple[str, int]:
    """After a visit is saved: whether it counts toward the recipient's person-time and, if not, why."""
    decision = count_decision(visit)
    name = visit.recipient.name
    if decision.counts:
        return gettext("This visit counts toward %(name)s’s person-time.") % {"name": name}, messages.SUCCESS
    return (
        gettext("This visit does not count toward %(name)s’s person-time: %(reasons)s.")
        % {"name": name, "reasons": gettext("; ").join(decision.reasons)},
        messages.WARNING,
    )
