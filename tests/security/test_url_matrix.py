"""Every URL under /api/, /dashboards/ and /exports/ that shows one object, for every role, with an
object outside the role's scope: 404, and nothing changed. Driven from the URL conf, so an endpoint
added tomorrow is checked without anyone listing it here.

The URL convention (see the workplace rules): an object is named by the kwarg `pk` (the view exposes
`queryset` or `model`) or `area_code` (a pilot area's 6-digit region code); `province_code` names a
province.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import SCOPE_PATHS
from eldercare.areas.models import PilotArea, Region

from .conftest import FOREIGN_MARKER, NATIONWIDE_ROLES, ROLES

PREFIXES = ("api/", "dashboards/", "exports/")
OBJECT_KWARGS = {"pk", "area_code", "province_code"}
# Kwargs that do not name an object, with a value that makes the URL resolve.
OTHER_KWARGS = {"format": "json"}
MISSING_PK = 987654321
MISSING_CODE = "999999"


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, namespace, entry


def endpoints():
    """(route, name, pattern, kwarg names) of every URL pattern under PREFIXES."""
    found = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith(PREFIXES):
            continue
        kwargs = set(pattern.pattern.regex.groupindex)
        found.append((route, f"{namespace}{pattern.name}" if pattern.name else None, pattern, kwargs))
    return found


def view_class(pattern):
    callback = pattern.callback
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def view_model(route, pattern, kwargs):
    """The model whose object the URL names; fails loudly when the view does not say."""
    if "area_code" in kwargs:
        return PilotArea
    if "province_code" in kwargs:
        return Region
    cls = view_class(pattern)
    for source in (cls, pattern.callback):
        queryset = getattr(source, "queryset", None)
        if queryset is not None:
            return queryset.model
        model = getattr(source, "model", None) or getattr(source, "scope_model", None)
        if model is not None:
            return model
    pytest.fail(
        f"{route}: cannot tell which model the view behind this URL shows. Give the view a `queryset` or "
        "`model` attribute (a function view: set `view.scope_model = Model`), so the security matrix can "
        "check that an object outside the user's scope answers 404."
    )


def methods(pattern) -> list[str]:
    actions = getattr(pattern.callback, "actions", None)
    if actions:
        return sorted(method.upper() for method in actions)
    cls = view_class(pattern)
    if cls is not None:
        return sorted(name.upper() for name in cls.http_method_names if hasattr(cls, name) and name != "options")
    return ["GET", "POST"]


def foreign_value(world, role, model, kwarg):
    """The kwarg's value naming an object outside `role`'s scope (None: the role has no such object)."""
    path = SCOPE_PATHS.get(model._meta.label_lower)
    if kwarg == "area_code":
        return None if role in NATIONWIDE_ROLES else world.foreign.area.region.code
    if kwarg == "province_code":
        return None if role in NATIONWIDE_ROLES else world.foreign.area.region.parent.code
    if path is not None and path.owner is not None:
        return world.foreign_export.pk if model is type(world.foreign_export) else None
    if role in NATIONWIDE_ROLES or (path is not None and path.public):
        return None
    foreign = {
        "recipients.recipient": world.foreign.recipient,
        "recipients.capabilityassessment": world.foreign.assessment,
        "providers.provider": world.foreign.provider,
        "providers.caregiver": world.foreign.caregiver,
        "beds.familycarebed": world.foreign.bed,
        "beds.retrofititem": world.foreign.item,
        "beds.bedphoto": world.foreign.photo,
        "visits.visit": world.foreign.visit,
        "visits.visitexception": world.foreign.exception,
        "areas.pilotarea": world.foreign.area,
        "areas.fundallocation": world.foreign.allocation,
        "areas.disbursement": world.foreign.disbursement,
        "applications.application": world.foreign.application,
    }.get(model._meta.label_lower)
    if foreign is None:
        foreign = model._default_manager.exclude(pk__in=_visible_pks(world, role, model)).first()
    assert foreign is not None, f"the security world has no {model._meta.label} outside the scope of {role}"
    return foreign.pk


def _visible_pks(world, role, model):
    from eldercare.accounts.scoping import scope_queryset

    return scope_queryset(world.users[role], model._default_manager.all()).values("pk")


def build_url(name, route, kwargs, values):
    assert name, f"{route}: give the URL pattern a name, so the security matrix can build its address"
    unknown = kwargs - OBJECT_KWARGS - set(OTHER_KWARGS)
    assert not unknown, f"{route}: the security matrix does not know what to put in {sorted(unknown)}"
    return reverse(name, kwargs={**{k: OTHER_KWARGS[k] for k in kwargs & set(OTHER_KWARGS)}, **values})


def request(client, method, address):
    if method == "GET":
        return client.get(address)
    return client.generic(method, address, data=json.dumps({}), content_type="application/json")


def test_the_url_conf_has_object_endpoints_to_check():
    object_endpoints = [e for e in endpoints() if e[3] & OBJECT_KWARGS]
    assert object_endpoints, "no URL under /api/, /dashboards/ or /exports/ names an object"


@pytest.mark.parametrize("role", ROLES)
def test_every_object_url_answers_404_for_an_object_outside_the_scope(world, role):
    client = world.client_for(role)
    checked = []
    for route, name, pattern, kwargs in endpoints():
        object_kwargs = kwargs & OBJECT_KWARGS
        if not object_kwargs:
            continue
        if "format" in kwargs:
            continue  # DRF's ".json" twin of a pattern checked without it: the same view and lookup
        assert len(object_kwargs) == 1, f"{route}: one object per URL, please ({sorted(object_kwargs)})"
        kwarg = object_kwargs.pop()
        model = view_model(route, pattern, kwargs)
        value = foreign_value(world, role, model, kwarg)
        if value is None:
            continue  # nationwide roles: nothing is outside their scope
        missing = MISSING_CODE if kwarg.endswith("_code") else MISSING_PK
        foreign_url = build_url(name, route, kwargs, {kwarg: value})
        missing_url = build_url(name, route, kwargs, {kwarg: missing})
        before = model._default_manager.filter(**_lookup(kwarg, value)).values().first()
        for method in methods(pattern):
            response = request(client, method, foreign_url)
            if method == "GET":
                assert response.status_code == 404, (role, route, method, response.status_code)
            else:
                # A write is refused exactly as for an object that does not exist: no hint either way.
                expected = request(client, method, missing_url).status_code
                assert response.status_code == expected, (role, route, method, response.status_code, expected)
                assert response.status_code in (401, 403, 404, 405), (role, route, method, response.status_code)
            assert FOREIGN_MARKER not in response.content.decode(errors="replace"), (role, route, method)
        after = model._default_manager.filter(**_lookup(kwarg, value)).values().first()
        assert after == before, (role, route, "the foreign object changed")
        checked.append(route)
    assert checked or role in NATIONWIDE_ROLES, f"{role}: no object URL was checked"


def _lookup(kwarg, value):
    if kwarg == "area_code":
        return {"region__code": value}
    if kwarg == "province_code":
        return {"code": value}
    return {"pk": value}


@pytest.mark.parametrize("role", [role for role in ROLES if role not in NATIONWIDE_ROLES])
def test_list_pages_and_endpoints_show_nothing_outside_the_scope(world, role):
    client = world.client_for(role)
    for route, name, _pattern, kwargs in endpoints():
        if kwargs - set(OTHER_KWARGS) or not name or "format" in kwargs:
            continue
        if route.startswith("api/schema") or route.startswith(("api/docs", "api/redoc")):
            continue  # the API's description: no data
        response = client.get(reverse(name))
        if response.status_code != 200 or response.get("Content-Type", "").startswith("application/vnd.oai"):
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert FOREIGN_MARKER not in content.decode(errors="replace"), (role, route)


def test_auditors_and_provider_roles_cannot_change_a_foreign_object_through_the_api(world):
    # Spot check of the write path with a real payload (the matrix above posts an empty one).
    for role in (Role.AUDITOR, Role.PROVIDER_STAFF, Role.DISTRICT_OFFICIAL):
        client = world.client_for(role)
        recipient = world.foreign.recipient
        address = reverse("api:recipient-detail", kwargs={"pk": recipient.pk})
        response = client.patch(address, data=json.dumps({"name": "改名"}), content_type="application/json")
        assert response.status_code in (403, 404), (role, response.status_code)
        recipient.refresh_from_db()
        assert recipient.name.endswith(FOREIGN_MARKER)
