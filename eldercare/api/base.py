"""What every API view shares: the scope filter on reads, the write check, and scoped choices.

Reads go through `scope_queryset`, so an object outside the user's scope answers 404. Writes
need `can_write` (an auditor reads only); a write whose result would fall outside the writer's
scope is refused and rolled back. Every view parses bodies with the input policy's JSON parser
and refuses query parameters holding control characters, naming them.
"""

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError

from eldercare.accounts.scoping import can_act_on_model, can_read, can_write, scope_queryset
from eldercare.core.input_policy import plausible_id, raw_input_problem

from .filters import PolicyFilterBackend
from .parsers import PolicyJSONParser

SAFE_METHODS = permissions.SAFE_METHODS


def _names_one_object(view) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


class ScopedWritePermission(permissions.BasePermission):
    """Signed in; for writes, a writing role over the view's model (and over the object, if any)."""

    message = _("Your role may not change these records.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or _names_one_object(view):
            return True  # the object is looked up first (404 outside the scope), then checked
        model = getattr(view, "write_model", None) or view.get_queryset().model
        return can_write(request.user, model=model)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or can_write(request.user, obj)


class ScopedActionPermission(ScopedWritePermission):
    """For named actions (voiding a visit): roles that change the model by editing it or only through actions."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or _names_one_object(view):
            return True
        return can_act_on_model(request.user, view.get_queryset().model)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return can_act_on_model(request.user, type(obj)) and can_read(request.user, obj)


class ScopedQuerysetMixin:
    """`get_queryset` filtered through the user's scope; subclasses define `base_queryset`."""

    permission_classes = [ScopedWritePermission]
    parser_classes = [PolicyJSONParser]
    filter_backends = [PolicyFilterBackend, filters.OrderingFilter]
    # Ids are bigints: a longer number is no id (and asking the database about it is an error).
    lookup_value_regex = "[0-9]{1,18}"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_hostile_query_parameters(request)

    def base_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no rows
            return self.queryset.none()
        return scope_queryset(self.request.user, self.base_queryset())


def refuse_hostile_query_parameters(request) -> None:
    """A query parameter holding a control character is a 400 naming it (it would break the query)."""
    errors = {}
    for name, values in request.query_params.lists():
        problem = raw_input_problem([name, *values])
        if problem is not None:
            errors[name] = problem.messages
    if errors:
        raise ValidationError(errors)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a row the requesting user can see; others read as "does not exist".

    An id is a positive integer within a bigint, given as a number or digits: `1.5`, `true` or
    `10**30` are the wrong type, never rounded or sent to the database.
    """

    def to_internal_value(self, data):
        pk = plausible_id(data)
        if pk is None:
            if isinstance(data, int) and not isinstance(data, bool):
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(pk)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return scope_queryset(request.user, queryset)


def write_in_scope(user, write) -> Model:
    """Run `write()` in a transaction and keep its result only if the user may still write it."""
    with transaction.atomic():
        obj = write()
        if not can_write(user, obj):
            raise PermissionDenied(_("The record would fall outside your scope."))
    return obj


def history_user(obj: Model, user) -> Model:
    """Name the acting user in the history row simple_history writes on save."""
    if user is not None and getattr(user, "is_authenticated", False):
        obj._history_user = user
    return obj


def validated_save(obj: Model, user, *, many_to_many: dict | None = None) -> Model:
    """Save a model the way the admin does: `full_clean` (field errors become a 400), then save."""
    obj.full_clean()
    history_user(obj, user)
    obj.save()
    for name, values in (many_to_many or {}).items():
        getattr(obj, name).set(values)
    return obj


class SavedThroughModelMixin:
    """Create and update by building the instance, `full_clean` and save, as the admin's model forms do."""

    many_to_many: tuple[str, ...] = ()

    def _save(self, serializer, instance=None):
        data = dict(serializer.validated_data)
        m2m = {name: data.pop(name) for name in self.many_to_many if name in data}
        model = self.get_queryset().model

        def write():
            obj = instance or model()
            for name, value in data.items():
                setattr(obj, name, value)
            return validated_save(obj, self.request.user, many_to_many=m2m)

        serializer.instance = write_in_scope(self.request.user, write)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class WritableScopedViewSet(
    ScopedQuerysetMixin,
    SavedThroughModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


def named_step_action(name: str, view_function, *, serializer_class, doc: str, **schema):
    """A detail POST action called `name` (its address with dashes: `street_review` → `street-review/`),
    with its docstring and its schema; for the lifecycle steps of beds and applications."""
    view_function.__name__ = view_function.__qualname__ = name
    view_function.__doc__ = doc
    routed = action(
        detail=True,
        methods=["post"],
        url_path=name.replace("_", "-"),
        url_name=name.replace("_", "-"),
        serializer_class=serializer_class,
    )(view_function)
    return extend_schema(request=serializer_class, **schema)(routed)
