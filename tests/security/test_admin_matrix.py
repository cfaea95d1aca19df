"""Every role × every model registered in the admin × every admin read and write path × own and
foreign scope. Driven from `admin.site._registry`: a model registered tomorrow joins the matrix, and
fails it until the security world (conftest.py) has a row of it on each side.
"""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from eldercare.accounts.models import PROVIDER_ROLES, Role
from eldercare.accounts.scoping import SCOPE_PATHS
from eldercare.core.admin import HistoryAdmin

from .conftest import FOREIGN_MARKER, NATIONWIDE_ROLES, ROLES

# Third-party admins, closed to every role but system administrators (who are not part of the
# matrix: they see everything by design). They are checked for that, not for rows.
THIRD_PARTY_APPS = {
    "auth": "user accounts and groups: managed by system administrators only",
    "axes": "django-axes' log of login attempts: system administrators only",
}

STAFF_ROLES = [role for role in ROLES if role != Role.CAREGIVER]  # caregivers do not use the admin


def _join(path, lookup):
    return f"{path}__{lookup}" if path else lookup


def registered_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label not in THIRD_PARTY_APPS),
        key=lambda model: model._meta.label,
    )


def side_rows(model, side, *, township: bool = False) -> set:
    """The rows of `model` on one side of the world, found through the model's scope path."""
    path = SCOPE_PATHS[model._meta.label_lower]
    if township:
        lookup = {_join(path.township, "pk"): side.township.pk}
    elif path.area is not None:
        lookup = {_join(path.area, "pk"): side.area.pk}
    else:
        lookup = {_join(path.provider, "pk"): side.provider.pk}
    return set(model._default_manager.filter(**lookup).distinct().values_list("pk", flat=True))


def expected(world, role, model) -> tuple[set, set]:
    """(rows the role must see, rows it must not see), from DOMAIN.md's rules applied to the world."""
    every = set(model._default_manager.values_list("pk", flat=True))
    label = model._meta.label_lower
    path = SCOPE_PATHS.get(label)
    assert path is not None or model._meta.app_label in THIRD_PARTY_APPS, (
        f"{label} is registered in the admin but has no entry in accounts.scoping.SCOPE_PATHS: "
        "say how it reaches its pilot area and provider (or that it is public reference data)."
    )
    if path.readers is not None and role not in path.readers:
        return set(), every
    if path.owner is not None:
        mine = set(model._default_manager.filter(**{path.owner: world.users[role]}).values_list("pk", flat=True))
        assert mine, f"the security world has no {label} owned by {role}"
        return mine, every - mine
    if path.public:
        return every, set()
    if role in NATIONWIDE_ROLES:
        return every, set()
    if role == Role.STREET_OFFICIAL:
        reaches = path.township is not None
    else:
        reaches = path.provider is not None if role in PROVIDER_ROLES else path.area is not None
    if not reaches:
        return set(), every
    by_township = role == Role.STREET_OFFICIAL
    own, foreign = (
        side_rows(model, world.own, township=by_township),
        side_rows(model, world.foreign, township=by_township),
    )
    assert own, f"the security world has no {label} on the own side: add one to tests/security/conftest.py"
    assert foreign, f"the security world has no {label} on the foreign side: add one to tests/security/conftest.py"
    return own, foreign


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def clients(world):
    return {role: world.client_for(role) for role in ROLES}


