"""Providers and their caregivers: read within scope; written the way the admin writes them (full_clean, save)."""

import django_filters

from eldercare.accounts.scoping import scope_queryset
from eldercare.api.base import WritableScopedViewSet
from eldercare.api.filters import IdFilter
from eldercare.areas.models import PilotArea

from .models import Caregiver, Provider
from .serializers import CaregiverSerializer, ProviderSerializer


class ProviderFilter(django_filters.FilterSet):
    area = IdFilter(field_name="areas", label="pilot area id")
    offers_home_visits = django_filters.BooleanFilter()
    does_bed_retrofit = django_filters.BooleanFilter()
    does_assessment_design = django_filters.BooleanFilter()
    does_acceptance = django_filters.BooleanFilter()
    credit_code = django_filters.CharFilter()

    class Meta:
        model = Provider
        fields = ["area", "offers_home_visits", "does_bed_retrofit", "does_assessment_design", "does_acceptance"]


class CaregiverFilter(django_filters.FilterSet):
    provider = IdFilter(field_name="provider_id", label="provider id")
    is_active = django_filters.BooleanFilter()
    employee_number = django_filters.CharFilter()

    class Meta:
        model = Caregiver
        fields = ["provider", "is_active", "employee_number"]


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


class CaregiverViewSet(WritableScopedViewSet):
    queryset = Caregiver.objects.all()
    serializer_class = CaregiverSerializer
    filterset_class = CaregiverFilter
    ordering_fields = ["id", "name", "employee_number", "created_at"]
    ordering = ["provider_id", "name", "id"]
