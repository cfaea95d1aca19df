"""Django's model permissions, answered from the user's role instead of per-user permission rows.

A role's rights follow from `scoping` alone (what it reads, what it writes), so there are no groups
to keep in step with the models: a model added tomorrow is closed to every role until `SCOPE_PATHS`
and `WRITABLE_BY_ROLE` open it. The admin, DRF's model permissions and `user.has_perm` all agree.

    view_<model>    the role reads some rows of the model (`can_read_model`)
    add_<model>     the role writes the model (`can_write(model=...)`)
    change_<model>  the role writes the model, or acts on it (review, fee confirmation)
    delete_<model>  never: evidence is voided or withdrawn, not deleted (administrators excepted)

Object-level checks (`has_perm(perm, obj)`) add the scope: the object must be one the user reads.
Superusers get everything from Django itself, before any backend is asked.
"""

from django.apps import apps
from django.contrib.auth.backends import BaseBackend

from .scoping import can_act_on_model, can_read, can_read_model, can_write


class RolePermissionBackend(BaseBackend):
    """Grants model permissions by role; authenticates nobody (ModelBackend does that)."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not user_obj.is_active or not user_obj.is_authenticated:
            return False
        app_label, _, codename = perm.partition(".")
        action, _, model_name = codename.partition("_")
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return False
        if obj is not None and not isinstance(obj, model):
            return False
        if action == "view":
            return can_read(user_obj, obj) if obj is not None else can_read_model(user_obj, model)
        if action == "add":
            return can_write(user_obj, model=model)
        if action == "change":
            if obj is not None:
                return can_write(user_obj, obj)
            return can_act_on_model(user_obj, model)
        return False

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        if not user_obj.is_active or not user_obj.is_authenticated:
            return False
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            return False
        return any(can_read_model(user_obj, model) for model in config.get_models())

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or not user_obj.is_authenticated or obj is not None:
            return set()
        granted = set()
        for model in apps.get_models():
            label = f"{model._meta.app_label}.%s_{model._meta.model_name}"
            if can_read_model(user_obj, model):
                granted.add(label % "view")
            if can_write(user_obj, model=model):
                granted.add(label % "add")
            if can_act_on_model(user_obj, model):
                granted.add(label % "change")
        return granted
