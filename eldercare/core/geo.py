import math

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoordinateSystem(models.TextChoices):
    """The systems a phone's map SDK reports in. Stored coordinates are always WGS-84."""

    WGS84 = "wgs84", _("WGS-84 (GPS)")
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres


def great_circle_distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres between two WGS-84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
