"""Coordinates: the systems phones report in, their conversion to WGS-84, and distances.

Map SDKs on phones in China return GCJ-02 (AMap/高德, Tencent) or BD-09 (Baidu); raw GPS is WGS-84.
The system stores and measures WGS-84 only, so every coordinate that comes in goes through
`to_wgs84(latitude, longitude, system)` first. Plain floats throughout: the bulk upload converts
thousands of points a request.

The GCJ-02 offset is the published formula on the Krasovsky 1940 ellipsoid (the one in
wandergis/coordtransform and googollee/eviltransform). It has no closed inverse: the usual one-step
inverse (subtract the offset computed at the GCJ-02 point) is 1–2 m off, so `gcj02_to_wgs84`
refines it by fixed-point iteration until the forward transform lands within a micrometre.
"""

import math
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CoordinateSystem(models.TextChoices):
    """The systems a phone's map SDK reports in. Stored coordinates are always WGS-84."""

    WGS84 = "wgs84", _("WGS-84 (GPS)")
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

# Krasovsky 1940: semi-major axis (m) and first eccentricity squared, as GCJ-02 uses them.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# BD-09's rotation constant: π × 3000 / 180.
BD09_X_PI = math.pi * 3000.0 / 180.0
# The GCJ-02 offset applies inside this box only (eviltransform's, a little wider than the
# 73.66–135.05 E / 3.86–53.55 N often quoted, which cuts off the north tip of Heilongjiang at 53.56 N).
CHINA_LONGITUDE = (72.004, 137.8347)
CHINA_LATITUDE = (0.8293, 55.8271)
# The inverse stops when the forward transform of its guess is this close (degrees, ~0.1 mm).
INVERSE_TOLERANCE_DEG = 1e-9
INVERSE_MAX_STEPS = 30
# Stored columns keep six decimals (about 0.1 m).
STORED_PLACES = Decimal("0.000001")
# A device reporting an accuracy beyond this has no location to give; it is refused, not stored.
MAX_ACCURACY_M = 100_000
ACCURACY_PLACES = Decimal("0.1")

COORDINATE_SYSTEM_VALUES = tuple(CoordinateSystem.values)


def great_circle_distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres between two WGS-84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def out_of_china(latitude: float, longitude: float) -> bool:
    return not (
        CHINA_LONGITUDE[0] < longitude < CHINA_LONGITUDE[1] and CHINA_LATITUDE[0] < latitude < CHINA_LATITUDE[1]
    )


