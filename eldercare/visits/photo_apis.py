"""A visit's start and end photos through the API: upload (multipart), list, one photo, its image.

`/api/v1/visits/{pk}/photos/`, `.../photos/start/`, `.../photos/end/` and their `image/`
(eldercare.api.urls: one route per kind, so every address names its object by `pk`, the visit, as
the security matrix expects of every object address). The visit is looked up in the user's scope
first (outside it: 404); uploading needs a role that writes visits (else 403). The photo is
checked and stored by `eldercare.visits.photos`: a resend of the same photo answers 200 with the
stored one, a different photo of a kind already stored 409. Images are served here, after the same
scope check, never from a public media address. Beds reuse the parser and the image answer.
"""

import io

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, load_handler
from django.http import FileResponse, HttpResponse
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from PIL import Image, ImageOps
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser, DataAndFiles
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from eldercare.accounts.scoping import can_write, scope_queryset
from eldercare.api.base import refuse_hostile_query_parameters
from eldercare.api.serializers import StrictSerializer
from eldercare.core.input_policy import plausible_id

from . import photos
from .models import PhotoKind, Visit, VisitPhoto

# The multipart framing around one photo (boundaries, headers, the `kind` field) is far below this.
MULTIPART_ALLOWANCE = 64 * 1024
# Thumbnails for the admin and the review queue: small enough for a list of a hundred visits.
THUMBNAIL_EDGE = 320
IMAGE_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"]
# Photos never change once stored; they are personal data, so only the browser may keep them.
IMAGE_CACHE_CONTROL = "private, max-age=86400"


# --- Multipart within the input policy ------------------------------------------------------------


class _UploadTooLarge(Exception):
    pass


class UploadLimitHandler(FileUploadHandler):
    """Counts the bytes of every file in the body and stops reading as soon as they pass the limit."""

    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.total = 0

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        if self.total > self.limit:
            raise _UploadTooLarge
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers (memory, then a temporary file) keep the bytes


class PhotoMultiPartParser(BaseParser):
    """`multipart/form-data` with one photo: the body is refused beyond the photo limit (declared or sent).

    Django's own multipart parsing, with a first upload handler that stops at PHOTO_MAX_BYTES, so an
    oversized upload is never read to its end, and a body that cannot be parsed is a 400 in the
    user's language. Text fields go on to the strict serializers (control characters, unknown names).
    """

    media_type = "multipart/form-data"

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        limit = photos.max_bytes()
        declared = str(request.META.get("CONTENT_LENGTH") or "")
        if declared.isascii() and declared.isdigit() and int(declared[:20]) > limit + MULTIPART_ALLOWANCE:
            raise ParseError(photos.too_large_message(), code="photo_too_large")
        meta = {**request.META, "CONTENT_TYPE": media_type}
        handlers = [UploadLimitHandler(limit, request)]
        handlers += [load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS]
        encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        try:
            data, files = DjangoMultiPartParser(meta, stream, handlers, encoding).parse()
        except _UploadTooLarge:
            raise ParseError(photos.too_large_message(), code="photo_too_large") from None
        except (MultiPartParserError, ValueError) as error:
            raise ParseError(_("The multipart body could not be read."), code="parse_error") from error
        return DataAndFiles(data, files)


def single_upload(request, name: str = "image"):
    """The one file sent as `name`; two under the same name are refused rather than one dropped."""
    sent = request.FILES.getlist(name)
    if len(sent) > 1:
        raise ValidationError({name: [_("Send one photo at a time.")]})


# --- Serving images after the scope check ---------------------------------------------------------


def image_response(file_field, content_type: str, filename: str, *, thumbnail: bool = False) -> HttpResponse:
    """The stored image (or a small JPEG of it), never cached by a shared cache; a missing file is a 404."""
    try:
        opened = file_field.storage.open(file_field.name, "rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("The photo's file is missing from storage.")) from None
    if thumbnail:
        with opened:
            response = HttpResponse(_thumbnail(opened), content_type="image/jpeg")
    else:
        response = FileResponse(opened, content_type=content_type or "application/octet-stream")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = IMAGE_CACHE_CONTROL
    return response


def _thumbnail(opened) -> bytes:
    try:
        with Image.open(opened) as image:
            image.draft("RGB", (THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            small = ImageOps.exif_transpose(image.convert("RGB") if image.mode not in ("RGB", "L") else image)
            small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            out = io.BytesIO()
            small.convert("RGB").save(out, format="JPEG", quality=75)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        # A file stored before photos were checked may be no image at all: there is nothing to show.
        raise NotFound(_("The photo's file cannot be shown.")) from None


SIZE_PARAMETER = OpenApiParameter(
    "size",
    str,
    OpenApiParameter.QUERY,
    enum=["thumb"],
    required=False,
    description=_("`thumb` for a JPEG at most 320 pixels a side (lists); leave it out for the stored photo."),
)


def wants_thumbnail(request) -> bool:
    size = request.query_params.get("size", "")
    if size not in ("", "thumb"):
        raise ValidationError({"size": [_("Leave `size` out, or send `thumb`.")]})
    return size == "thumb"


# --- Visit photos -------------------------------------------------------------------------------


class VisitPhotoSerializer(serializers.ModelSerializer):
    # Plain text here: an enum in two components would need a settings-wide name (ENUM_NAME_OVERRIDES).
    kind = serializers.CharField(read_only=True, help_text=_("`start` or `end`."))
    url = serializers.SerializerMethodField(help_text=_("Where the image is served (signed-in, in scope)."))
    exif_latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, read_only=True, help_text=_("From the photo's EXIF, WGS-84.")
    )
    exif_longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, read_only=True, help_text=_("From the photo's EXIF, WGS-84.")
    )

    class Meta:
        model = VisitPhoto
        fields = [
            "id",
            "kind",
            "sha256",
            "width",
            "height",
            "size_bytes",
            "content_type",
            "url",
            "taken_at",
            "exif_latitude",
            "exif_longitude",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, photo: VisitPhoto) -> str:
        path = visit_photo_path(photo.visit_id, photo.kind)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def visit_photo_path(visit_id: int, kind: str) -> str:
    """The API address of a visit's photo image (exports link to it too)."""
    return reverse(f"api:visit-photo-{kind}-image", kwargs={"pk": visit_id})


class VisitPhotoUploadSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=PhotoKind.choices, help_text=_("`start` or `end`."))
    image = serializers.FileField(
        help_text=_("The photo: JPEG, PNG or WebP, at most 10 MB (checked by its content, not its name)."),
        allow_empty_file=True,  # the photo service says "empty" in its own words
        use_url=False,
    )


