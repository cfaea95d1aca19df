"""Photos as evidence: the one home for checking, cleaning and storing an uploaded image (visits and beds).

An upload is read in chunks up to `PHOTO_MAX_BYTES` and refused beyond it; its type is what Pillow
decodes (JPEG, PNG or WebP; never the file's name or the content type the client claims). The size
it declares is checked before any pixel is decoded (`PHOTO_MAX_PIXELS`, `PHOTO_MAX_EDGE`: a
decompression bomb is a 400, not a worker out of memory). The photo is then turned upright (EXIF
orientation), scaled down to `PHOTO_STORED_MAX_EDGE` and encoded again with no metadata but its
colour profile: where and when it was taken (EXIF GPS and DateTimeOriginal) are kept as fields,
never in the stored file. The SHA-256 is of the stored bytes, so an export can prove a file.

Files go through Django's storage API (`default_storage`, the FileField), so a deployment chooses
local disk or S3-compatible object storage in settings (STORAGE_BACKEND, docs/operations.md).

`visit_photo_add` writes a visit's start or end photo; beds.services reuses `check_photo`.
"""

import datetime as dt
import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from decimal import Decimal
from struct import error as struct_error  # some truncated EXIF blocks raise it

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.core.input_policy import PROGRAMME_TIMEZONE, validate_timestamp
from eldercare.core.models import AuditEvent

from .models import PhotoKind, Visit, VisitPhoto, VisitStatus
from .services import visit_is_locked
from .verification.contract import invalidate

# What Pillow may try to decode the bytes as; anything else is "not a photo". HEIC is not among
# them (Pillow cannot decode it without a plug-in): phones in China send JPEG from the web page.
DECODERS = ["JPEG", "PNG", "WEBP"]
# Pillow's format (MPO: a phone's JPEG with a second, depth or preview, picture) → stored as.
STORED_AS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A phone photo at 2560 px and quality 85 is 0.4–0.8 MB: 13 million photos a year stay within ~8 TB.
QUALITY = 85
EXIF_DATETIME = "%Y:%m:%d %H:%M:%S"
# The pixel modes each format stores as they are; others are converted to RGB (or RGBA).
KEPT_MODES = {"JPEG": ("RGB", "L"), "PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"), "WEBP": ("RGB", "RGBA")}


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _setting("PHOTO_MAX_BYTES", 10 * 1024 * 1024)


class PhotoConflict(DomainError):
    """Another photo of this kind is already stored for the visit (photos are never replaced)."""


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload that passed the checks, as it will be stored, and what its EXIF said."""

    content: bytes
    sha256: str
    format: str  # JPEG, PNG or WEBP
    width: int
    height: int
    exif_latitude: Decimal | None = None
    exif_longitude: Decimal | None = None
    taken_at: dt.datetime | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def size_bytes(self) -> int:
        return len(self.content)

    def metadata(self) -> dict:
        """The model fields every photo record shares (VisitPhoto, BedPhoto)."""
        return {
            "sha256": self.sha256,
            "content_type": self.content_type,
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
            "exif_latitude": self.exif_latitude,
            "exif_longitude": self.exif_longitude,
            "taken_at": self.taken_at,
        }


def too_large_message() -> str:
    return _("The photo is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes())}


def _too_large() -> DomainError:
    return DomainError(too_large_message(), field="image", code="photo_too_large")


def _not_a_photo() -> DomainError:
    return DomainError(_("This file is not a JPEG, PNG or WebP photo."), field="image", code="photo_not_image")


def _too_many_pixels(width: int, height: int) -> DomainError:
    return DomainError(
        _(
            "The photo is %(width)d × %(height)d pixels: at most %(megapixels)d megapixels and %(edge)d pixels "
            "a side are accepted. Take it at a lower resolution."
        )
        % {
            "width": width,
            "height": height,
            "megapixels": _setting("PHOTO_MAX_PIXELS", 50_000_000) // 1_000_000,
            "edge": _setting("PHOTO_MAX_EDGE", 12_000),
        },
        field="image",
        code="photo_too_many_pixels",
    )


def read_limited(upload) -> bytes:
    """The upload's bytes, read in chunks and refused as soon as they pass PHOTO_MAX_BYTES."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_large()
    parts, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(64 * 1024), b""):
        total += len(chunk)
        if total > limit:
            raise _too_large()
        parts.append(chunk)
    return b"".join(parts)


