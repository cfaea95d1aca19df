"""The published WGS-84 ⇄ GCJ-02 ⇄ BD-09 transforms (`eldercare.core.geo`), against others' test vectors."""

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from eldercare.core import geo
from eldercare.core.geo import (
    CoordinateSystem,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    great_circle_distance_m,
    parse_accuracy_m,
    to_wgs84,
    wgs84_to_gcj02,
)

# googollee/eviltransform, python/test.py (TESTS): (wgs lat, wgs lng, gcj lat, gcj lng).
EVILTRANSFORM_WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# wandergis/coordtransform, test/app.js ("result" comments), all from the point (39.915 N, 116.404 E).
WANDERGIS_POINT = (39.915, 116.404)
WANDERGIS_WGS84_TO_GCJ02 = (39.91640428150164, 116.41024449916938)
WANDERGIS_GCJ02_TO_BD09 = (39.92133699351021, 116.41036949371029)
WANDERGIS_BD09_TO_GCJ02 = (39.90865673957631, 116.39762729119315)
# wandergis's gcj02towgs84 is the one-step inverse, documented (eviltransform README) as 1–2 m off.
WANDERGIS_GCJ02_TO_WGS84_ONE_STEP = (39.91359571849836, 116.39775550083061)
# hujiulong/gcoord, test/unit/crs/GCJ02.spec.ts and BD09.spec.ts, from (45 N, 123 E); gcoord inverts
# GCJ-02 by iteration to 1e-6 degrees and checks to five decimals.
GCOORD_POINT = (45.0, 123.0)
GCOORD_GCJ02_TO_WGS84 = (44.99804071, 122.99395597)
GCOORD_BD09_TO_WGS84 = (44.99171540, 122.98762210)
GCOORD_TOLERANCE_DEG = 5e-6

# Inside China, away from the bounding box's edges: a grid every 0.7° over the mainland's box.
CHINA_GRID = [
    (18.3 + 0.7 * i, 98.1 + 0.7 * j) for i in range(int((45.5 - 18.3) / 0.7)) for j in range(int((126.5 - 98.1) / 0.7))
]
OUTSIDE_CHINA = [(51.5074, -0.1278), (40.7128, -74.0060), (-33.8688, 151.2093), (35.6762, 139.6503), (0.0, 0.0)]


def test_wgs84_to_gcj02_matches_eviltransforms_vectors():
    for wgs_lat, wgs_lng, gcj_lat, gcj_lng in EVILTRANSFORM_WGS_GCJ:
        assert wgs84_to_gcj02(wgs_lat, wgs_lng) == pytest.approx((gcj_lat, gcj_lng), abs=1e-9)


def test_wgs84_gcj02_and_bd09_match_wandergis_vectors():
    assert wgs84_to_gcj02(*WANDERGIS_POINT) == pytest.approx(WANDERGIS_WGS84_TO_GCJ02, abs=1e-9)
    assert gcj02_to_bd09(*WANDERGIS_POINT) == pytest.approx(WANDERGIS_GCJ02_TO_BD09, abs=1e-9)
    # wandergis's bd09togcj02 is the formula run backwards, itself approximate: ours refines it, so
    # it agrees to a few centimetres and, unlike it, lands exactly back on the BD-09 point.
    gcj = bd09_to_gcj02(*WANDERGIS_POINT)
    assert great_circle_distance_m(*gcj, *WANDERGIS_BD09_TO_GCJ02) < 0.3
    assert gcj02_to_bd09(*gcj) == pytest.approx(WANDERGIS_POINT, abs=1e-9)


def test_the_iterated_inverse_finds_the_wgs84_point_the_vectors_started_from():
    for wgs_lat, wgs_lng, gcj_lat, gcj_lng in EVILTRANSFORM_WGS_GCJ:
        back = to_wgs84(gcj_lat, gcj_lng, CoordinateSystem.GCJ02)
        assert great_circle_distance_m(*back, wgs_lat, wgs_lng) < 0.01
    assert to_wgs84(*GCOORD_POINT, CoordinateSystem.GCJ02) == pytest.approx(
        GCOORD_GCJ02_TO_WGS84, abs=GCOORD_TOLERANCE_DEG
    )


def test_the_iterated_inverse_improves_on_the_one_step_inverse_which_is_metres_off():
    def one_step(latitude, longitude):  # wandergis's gcj02towgs84: subtract the offset found at the GCJ-02 point
        there = wgs84_to_gcj02(latitude, longitude)
        return 2 * latitude - there[0], 2 * longitude - there[1]

    assert one_step(*WANDERGIS_POINT) == pytest.approx(WANDERGIS_GCJ02_TO_WGS84_ONE_STEP, abs=1e-9)
    one_step_errors, iterated_errors = [], []
    for latitude, longitude in CHINA_GRID:
        sent = wgs84_to_gcj02(latitude, longitude)
        one_step_errors.append(great_circle_distance_m(*one_step(*sent), latitude, longitude))
        iterated_errors.append(great_circle_distance_m(*gcj02_to_wgs84(*sent), latitude, longitude))
    assert 1 < max(one_step_errors) < 5  # up to 3.7 m on this grid, in the far west
    assert max(iterated_errors) < 0.01


