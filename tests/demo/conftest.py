import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import at
from tests.factories import (
    BatchFactory,
    CountyFactory,
    PilotAreaFactory,
    ProvinceFactory,
    RetrofitCatalogItemFactory,
    ServiceCategoryFactory,
    ServiceItemFactory,
)

# A day well after the small world's 2023 cycles (2023-07-01 to 2024-06-30, one from 2023-09-01).
TODAY = dt.date(2025, 3, 12)


@pytest.fixture
def today(time_machine):
    """The day the world is built for, frozen at 15:00 so a visit logged this morning is in the past."""
    time_machine.move_to(at(TODAY, 15), tick=False)
    return TODAY


@pytest.fixture
def small_world(db):
    """Five pilot areas of a finished 2023 batch in two provinces (one of them 北京市昌平区) and small catalogues."""
    batch = BatchFactory()
    tianjin = ProvinceFactory(code="120000", name="天津市", full_name="天津市")
    regions = [
        CountyFactory(code="110114", name="昌平区", full_name="北京市昌平区"),
        CountyFactory(code="110105", name="朝阳区", full_name="北京市朝阳区"),
        CountyFactory(code="110108", name="海淀区", full_name="北京市海淀区"),
        CountyFactory(code="120104", name="南开区", full_name="天津市南开区", parent=tianjin),
        CountyFactory(code="120116", name="滨海新区", full_name="天津市滨海新区", parent=tianjin),
    ]
    areas = [PilotAreaFactory(batch=batch, region=regions[0])]
    areas.append(
        PilotAreaFactory(
            batch=batch,
            region=regions[1],
            is_demo=True,
            cycle_start=dt.date(2023, 9, 1),
            cycle_end=dt.date(2024, 8, 31),
        )
    )
    areas += [PilotAreaFactory(batch=batch, region=region, is_demo=True) for region in regions[2:]]
    for code, name, kind, is_device, cost in [
        ("grab-bar", "扶手", "accessibility", False, "300"),
        ("anti-slip-floor", "防滑处理", "accessibility", False, "500"),
        ("bed-rail", "床边护栏", "accessibility", False, "300"),
        ("shower-chair", "淋浴椅", "accessibility", False, "200"),
        ("emergency-call", "紧急呼叫器", "smart", True, "200"),
        ("smoke-alarm", "烟雾报警器", "smart", True, "150"),
        ("door-sensor", "门磁", "smart", True, "100"),
    ]:
        RetrofitCatalogItemFactory(code=code, name=name, kind=kind, is_device=is_device, reference_cost=Decimal(cost))
    for order, (code, name, item) in enumerate(
        [("daily-living", "生活照料", "cleaning"), ("visiting-care", "探访关爱", "home-visiting")], start=1
    ):
        ServiceItemFactory(category=ServiceCategoryFactory(code=code, name=name, sort_order=order), code=item)
    return areas