def check_photo(upload) -> CheckedPhoto:
    """Read, check and clean an uploaded photo; every refusal is a DomainError naming `image`."""
    data = read_limited(upload)
    if not data:
        raise DomainError(_("The photo is empty."), field="image", code="photo_empty")
    return clean_photo(data)


def clean_photo(data: bytes) -> CheckedPhoto:
    """The photo in `data` decoded, upright, scaled and encoded again without metadata (see the module)."""
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here a bomb is always refused.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=DECODERS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise DomainError(
                _("The photo declares more pixels than any camera takes."), field="image", code="photo_too_many_pixels"
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError):
            raise _not_a_photo() from None
        with image:
            return _clean(image)


def _clean(image: Image.Image) -> CheckedPhoto:
    stored_as = STORED_AS.get(image.format or "")
    if stored_as is None:
        raise _not_a_photo()
    width, height = image.size
    if width * height > _setting("PHOTO_MAX_PIXELS", 50_000_000) or max(width, height) > _setting(
        "PHOTO_MAX_EDGE", 12_000
    ):
        raise _too_many_pixels(width, height)
    smallest = _setting("PHOTO_MIN_EDGE", 64)
    if min(width, height) < smallest:
        raise DomainError(
            _("The photo is %(width)d × %(height)d pixels: too small to show anything (at least %(edge)d a side).")
            % {"width": width, "height": height, "edge": smallest},
            field="image",
            code="photo_too_small",
        )
    edge = _setting("PHOTO_STORED_MAX_EDGE", 2560)
    try:
        exif = image.getexif()
        latitude, longitude = _gps(exif)
        taken_at = _taken_at(exif)
        icc_profile = image.info.get("icc_profile")
        if stored_as == "JPEG":
            image.draft("RGB", (edge, edge))  # a large JPEG is decoded at 1/2, 1/4 or 1/8 size: less memory
        image.load()
        upright = ImageOps.exif_transpose(image)
        if max(upright.size) > edge:
            upright.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        content = _encode(upright, stored_as, icc_profile)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(width, height) from None
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError, struct_error):
        # A truncated or corrupt file: Pillow read the header but not the pixels.
        raise DomainError(
            _("The photo could not be read: the file is damaged or incomplete. Send it again."),
            field="image",
            code="photo_damaged",
        ) from None
    return CheckedPhoto(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        format=stored_as,
        width=upright.width,
        height=upright.height,
        exif_latitude=latitude,
        exif_longitude=longitude,
        taken_at=taken_at,
    )


def _encode(image: Image.Image, stored_as: str, icc_profile: bytes | None) -> bytes:
    """The pixels in `stored_as`, with the colour profile and nothing else (no EXIF, XMP or comment)."""
    if image.mode not in KEPT_MODES[stored_as]:
        keeps_alpha = stored_as != "JPEG" and "A" in image.getbands()
        image = image.convert("RGBA" if keeps_alpha else "RGB")
    image.info = {}  # the encoders fall back on info (a JPEG's comment, a WebP's EXIF): nothing to fall back on
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if stored_as == "JPEG":
        options.update(quality=QUALITY, exif=b"")
    elif stored_as == "WEBP":
        options.update(quality=QUALITY, exif=b"", xmp=b"")
    out = io.BytesIO()
    image.save(out, format=stored_as, **options)
    return out.getvalue()


