"""Township codes (乡级区划代码) and the rules on them, in one place.

**Decision** (issue #16): a township (街道/乡镇) is identified by its 9-digit code under
GB/T 10114-2003: the county's 6-digit GB/T 2260 code followed by 3 digits. These are the first 9
digits of the 12-digit statistical division codes (统计用区划代码) the National Bureau of
Statistics publishes, so an official list in either form maps onto it without guessing.

The 7th digit is the category (GB/T 10114): 0 街道 (sub-district, 001–099), 1 镇 (town, 100–199),
2 and 3 乡 (township, 200–399), 4 and 5 units combining government and enterprise (政企合一, such
as state farms, 400–599). The standard assigns nothing to 6–9; this system reserves 9 for demo
townships (`DEMO_CATEGORY_DIGIT`), so an invented code can never equal a real one.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

TOWNSHIP_CODE_PATTERN = re.compile(r"^[1-9]\d{8}$")
# Category digits the standard assigns; a real (imported) township uses one of these.
OFFICIAL_CATEGORY_DIGITS = "012345"
# Never assigned by GB/T 10114, so demo codes (county code + 9xx) cannot collide with a real one.
DEMO_CATEGORY_DIGIT = "9"


class TownshipKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("Sub-district (街道)")
    TOWN = "town", _("Town (镇)")
    TOWNSHIP = "township", _("Township (乡)")
    OTHER = "other", _("Government-enterprise unit (政企合一单位)")


_KIND_BY_DIGIT = {
    "0": TownshipKind.SUBDISTRICT,
    "1": TownshipKind.TOWN,
    "2": TownshipKind.TOWNSHIP,
    "3": TownshipKind.TOWNSHIP,
    "4": TownshipKind.OTHER,
    "5": TownshipKind.OTHER,
}


def township_kind(code: str) -> TownshipKind | None:
    """The kind of township a 9-digit code names, from its 7th digit; None for a digit the standard leaves
    unassigned (a demo code, or no township code at all)."""
    if not TOWNSHIP_CODE_PATTERN.match(code or ""):
        return None
    return _KIND_BY_DIGIT.get(code[6])


def validate_township_code(value: str) -> None:
    """9 digits, the first not 0, and not the county itself (the last three are not 000)."""
    if not TOWNSHIP_CODE_PATTERN.match(value or "") or value.endswith("000"):
        raise ValidationError(
            _("A township code is 9 digits: the county's 6-digit division code and 3 more, not 000 (e.g. 110114001)."),
            code="township_code_format",
        )


def official_category_problem(code: str):
    """The message when a code's category digit is one GB/T 10114 does not assign (None when it does)."""
    if len(code) == 9 and code[6] not in OFFICIAL_CATEGORY_DIGITS:
        return _(
            "The 7th digit of township code %(code)s is %(digit)s; GB/T 10114 uses 0 (街道), 1 (镇), "
            "2–3 (乡) and 4–5 (政企合一) only."
        ) % {"code": code, "digit": code[6]}
    return None


def region_can_hold_townships(region) -> bool:
    """Townships lie directly under a county-level region, or under a prefecture-level city that has no
    counties (东莞, 中山); never under a province."""
    return region is not None and region.level != "province"


def township_lies_in_area(township, area) -> bool:
    """Whether a township lies in a pilot area's region: the area is its county, or the prefecture-level
    city its county belongs to."""
    if township is None or area is None:
        return True
    region = township.region
    return area.region_id in (region.pk, region.parent_id)
