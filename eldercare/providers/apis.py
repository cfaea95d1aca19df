"""Providers and their caregivers: read within scope; written the way the admin writes them (full_clean, save)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from eldercare.accounts.scoping import scope_queryset
from eldercare.api.base import WritableScopedViewSet
from eldercare.api.filters import IdFilter
from eldercare.areas.models import PilotArea

from .models import Caregiver, Provider
from .serializers import CaregiverSerializer, ProviderSerializer


class ProviderFilter(django_filters.FilterSet):
    area = IdFilter(field_name="areas", label=_("Pilot area id"))
    offers_home_visits = django_filters.BooleanFilter(label=_("Offers home-visit service"))
    does_bed_retrofit = django_filters.BooleanFilter(label=_("Builds or retrofits family care beds"))
    does_assessment_design = django_filters.BooleanFilter(label=_("Does assessment and design"))
    does_acceptance = django_filters.BooleanFilter(label=_("Does acceptance inspection"))
    credit_code = django_filters.CharFilter(label=_("Unified social credit code (18 characters)"))

    class Meta:
        model = Provider
        fields = ["area", "offers_home_visits", "does_bed_retrofit", "does_assessment_design", "does_acceptance"]


class CaregiverFilter(django_filters.FilterSet):
    provider = IdFilter(field_name="provider_id", label=_("Provider id"))
    is_active = django_filters.BooleanFilter(label=_("Still working for the provider"))
    employee_number = django_filters.CharFilter(label=_("Employee number"))

    class Meta:
        model = Caregiver
        fields = ["provider", "is_active", "employee_number"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List providers"),
        description=_(
            "Providers (服务机构) in your scope, with their unified social credit code, the pilot areas they serve "
            "and what they do: home visits, bed retrofits, assessment and design, acceptance inspection."
        ),
    ),
    retrieve=extend_schema(summary=_("Get a provider"), description=_("One provider in your scope.")),
    create=extend_schema(
        summary=_("Register a provider"),
        description=_("Registers a provider; its unified social credit code (18 characters) and checksum are checked."),
    ),
    partial_update=extend_schema(
        summary=_("Change a provider"),
        description=_(
            "Changes the fields sent. `areas` replaces the areas you can see; areas outside your scope stay as "
            "they were."
        ),
    ),
)
class ProviderViewSet(WritableScopedViewSet):
    queryset = Provider.objects.all()
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["name", "id"]
    many_to_many = ("areas",)

    def base_queryset(self):
        return Provider.objects.prefetch_related("areas")

    def perform_update(self, serializer):
        if "areas" in serializer.validated_data:
            # The writer sees only some areas: the provider keeps the areas outside the writer's scope.
            visible = scope_queryset(self.request.user, PilotArea.objects.all()).values("pk")
            hidden = list(serializer.instance.areas.exclude(pk__in=visible))
            serializer.validated_data["areas"] = [*serializer.validated_data["areas"], *hidden]
        super().perform_update(serializer)


@extend_schema_view(
    list=extend_schema(
        summary=_("List caregivers"),
        description=_(
            "Caregivers (服务人员) of the providers in your scope. Phone numbers are whole for the caregiver's own "
            "provider and system administrators, masked for everyone else."
        ),
    ),
    retrieve=extend_schema(summary=_("Get a caregiver"), description=_("One caregiver in your scope.")),
    create=extend_schema(
        summary=_("Register a caregiver"),
        description=_(
            "Adds a caregiver to a provider in your scope; the employee number is unique within the provider."
        ),
    ),
    partial_update=extend_schema(
        summary=_("Change a caregiver"),
        description=_(
            "Changes the fields sent; set `is_active` to false when someone leaves (caregivers are never deleted)."
        ),
    ),
)
class CaregiverViewSet(WritableScopedViewSet):
    queryset = Caregiver.objects.all()
    serializer_class = CaregiverSerializer
    filterset_class = CaregiverFilter
    ordering_fields = ["id", "name", "employee_number", "created_at"]
    ordering = ["provider_id", "name", "id"]