def _gps(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    """EXIF GPS latitude and longitude in decimal degrees (WGS-84, as GPS gives them), or None."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 - a broken GPS block is metadata we do without
        return None, None
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S", 90)
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W", 180)
    if latitude is None or longitude is None:
        return None, None
    return latitude, longitude


def _degrees(value, reference, negative: str, bound: int) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    if str(reference or "").strip("\x00 ").upper() == negative:
        decimal = -decimal
    if not math.isfinite(decimal) or abs(decimal) > bound:
        return None
    return Decimal(f"{decimal:.6f}")


def _taken_at(exif: Image.Exif) -> dt.datetime | None:
    """DateTimeOriginal with its offset (OffsetTimeOriginal), else in Beijing time; None if implausible."""
    try:
        details = exif.get_ifd(ExifTags.IFD.Exif)
        text = str(details.get(ExifTags.Base.DateTimeOriginal) or "").strip("\x00 ")
        offset = str(details.get(ExifTags.Base.OffsetTimeOriginal) or "").strip("\x00 ")
        if not text:
            return None
        # A camera writes its local time; with no offset beside it, the time is Beijing time.
        moment = dt.datetime.strptime(text[:19], EXIF_DATETIME).replace(tzinfo=PROGRAMME_TIMEZONE)
        if offset:
            moment = dt.datetime.fromisoformat(f"{moment.replace(tzinfo=None).isoformat()}{offset}")
        validate_timestamp(moment)  # a camera whose clock was never set says 2000-01-01: that is no time
    except (ValueError, TypeError, OverflowError, ValidationError, KeyError):
        return None
    except Exception:  # noqa: BLE001 - a broken EXIF block is metadata we do without
        return None
    return moment


def describe_stored(data: bytes) -> dict:
    """What can be said of a file stored before photos were checked, without changing it (backfills).

    The hash and size are of the file as it is; type, size in pixels and EXIF metadata come from its
    header when Pillow recognises it (pixels are never decoded, so a bomb costs nothing), else the
    type is unknown (`application/octet-stream`) and the width and height 0.
    """
    described = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        "content_type": "application/octet-stream",
        "width": 0,
        "height": 0,
        "exif_latitude": None,
        "exif_longitude": None,
        "taken_at": None,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                exif = image.getexif()
                latitude, longitude = _gps(exif)
                described.update(
                    content_type=(image.get_format_mimetype() or described["content_type"])[:32],
                    width=image.width,
                    height=image.height,
                    exif_latitude=latitude,
                    exif_longitude=longitude,
                    taken_at=_taken_at(exif),
                )
        except Exception:  # noqa: BLE001 - an unreadable old file keeps its hash and size, and is kept
            pass
    return described


# --- Visits ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoResult:
    photo: VisitPhoto
    created: bool  # False: the same photo was already stored (a resend), nothing changed


def _refuse_unchangeable(visit: Visit) -> None:
    if visit.status == VisitStatus.VOIDED:
        raise DomainError(_("A voided visit cannot be changed."), code="visit_voided")
    if visit_is_locked(visit):
        raise DomainError(
            _("This visit is locked (fee confirmed or over %(days)d days old): no photo can be added.")
            % {"days": visit.area.batch.lock_after_days},
            code="visit_locked",
        )


def visit_photo_add(*, visit: Visit, kind: str, upload, acting_user=None) -> PhotoResult:
    """Store a visit's start or end photo; a resend of the same photo changes nothing, another is refused.

    1. The photo is checked and cleaned before any lock is taken (decoding is the slow part).
    2. The visit row is locked, so two uploads for one visit queue: the second sees the first's photo.
    3. The file is written, then the row; if the row cannot be written the file is removed again.
    """
    if kind not in PhotoKind.values:
        raise DomainError(_("Choose the kind of photo: start or end."), field="kind", code="invalid_choice")
    checked = check_photo(upload)
    with transaction.atomic():
        locked = Visit.objects.select_for_update().select_related("area__batch").get(pk=visit.pk)
        existing = VisitPhoto.objects.filter(visit=locked, kind=kind).first()
        if existing is not None and existing.sha256 == checked.sha256:
            return PhotoResult(existing, created=False)
        _refuse_unchangeable(locked)
        if existing is not None:
            raise PhotoConflict(
                _(
                    "This visit already has a different %(kind)s photo (SHA-256 %(sha)s…); a photo is never "
                    "replaced. If it is wrong, void the visit with a reason and record it again."
                )
                % {"kind": existing.get_kind_display(), "sha": existing.sha256[:12]},
                field="image",
                code="photo_conflict",
            )
        photo = VisitPhoto(visit=locked, kind=kind, uploaded_by=_acting(acting_user), **checked.metadata())
        photo.image.save(
            f"{locked.pk}-{kind}-{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content), save=False
        )
        try:
            with transaction.atomic():
                photo.save()
                _record(photo, locked, acting_user)
        except (IntegrityError, DomainError, ValidationError):
            photo.image.storage.delete(photo.image.name)
            raise
    return PhotoResult(photo, created=True)


def _acting(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _record(photo: VisitPhoto, visit: Visit, acting_user) -> None:
    """The audit event and the re-check of the visit (a required photo arriving clears its warning)."""
    audit_record(
        action=AuditEvent.Action.CREATE,
        user=acting_user,
        obj=photo,
        details={"visit": visit.pk, "kind": photo.kind, "sha256": photo.sha256, "size_bytes": photo.size_bytes},
    )
    # The contract re-checks the visit at once (a required photo arriving clears its warning) and
    # queues its recipient's recount, in this transaction.
    invalidate(photo, ["visit", "kind"], reason="visits.visitphoto added")