CONFLICT = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description=_("The visit already has a different photo of this kind: a photo is never replaced."),
)
NOT_MULTIPART = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description=_("The body is not multipart/form-data: send the photo as a file field named `image`."),
)


@extend_schema_view(
    list=extend_schema(
        responses=VisitPhotoSerializer(many=True),
        summary=_("List a visit's photos"),
        description=_(
            "The start and end photos (开始/结束现场照片) stored for a visit in your scope, with their SHA-256."
        ),
    ),
    create=extend_schema(
        request={"multipart/form-data": VisitPhotoUploadSerializer},
        responses={201: VisitPhotoSerializer, 200: VisitPhotoSerializer, 409: CONFLICT, 415: NOT_MULTIPART},
        summary=_("Upload a visit's start or end photo"),
        description=_(
            "Multipart: `kind` (start or end) and `image` (JPEG, PNG or WebP, at most 10 MB). The photo is turned "
            "upright, scaled to at most 2560 pixels a side and stored without its EXIF; where and when it was "
            "taken (EXIF GPS, DateTimeOriginal) are kept as fields. 201: stored. 200: the same photo was already "
            "stored (a resend from a phone that was offline): nothing changed. 409: a different photo of this kind "
            "is stored; photos are never replaced. A locked or voided visit takes no photo (400)."
        ),
    ),
    retrieve=extend_schema(
        responses=VisitPhotoSerializer,
        summary=_("Get a visit's photo"),
        description=_("One photo of a visit in your scope: its SHA-256, size, EXIF metadata and image address."),
    ),
)
class VisitPhotoViewSet(viewsets.GenericViewSet):
    """A visit's photos; the visit is found in the user's scope, the photo by its kind."""

    permission_classes = [IsAuthenticated]
    parser_classes = [PhotoMultiPartParser]
    serializer_class = VisitPhotoSerializer
    # The object every address names (`pk`) is the visit; its photos are found from it.
    queryset = Visit.objects.all()
    pagination_class = None
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_hostile_query_parameters(request)

    def perform_content_negotiation(self, request, force=False):
        # An <img> may ask for image/* only: the answer is the image, and any error is JSON anyway.
        return super().perform_content_negotiation(request, force=True)

    def visit(self) -> Visit:
        pk = plausible_id(self.kwargs.get("pk"))
        visit = scope_queryset(self.request.user, Visit.objects.all()).filter(pk=pk).first() if pk else None
        if visit is None:
            raise NotFound()
        return visit

    def photo(self) -> VisitPhoto:
        found = VisitPhoto.objects.filter(visit=self.visit(), kind=self.kwargs.get("kind")).first()
        if found is None:
            raise NotFound(_("This visit has no photo of this kind."))
        return found

    def list(self, request, pk=None):
        found = VisitPhoto.objects.filter(visit=self.visit()).order_by("kind")
        return Response(VisitPhotoSerializer(found, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request, pk=None, kind=None):
        return Response(VisitPhotoSerializer(self.photo(), context=self.get_serializer_context()).data)

    def create(self, request, pk=None):
        visit = self.visit()
        if not can_write(request.user, visit):
            raise PermissionDenied(_("Your role may not change these records."))
        serializer = VisitPhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        single_upload(request)
        try:
            result = photos.visit_photo_add(
                visit=visit,
                kind=serializer.validated_data["kind"],
                upload=serializer.validated_data["image"],
                acting_user=request.user,
            )
        except photos.PhotoConflict as conflict:
            return Response({"detail": str(conflict.message)}, status=status.HTTP_409_CONFLICT)
        body = VisitPhotoSerializer(result.photo, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[SIZE_PARAMETER],
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in IMAGE_CONTENT_TYPES},
        summary=_("Download a visit's photo"),
        description=_("The stored image, for signed-in users who may see the visit; with `size=thumb` a small JPEG."),
    )
    def image(self, request, pk=None, kind=None):
        photo = self.photo()
        filename = f"visit-{photo.visit_id}-{photo.kind}.{photo.image.name.rsplit('.', 1)[-1]}"
        return image_response(photo.image, photo.content_type, filename, thumbnail=wants_thumbnail(request))