def test_every_registered_model_is_in_the_matrix_world(world):
    models = registered_models()
    assert models, "no model is registered in the admin"
    for model in models:
        for role in ROLES:
            expected(world, role, model)  # fails with a message when the world lacks a row


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_changelist_shows_own_rows_and_omits_foreign_ones(world, clients, role):
    client = clients[role]
    for model in registered_models():
        own, foreign = expected(world, role, model)
        response = client.get(url(model, "changelist"))
        if not own:
            assert response.status_code == 403, (role, model, response.status_code)
            continue
        assert response.status_code == 200, (role, model, response.status_code)
        listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
        assert own <= listed, (role, model, own - listed)
        assert not (foreign & listed), (role, model, foreign & listed)
        content = response.content.decode()
        for pk in foreign:
            assert url(model, "change", pk) not in content, (role, model, pk)
        if role not in NATIONWIDE_ROLES and not SCOPE_PATHS[model._meta.label_lower].public:
            # Rows, counts, filter choices, search hints: nothing of the foreign side on the page.
            assert FOREIGN_MARKER not in content, (role, model)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_change_and_history_pages_open_own_rows_and_answer_404_for_foreign_ones(world, clients, role):
    client = clients[role]
    for model in registered_models():
        own, foreign = expected(world, role, model)
        model_admin = admin.site._registry[model]
        for pk in own:
            assert client.get(url(model, "change", pk)).status_code == 200, (role, model, pk)
            if isinstance(model_admin, HistoryAdmin):
                assert client.get(url(model, "history", pk)).status_code == 200, (role, model, pk)
        for pk in foreign:
            response = client.get(url(model, "change", pk))
            assert response.status_code == 404, (role, model, pk, response.status_code)
            if isinstance(model_admin, HistoryAdmin):
                assert client.get(url(model, "history", pk)).status_code == 404, (role, model, pk)
                history_row = model.history.filter(pk=pk).values_list("history_id", flat=True).first()
                if history_row:
                    version = reverse(
                        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
                        args=[pk, history_row],
                    )
                    assert client.get(version).status_code == 404, (role, model, pk)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_a_change_posted_to_a_foreign_row_answers_404_and_changes_nothing(world, clients, role):
    client = clients[role]
    for model in registered_models():
        _own, foreign = expected(world, role, model)
        for pk in foreign:
            before = model._default_manager.filter(pk=pk).values().get()
            response = client.post(url(model, "change", pk), {"note": "x", "name": "changed"})
            assert response.status_code == 404, (role, model, pk, response.status_code)
            assert model._default_manager.filter(pk=pk).values().get() == before, (role, model, pk)
            try:
                delete_url = url(model, "delete", pk)
            except NoReverseMatch:
                continue
            assert client.get(delete_url).status_code == 404, (role, model, pk)
            assert client.post(delete_url, {"post": "yes"}).status_code == 404, (role, model, pk)
            assert model._default_manager.filter(pk=pk).exists(), (role, model, pk)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_autocomplete_offers_nothing_outside_the_scope(world, clients, role):
    client = clients[role]
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in THIRD_PARTY_APPS:
            continue
        for field_name in model_admin.get_autocomplete_fields(None):
            remote = model._meta.get_field(field_name).remote_field.model
            if remote._meta.app_label in THIRD_PARTY_APPS:
                _own, foreign = set(), set(remote._default_manager.values_list("pk", flat=True))
            else:
                _own, foreign = expected(world, role, remote)
            response = client.get(
                reverse("admin:autocomplete"),
                {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name},
            )
            assert response.status_code in (200, 403), (role, model, field_name, response.status_code)
            if response.status_code == 200:
                offered = {str(result["id"]) for result in response.json()["results"]}
                assert not ({str(pk) for pk in foreign} & offered), (role, model, field_name)
                checked += 1
            for term in ("FRNB", "310115"):
                response = client.get(
                    reverse("admin:autocomplete"),
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field_name,
                        "term": term,
                    },
                )
                remote_path = SCOPE_PATHS.get(remote._meta.label_lower)
                public = remote_path is not None and remote_path.public  # regions, catalogues: for all
                if response.status_code == 200 and role not in NATIONWIDE_ROLES and not public:
                    assert FOREIGN_MARKER not in response.content.decode(), (role, model, field_name, term)
    assert checked, f"{role}: no autocomplete answered at all"


def test_caregivers_do_not_use_the_admin_and_see_nothing_there(world, clients):
    client = clients[Role.CAREGIVER]
    for model in registered_models():
        for view, args in (("changelist", []), ("change", [model._default_manager.values_list("pk", flat=True)[0]])):
            response = client.get(url(model, view, *args))
            assert response.status_code == 302 and "/login/" in response["Location"], (model, view)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_third_party_admins_are_closed_to_every_role(world, clients, role):
    for model in admin.site._registry:
        if model._meta.app_label in THIRD_PARTY_APPS:
            assert clients[role].get(url(model, "changelist")).status_code == 403, (role, model)
