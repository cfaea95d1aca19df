"""A visit's evidence on its admin page, read-only: its photos (thumbnail, kind, SHA-256, size, EXIF
metadata, who and when) and the older person's confirmation.

Photos are added through the API (the caregiver's phone) and never changed or deleted here. Images
come from the API's image address, which checks the user's scope like every other read; they are
never linked to a public media address.
"""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import NoDeleteInlineMixin

from ..models import VisitConfirmation, VisitPhoto
from ..photo_apis import visit_photo_path

# Side of a thumbnail on an admin page, in CSS pixels (the image itself is at most 320).
THUMBNAIL_PX = 96


def thumbnail_html(path: str, alt: str, *, edge: int = THUMBNAIL_PX) -> str:
    """A small image linking to the full one; loaded lazily so a long list costs only what is seen."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener"><img src="{}?size=thumb" alt="{}" loading="lazy" '
        'style="max-width:{}px;max-height:{}px;vertical-align:middle"></a>',
        path,
        path,
        alt,
        edge,
        edge,
    )


def sha256_html(sha256: str | None) -> str:
    """The first characters of a hash, the whole of it on hover and for copying."""
    if not sha256:
        return gettext("unknown")
    return format_html('<code title="{}">{}…</code>', sha256, sha256[:16])


def exif_text(latitude, longitude, taken_at) -> str:
    parts = []
    if latitude is not None and longitude is not None:
        parts.append(f"{latitude}, {longitude}")
    if taken_at is not None:
        parts.append(timezone.localtime(taken_at).strftime("%Y-%m-%d %H:%M"))
    return " · ".join(parts) or "—"


class ReadOnlyInlineFormSet(BaseInlineFormSet):
    """The rows of a read-only inline: a POST of the page changes none of them, so nothing is read from it.

    Always valid and saving nothing, so a change page posted without this inline's management form
    (a script, an older page) is not refused because of rows it cannot change anyway.
    """

    def is_valid(self) -> bool:
        return True

    def full_clean(self) -> None:
        self._errors = []
        self._non_form_errors = self.error_class(renderer=self.renderer)

    def save(self, commit=True) -> list:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class VisitPhotoInline(NoDeleteInlineMixin, admin.TabularInline):
    model = VisitPhoto
    formset = ReadOnlyInlineFormSet
    extra = 0
    max_num = 0
    fields = ["thumbnail", "kind", "sha256_short", "size", "exif", "uploaded"]
    readonly_fields = fields
    verbose_name_plural = _("photos (开始/结束现场照片)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False  # from the phone, through the API

    def has_change_permission(self, request, obj=None):
        return False  # evidence: never replaced

    @admin.display(description=_("photo"))
    def thumbnail(self, photo: VisitPhoto) -> str:
        return thumbnail_html(visit_photo_path(photo.visit_id, photo.kind), photo.get_kind_display())

    @admin.display(description=_("SHA-256"))
    def sha256_short(self, photo: VisitPhoto) -> str:
        return sha256_html(photo.sha256)

    @admin.display(description=_("size"))
    def size(self, photo: VisitPhoto) -> str:
        return f"{photo.width} × {photo.height} · {filesizeformat(photo.size_bytes)}"

    @admin.display(description=_("EXIF location and time"))
    def exif(self, photo: VisitPhoto) -> str:
        return exif_text(photo.exif_latitude, photo.exif_longitude, photo.taken_at)

    @admin.display(description=_("uploaded"))
    def uploaded(self, photo: VisitPhoto) -> str:
        who = photo.uploaded_by.get_username() if photo.uploaded_by else "—"
        return f"{who} · {timezone.localtime(photo.created_at).strftime('%Y-%m-%d %H:%M')}"


class VisitConfirmationInline(NoDeleteInlineMixin, admin.StackedInline):
    """The older person's answer on the visit's page, given on the confirmation page (eldercare.confirmations)."""

    formset = ReadOnlyInlineFormSet
    model = VisitConfirmation
    fields = ["took_place", "rating", "created_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    verbose_name_plural = _("the older person's confirmation")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
