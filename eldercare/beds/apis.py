"""Family care beds with their retrofit items; every lifecycle move is one POST calling its service."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from eldercare.api.base import ScopedQuerysetMixin, named_step_action, validated_save, write_in_scope
from eldercare.api.filters import IdFilter
from eldercare.visits.photo_apis import (
    IMAGE_CONTENT_TYPES,
    SIZE_PARAMETER,
    PhotoMultiPartParser,
    image_response,
    single_upload,
    wants_thumbnail,
)
from eldercare.visits.photos import PhotoConflict

from . import services
from .models import BedPhoto, BedStatus, FamilyCareBed, RetrofitItem
from .serializers import (
    BedAcceptSerializer,
    BedApplySerializer,
    BedFinishRetrofitSerializer,
    BedPhotoSerializer,
    BedPhotoUploadSerializer,
    BedPlanSerializer,
    BedRejectAcceptanceSerializer,
    BedStartRetrofitSerializer,
    BedStartServiceSerializer,
    BedWithdrawSerializer,
    FamilyCareBedSerializer,
    RetrofitItemSerializer,
)


class BedFilter(django_filters.FilterSet):
    area = IdFilter(field_name="area_id", label=_("Pilot area id"))
    area_code = django_filters.CharFilter(field_name="area__region__code", label=_("Area code (6 digits)"))
    recipient = IdFilter(field_name="recipient_id", label=_("Recipient id"))
    status = django_filters.ChoiceFilter(choices=BedStatus.choices)
    accepted_from = django_filters.DateFilter(
        field_name="accepted_on", lookup_expr="gte", label=_("Accepted on or after (YYYY-MM-DD)")
    )
    accepted_to = django_filters.DateFilter(
        field_name="accepted_on", lookup_expr="lte", label=_("Accepted on or before (YYYY-MM-DD)")
    )

    class Meta:
        model = FamilyCareBed
        fields = ["area", "area_code", "recipient", "status", "accepted_from", "accepted_to"]


# Each move: the URL segment, its input serializer, and how the input maps onto the service.
MOVES = {
    "plan": (BedPlanSerializer, services.bed_record_plan),
    "start_retrofit": (BedStartRetrofitSerializer, services.bed_start_retrofit),
    "finish_retrofit": (BedFinishRetrofitSerializer, services.bed_finish_retrofit),
    "accept": (BedAcceptSerializer, services.bed_accept),
    "reject_acceptance": (BedRejectAcceptanceSerializer, services.bed_reject_acceptance),
    "start_service": (BedStartServiceSerializer, services.bed_start_service),
    "withdraw": (BedWithdrawSerializer, services.bed_withdraw),
}


BED_MOVE_DESCRIPTION = _(
    "Moves the bed on in its lifecycle: 申请 applied → 评估设计 assessed → 改造中 retrofitting → 待验收 awaiting "
    "acceptance → 验收合格 accepted → 服务中 in service, or 撤销 withdrawn (with a reason) on the way. "
    "A move the bed's current status does not allow is a 400 naming both statuses. The answer is the bed as it "
    "now stands."
)


def _move_action(name: str, serializer_class, service, summary):
    def move(self, request, pk=None, **kwargs):
        bed = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        moved = write_in_scope(
            request.user, lambda: service(bed=bed, acting_user=request.user, **serializer.validated_data)
        )
        return self._answer(moved, status.HTTP_200_OK)

    return named_step_action(
        name,
        move,
        serializer_class=serializer_class,
        doc=f"The bed's `{name}` move, through its service.",
        responses={200: FamilyCareBedSerializer},
        summary=summary,
        description=BED_MOVE_DESCRIPTION,
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List family care beds"),
        description=_(
            "Family care beds (家庭养老床位) in your scope, with their status and retrofit items. A bed counts "
            "toward the area's target when it is accepted (验收合格) within the area's cycle."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Get a family care bed"), description=_("One bed in your scope, with its retrofit items.")
    ),
)
class FamilyCareBedViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = FamilyCareBed.objects.all()
    serializer_class = FamilyCareBedSerializer
    filterset_class = BedFilter
    ordering_fields = ["id", "applied_on", "accepted_on", "status"]
    ordering = ["-applied_on", "-id"]

    def base_queryset(self):
        return FamilyCareBed.objects.select_related("area__region").prefetch_related(
            Prefetch("items", queryset=RetrofitItem.objects.select_related("catalog_item").order_by("id")),
            Prefetch("photos", queryset=BedPhoto.objects.order_by("created_at", "id")),
        )

    def get_serializer_class(self):
        return BedApplySerializer if self.action == "create" else FamilyCareBedSerializer

    def _answer(self, bed: FamilyCareBed, code: int) -> Response:
        fresh = self.base_queryset().get(pk=bed.pk)
        return Response(FamilyCareBedSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=BedApplySerializer,
        responses={201: FamilyCareBedSerializer},
        summary=_("Apply for a family care bed"),
        description=_(
            "Opens a bed application (申请) for a recipient, who must be eligible on the day of the application "
            "and hold no other active bed."
        ),
    )
    def create(self, request, *args, **kwargs):
        """Open a bed application through `bed_apply` (eligibility and one active bed a recipient)."""
        serializer = BedApplySerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        bed = write_in_scope(
            request.user, lambda: services.bed_apply(acting_user=request.user, **serializer.validated_data)
        )
        return self._answer(bed, status.HTTP_201_CREATED)

    plan = _move_action("plan", *MOVES["plan"], _("Record the assessment and the one-home plan (评估设计)"))
    start_retrofit = _move_action("start_retrofit", *MOVES["start_retrofit"], _("Start or resume the retrofit works"))
    finish_retrofit = _move_action("finish_retrofit", *MOVES["finish_retrofit"], _("Finish the works (待验收)"))
    accept = _move_action("accept", *MOVES["accept"], _("Record a passed acceptance (验收合格)"))
    reject_acceptance = _move_action(
        "reject_acceptance", *MOVES["reject_acceptance"], _("Record a failed acceptance: back to retrofitting")
    )
    start_service = _move_action("start_service", *MOVES["start_service"], _("Start the service (服务中)"))
    withdraw = _move_action("withdraw", *MOVES["withdraw"], _("Withdraw the bed with a reason (撤销)"))

    @extend_schema(
        request=RetrofitItemSerializer,
        responses={201: FamilyCareBedSerializer},
        summary=_("Record a retrofit item"),
        description=_(
            "Records an item installed in the bed's home: an accessibility item or a smart device. A device "
            "needs its serial number, install date and a warranty of at least 12 months. The answer is the bed "
            "with all its items."
        ),
    )
    @action(detail=True, methods=["post"], url_path="items", serializer_class=RetrofitItemSerializer)
    def add_item(self, request, pk=None, **kwargs):
        """Record an installed retrofit item (devices need serial number, install date and warranty)."""
        bed = self.get_object()
        serializer = RetrofitItemSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        write_in_scope(
            request.user,
            lambda: validated_save(RetrofitItem(bed=bed, **serializer.validated_data), request.user),
        )
        return self._answer(bed, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses=BedPhotoSerializer(many=True),
        summary=_("List a bed's evidence photos"),
        description=_("The before, after and acceptance photos of a bed in your scope, with their SHA-256."),
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": BedPhotoUploadSerializer},
        responses={
            201: BedPhotoSerializer,
            200: BedPhotoSerializer,
            409: OpenApiResponse(
                response={"$ref": "#/components/schemas/Error"},
                description=_("This photo is already stored for the bed as another stage or item."),
            ),
            415: OpenApiResponse(
                response={"$ref": "#/components/schemas/Error"},
                description=_("The body is not multipart/form-data: send the photo as a file field named `image`."),
            ),
        },
        summary=_("Upload an evidence photo of a bed"),
        description=_(
            "Multipart: `stage` (before, after or acceptance), `image` (JPEG, PNG or WebP, at most 10 MB) and, "
            "optionally, `item` (the retrofit item it shows) and `taken_on`. Checked, turned upright and stored "
            "without EXIF like a visit's photo. 201: stored. 200: the same photo was already stored for the bed "
            "(a resend): nothing changed. 409: it is stored as another stage or item."
        ),
    )
    # A bed's photos are few: one plain list, no pages or filters.
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[PhotoMultiPartParser],
        pagination_class=None,
        filter_backends=[],
    )
    def photos(self, request, pk=None, **kwargs):
        """List the bed's photos, or add one through `bed_photo_add` (a resend answers the stored one)."""
        bed = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(
                BedPhotoSerializer(bed.photos.order_by("created_at", "id"), many=True, context=context).data
            )
        serializer = BedPhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        single_upload(request)
        data = serializer.validated_data
        item = None
        if "item" in data:
            item = RetrofitItem.objects.filter(bed=bed, pk=data["item"]).first()
            if item is None:
                raise ValidationError({"item": [_("This bed has no retrofit item with this id.")]})
        try:
            result = services.bed_photo_add(
                bed=bed,
                stage=data["stage"],
                upload=data["image"],
                item=item,
                taken_on=data.get("taken_on"),
                acting_user=request.user,
            )
        except PhotoConflict as conflict:
            return Response({"detail": str(conflict.message)}, status=status.HTTP_409_CONFLICT)
        body = BedPhotoSerializer(result.photo, context=context).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Get a bed's evidence photo"),
        description=_("One evidence photo of a bed in your scope: its stage, SHA-256, size and EXIF metadata."),
    ),
)
class BedPhotoViewSet(ScopedQuerysetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence photos by their own id (the scope reaches them through their bed); added under the bed."""

    queryset = BedPhoto.objects.all()
    serializer_class = BedPhotoSerializer

    def perform_content_negotiation(self, request, force=False):
        # An <img> may ask for image/* only: the answer is the image, and any error is JSON anyway.
        return super().perform_content_negotiation(request, force=force or self.action == "image")

    @extend_schema(
        parameters=[SIZE_PARAMETER],
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in IMAGE_CONTENT_TYPES},
        summary=_("Download a bed's evidence photo"),
        description=_("The stored image, for signed-in users who may see the bed; with `size=thumb` a small JPEG."),
    )
    @action(detail=True, methods=["get"])
    def image(self, request, pk=None):
        """The photo's image, once the photo was found in the user's scope."""
        photo = self.get_object()
        extension = photo.image.name.rsplit(".", 1)[-1] if "." in photo.image.name else "bin"
        filename = f"bed-{photo.bed_id}-{photo.stage}-{photo.pk}.{extension}"
        return image_response(photo.image, photo.content_type, filename, thumbnail=wants_thumbnail(request))
