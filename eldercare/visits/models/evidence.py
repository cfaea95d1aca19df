"""The evidence around a visit: the caregiver's photos and the older person's own confirmation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from eldercare.core.models import TimeStampedModel

from .visit import Satisfaction, Visit


class PhotoKind(models.TextChoices):
    START = "start", _("At the start (开始现场照片)")
    END = "end", _("At the end (结束现场照片)")


class VisitPhoto(TimeStampedModel):
    """A photo taken at the door at the start or the end of a visit; one of each kind, never replaced.

    The image is stored through Django's storage API (settings.STORAGES), after validation and with
    its EXIF orientation applied; the SHA-256 is of the stored bytes, so an export can prove a file.
    """

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    image = models.FileField(_("photo"), upload_to="visits/%Y/%m/", max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=32)
    width = models.PositiveIntegerField(_("width (pixels)"))
    height = models.PositiveIntegerField(_("height (pixels)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    # From the file's EXIF, kept as metadata only: it never replaces the check-in location.
    exif_latitude = models.DecimalField(_("EXIF latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    exif_longitude = models.DecimalField(_("EXIF longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "kind"], name="visit_photo_one_per_kind"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="visit_photo_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.sha256[:12]}"


class VisitConfirmation(TimeStampedModel):
    """The older person's (or family's) own answer about one visit, given once on the confirmation page."""

    visit = models.OneToOneField(Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="confirmation")
    card = models.ForeignKey(
        "recipients.ConfirmationCard",
        verbose_name=_("confirmation card"),
        on_delete=models.PROTECT,
        related_name="confirmations",
    )
    took_place = models.BooleanField(_("took place"))
    rating = models.CharField(_("rating"), max_length=20, choices=Satisfaction.choices, blank=True)

    class Meta:
        verbose_name = _("visit confirmation")
        verbose_name_plural = _("visit confirmations")
        constraints = [
            # A visit that did not take place is not rated.
            models.CheckConstraint(
                condition=Q(took_place=True) | Q(rating=""), name="visit_confirmation_rating_only_if_held"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.get_rating_display() or self.took_place}"
