"""The dashboards' pages: thin views over `dashboards.selectors`; a scope they do not cover answers 404."""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from eldercare.accounts.scoping import scope_of

from . import selectors


def _as_of(request: HttpRequest, today: dt.date) -> tuple[dt.date | None, str]:
    """The `?as_of=YYYY-MM-DD` day, or None for today's figures; an error message for a bad day."""
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        return None, ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None, _("“%(value)s” is not a day (YYYY-MM-DD); showing today’s figures.") % {"value": raw}
    if day >= today:
        return None, ""  # today and later: the live figures
    return day, ""


def _number(value) -> float | None:
    """A Decimal for a chart's JSON."""
    return None if value is None else float(value)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _keep(batch, as_of: dt.date | None) -> str:
    """The query every link of the page carries, so that the next page shows the same batch and day."""
    query = {}
    if batch is not None:
        query["batch"] = batch.year
    if as_of is not None:
        query["as_of"] = as_of.isoformat()
    return urlencode(query)


def _switch(offered, batch, as_of: dt.date | None) -> dict:
    """What the batch switch (`dashboards/_batch_switch.html`) shows."""
    return {"offered": offered, "chosen": batch, "as_of": as_of}


def _unknown_batch(request: HttpRequest, message: str, offered, as_of: dt.date | None) -> HttpResponse:
    """A batch that names nothing here: said in words, with the batches there are (404, never a 5xx)."""
    return render(
        request,
        "dashboards/unknown_batch.html",
        {
            "message": message,
            "switch": _switch(offered, None, as_of),
            "links": [(batch, f"{request.path}?{_keep(batch, as_of)}") for batch in offered],
            "scope": scope_of(request.user),
        },
        status=404,
    )


def _context(request: HttpRequest, today: dt.date, as_of: dt.date | None, error: str, **extra) -> dict:
    return {
        "today": today,
        "as_of": as_of,
        "as_of_error": error,
        "scope": scope_of(request.user),
        **extra,
    }


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Send each role to the view of its scope: national, its province, its area; provider staff to their home."""
    scope = scope_of(request.user)
    if scope.provider_id:
        return redirect("providers:home")
    if scope.township_id:
        return redirect("applications:page")  # street officials work on their township's applications
    if scope.everything:
        return redirect("dashboards:national")
    if scope.province_prefix:
        return redirect("dashboards:province", province_code=f"{scope.province_prefix}0000")
    if scope.area_id:
        area = selectors.visible_areas(request.user).select_related("region").filter(pk=scope.area_id).first()
        if area is not None:
            return redirect("dashboards:area", area_code=area.region.code)
    return redirect("admin:index")


def _short_name(row, province) -> str:
    """An area's name without its province's (北京市昌平区 → 昌平区), for a chart's axis."""
    name, prefix = row.name, str(province)
    return name[len(prefix) :] if name.startswith(prefix) and len(name) > len(prefix) else name


def _overview_page(request: HttpRequest, *, province=None) -> HttpResponse:
    today = timezone.localdate()
    as_of, error = _as_of(request, today)
    choice = selectors.batch_choice(request.user, request.GET.get("batch"), today=today, province=province)
    if choice.error:
        return _unknown_batch(request, choice.error, choice.offered, as_of)
    batch = choice.batch
    data = selectors.overview(request.user, today=today, batch=batch, province=province, as_of=as_of)
    # Nationally one bar per province; on a province's page one bar per pilot area in it.
    if province is None:
        bars = [(group.name, group.totals.headline, group.totals.elapsed_percent) for group in data.provinces]
    else:
        bars = [(_short_name(row, province), row.headline, row.elapsed_percent) for row in data.rows]
    progress_chart = {
        "labels": {
            # xgettext:no-python-format
            "person_times": _("Person-times, % of target"),
            # xgettext:no-python-format
            "beds": _("Beds, % of target"),
            "expected": _("Expected by now"),
        },
        "rows": [
            {
                "name": name,
                "person_times": _number(headline["person_times"].percent),
                "beds": _number(headline["beds"].percent),
                "expected": _number(elapsed),
            }
            for name, headline, elapsed in bars
        ],
    }
    return render(
        request,
        "dashboards/overview.html",
        _context(
            request,
            today,
            as_of,
            error,
            overview=data,
            province=province,
            province_chart=progress_chart,
            switch=_switch(choice.offered, batch, as_of),
            keep=_keep(batch, as_of),
            behind_percent=round(settings.DASHBOARD_BEHIND_RATIO * 100),
            far_percent=round(settings.DASHBOARD_FAR_BEHIND_RATIO * 100),
        ),
    )


@login_required
def national(request: HttpRequest) -> HttpResponse:
    """Every area of the batch (for a narrower scope, only the areas in it)."""
    if not selectors.sees_dashboards(request.user):
        raise Http404
    return _overview_page(request)


@login_required
def province(request: HttpRequest, province_code: str) -> HttpResponse:
    """A province's areas, for national officials and that province's own officials and auditors."""
    region = selectors.province_in_scope(request.user, province_code)
    if region is None:
        raise Http404
    return _overview_page(request, province=region)


@login_required
def area(request: HttpRequest, area_code: str) -> HttpResponse:
    """One pilot area: pace, progress over time, recipients by band, beds, providers and funds."""
    today = timezone.localdate()
    as_of, error = _as_of(request, today)
    choice = selectors.area_choice(request.user, area_code, request.GET.get("batch"), today=today)
    if not choice.areas:
        raise Http404  # no pilot area with this code in the user's scope, of any batch
    if choice.error:
        return _unknown_batch(request, choice.error, choice.offered, as_of)
    pilot_area = choice.area
    data = selectors.area_dashboard(request.user, pilot_area, today=today, as_of=as_of)
    progress_chart = {
        "labels": {
            "reached": _("Person-times reached"),
            "target": _("Straight line to the target"),
            "today": _("As of") if as_of else _("Today"),
        },
        "series": data.series,
        "target": data.target_line,
        # The x-axis is the cycle, whatever the day shown; the marker says where that day falls in it.
        "cycle_start": _iso(pilot_area.cycle_start),
        "cycle_end": _iso(pilot_area.cycle_end),
        "as_of": (as_of or today).isoformat(),
    }
    funds_chart = {
        "labels": {"allocated": _("Allocated (yuan)"), "disbursed": _("Disbursed (yuan)")},
        "rows": [
            {"name": line.label, "allocated": _number(line.allocated), "disbursed": _number(line.disbursed)}
            for line in data.funds
        ],
    }
    return render(
        request,
        "dashboards/area.html",
        _context(
            request,
            today,
            as_of,
            error,
            dashboard=data,
            crumbs=selectors.breadcrumbs(request.user, pilot_area, data.province_name),
            switch=_switch(choice.offered, pilot_area.batch, as_of),
            keep=_keep(pilot_area.batch, as_of),
            progress_chart=progress_chart,
            funds_chart=funds_chart,
        ),
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login, sending people to their dashboard (not the admin index) unless told otherwise."""
    if request.method == "GET" and REDIRECT_FIELD_NAME not in request.GET and not request.user.is_authenticated:
        query = request.GET.copy()
        query[REDIRECT_FIELD_NAME] = reverse("dashboards:landing")
        return redirect(f"{request.path}?{query.urlencode()}")
    return admin.site.login(request)