def test_bd09_to_wgs84_matches_gcoord_and_goes_through_gcj02():
    assert to_wgs84(*GCOORD_POINT, CoordinateSystem.BD09) == pytest.approx(
        GCOORD_BD09_TO_WGS84, abs=GCOORD_TOLERANCE_DEG
    )
    wgs = to_wgs84(*WANDERGIS_POINT, CoordinateSystem.BD09)
    assert gcj02_to_bd09(*wgs84_to_gcj02(*wgs)) == pytest.approx(WANDERGIS_POINT, abs=1e-9)
    assert great_circle_distance_m(*wgs84_to_gcj02(*wgs), *WANDERGIS_BD09_TO_GCJ02) < 0.3


@pytest.mark.parametrize("system", [CoordinateSystem.GCJ02, CoordinateSystem.BD09])
def test_the_round_trip_is_well_under_a_metre_everywhere_inside_china(system):
    errors = []
    for latitude, longitude in CHINA_GRID:
        sent = from_wgs84(latitude, longitude, system)
        assert great_circle_distance_m(*sent, latitude, longitude) > 1  # a real offset to undo
        errors.append(great_circle_distance_m(*to_wgs84(*sent, system), latitude, longitude))
    assert len(errors) > 1000
    assert max(errors) < 0.01


@pytest.mark.parametrize("system", [CoordinateSystem.GCJ02, CoordinateSystem.BD09])
def test_the_round_trip_through_the_stored_six_decimals_stays_under_a_metre(system):
    for latitude, longitude in CHINA_GRID[::7]:
        sent = [geo.stored_degrees(value) for value in from_wgs84(latitude, longitude, system)]
        stored = [geo.stored_degrees(value) for value in to_wgs84(*sent, system)]
        assert great_circle_distance_m(*map(float, stored), latitude, longitude) < 0.3


@pytest.mark.parametrize("system", CoordinateSystem.values)
def test_coordinates_outside_china_are_left_as_they_are(system):
    for latitude, longitude in OUTSIDE_CHINA:
        assert to_wgs84(latitude, longitude, system) == (latitude, longitude)
        assert from_wgs84(latitude, longitude, system) == (latitude, longitude)


def test_wgs84_is_taken_as_it_is_and_decimals_and_text_are_read_as_numbers():
    assert to_wgs84(Decimal("40.220000"), "116.230000", "wgs84") == (40.22, 116.23)
    assert to_wgs84(Decimal("40.220000"), Decimal("116.230000"), "gcj02") == to_wgs84(40.22, 116.23, "gcj02")


def test_the_offset_at_a_changping_home_is_the_hundreds_of_metres_the_issue_measured():
    home = (40.22, 116.23)
    offset = great_circle_distance_m(*from_wgs84(*home, CoordinateSystem.GCJ02), *home)
    assert 400 < offset < 700


def test_an_unknown_system_is_an_error_naming_the_allowed_ones():
    with pytest.raises(ValueError):
        to_wgs84(40.0, 116.0, "utm")
    message = geo.coordinate_system_error("utm")
    assert "utm" in message and all(value in message for value in CoordinateSystem.values)
    assert geo.coordinate_system_error("gcj02") is None
    assert geo.coordinate_system_error(None) is not None
    assert geo.coordinate_system_error(["wgs84"]) is not None


def test_stored_degrees_rounds_to_the_columns_six_decimals():
    assert geo.stored_degrees(40.2199995) == Decimal("40.220000")
    assert geo.stored_degrees(-0.0000004) == Decimal("-0.000000")
    assert math.isclose(float(geo.stored_degrees(116.1234567)), 116.123457)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, None),
        ("", None),
        (0, Decimal("0.0")),
        (14.999000549316406, Decimal("15.0")),
        ("35", Decimal("35.0")),
        (Decimal("100000"), Decimal("100000.0")),
    ],
)
def test_a_reported_accuracy_is_kept_to_a_tenth_of_a_metre(given, stored):
    assert parse_accuracy_m(given) == stored


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (-1, "min_value"),
        ("-0.5", "min_value"),
        (100000.1, "max_value"),
        ("1e9", "max_value"),
        ("near", "invalid"),
        ("NaN", "invalid"),
        (float("inf"), "invalid"),
        (True, "invalid"),
        ([5], "invalid"),
        ({"m": 5}, "invalid"),
    ],
)
def test_a_negative_absurd_or_unreadable_accuracy_is_refused_with_a_message(given, code):
    with pytest.raises(ValidationError) as caught:
        parse_accuracy_m(given)
    assert caught.value.code == code
    assert caught.value.messages[0]