def _offset(latitude: float, longitude: float) -> tuple[float, float]:
    """The GCJ-02 offset (degrees of latitude, of longitude) at a WGS-84 point inside China."""
    x, y = longitude - 105.0, latitude - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = latitude / 180.0 * math.pi
    magic = 1 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    if out_of_china(latitude, longitude):
        return latitude, longitude
    d_lat, d_lng = _offset(latitude, longitude)
    return latitude + d_lat, longitude + d_lng


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 transform is this point, to well under a millimetre."""
    if out_of_china(latitude, longitude):
        return latitude, longitude
    # The offset changes by under a metre over its own size (a few hundred metres), so the fixed
    # point iteration gains about three digits a step: three or four steps in practice.
    d_lat, d_lng = _offset(latitude, longitude)
    return _refine(latitude - d_lat, longitude - d_lng, latitude, longitude, wgs84_to_gcj02)


def gcj02_to_bd09(latitude: float, longitude: float) -> tuple[float, float]:
    # BD-09 is Baidu's shift on top of GCJ-02, which exists inside China only.
    if out_of_china(latitude, longitude):
        return latitude, longitude
    z = math.sqrt(longitude * longitude + latitude * latitude) + 0.00002 * math.sin(latitude * BD09_X_PI)
    theta = math.atan2(latitude, longitude) + 0.000003 * math.cos(longitude * BD09_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """The GCJ-02 point whose BD-09 transform is this point.

    The published inverse (x_pi formula run backwards) is itself approximate, up to ~0.2 m off; the
    same fixed-point refinement as for GCJ-02 makes the round trip exact.
    """
    if out_of_china(latitude, longitude):
        return latitude, longitude
    x, y = longitude - 0.0065, latitude - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * BD09_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * BD09_X_PI)
    return _refine(z * math.sin(theta), z * math.cos(theta), latitude, longitude, gcj02_to_bd09)


def _refine(guess_lat: float, guess_lng: float, latitude: float, longitude: float, forward) -> tuple[float, float]:
    """Move the guess until `forward(guess)` lands on the given point (fixed-point iteration)."""
    for _step in range(INVERSE_MAX_STEPS):
        there_lat, there_lng = forward(guess_lat, guess_lng)
        miss_lat, miss_lng = there_lat - latitude, there_lng - longitude
        if abs(miss_lat) < INVERSE_TOLERANCE_DEG and abs(miss_lng) < INVERSE_TOLERANCE_DEG:
            break
        guess_lat, guess_lng = guess_lat - miss_lat, guess_lng - miss_lng
    return guess_lat, guess_lng


def to_wgs84(latitude, longitude, system: str) -> tuple[float, float]:
    """The WGS-84 point of a coordinate given in `system` (wgs84, gcj02 or bd09); the one entry point.

    Raises ValueError for a system it does not know; callers check the system first, with
    `coordinate_system_error`, to answer in the user's words.
    """
    latitude, longitude = float(latitude), float(longitude)
    if system == CoordinateSystem.WGS84:
        return latitude, longitude
    if system == CoordinateSystem.GCJ02:
        return gcj02_to_wgs84(latitude, longitude)
    if system == CoordinateSystem.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(latitude, longitude))
    raise ValueError(f"unknown coordinate system {system!r}")


def from_wgs84(latitude, longitude, system: str) -> tuple[float, float]:
    """A WGS-84 point expressed in `system`: what a phone's map SDK would report there."""
    latitude, longitude = float(latitude), float(longitude)
    if system == CoordinateSystem.WGS84:
        return latitude, longitude
    if system == CoordinateSystem.GCJ02:
        return wgs84_to_gcj02(latitude, longitude)
    if system == CoordinateSystem.BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(latitude, longitude))
    raise ValueError(f"unknown coordinate system {system!r}")


def stored_degrees(value: float) -> Decimal:
    """A converted coordinate as the six-decimal columns keep it."""
    return Decimal(repr(value)).quantize(STORED_PLACES, rounding=ROUND_HALF_EVEN)


def coordinate_system_error(value) -> str | None:
    """Why `value` is not a coordinate system, in the user's language; None when it is one."""
    if isinstance(value, str) and value in COORDINATE_SYSTEM_VALUES:
        return None
    shown = value if isinstance(value, str | int | float) and not isinstance(value, bool) else type(value).__name__
    return str(
        _("Unknown coordinate system “%(value)s”: use one of %(allowed)s.")
        % {"value": str(shown)[:32], "allowed": ", ".join(COORDINATE_SYSTEM_VALUES)}
    )


def parse_accuracy_m(value) -> Decimal | None:
    """The accuracy a device reported (metres, the radius of its 68 % circle), to 0.1 m; None if not given.

    Raises ValidationError (one message, in the user's language) for a non-number, a negative
    value or one over MAX_ACCURACY_M.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(_("Give the accuracy in metres as a number."), code="invalid")
    # A float goes through its shortest repr, so 14.9990005 stays that, not its binary expansion.
    text = value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else value
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Give the accuracy in metres as a number."), code="invalid") from None
    if not number.is_finite():
        raise ValidationError(_("Give the accuracy in metres as a number."), code="invalid")
    if number < 0:
        raise ValidationError(_("An accuracy cannot be negative."), code="min_value")
    if number > MAX_ACCURACY_M:
        raise ValidationError(
            _("An accuracy over %(limit)s m places nobody anywhere; leave it out instead.") % {"limit": "100,000"},
            code="max_value",
        )
    return number.quantize(ACCURACY_PLACES, rounding=ROUND_HALF_EVEN)
