import datetime as dt

from django.core.management import call_command
from django.db.models import Sum

from eldercare.areas.models import Batch, FundAllocation, PilotArea, Region
from eldercare.areas.services import one_year_cycle
from eldercare.beds.models import RetrofitCatalogItem
from eldercare.visits.models import ServiceCategory, ServiceItem


def _snapshot():
    return {
        "regions": list(Region.objects.values_list("pk", "code", "name", "full_name", "level", "parent_id")),
        "areas": list(PilotArea.objects.values()),
        "allocations": list(FundAllocation.objects.values()),
        "batches": list(Batch.objects.values()),
        "catalogue": list(RetrofitCatalogItem.objects.values()),
        "categories": list(ServiceCategory.objects.values()),
        "items": list(ServiceItem.objects.values()),
    }


def test_all_31_provinces_are_loaded(reference_data):
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    assert provinces.count() == 31
    assert provinces.get(code="110000").name == "北京市"
    assert provinces.get(code="650000").name == "新疆维吾尔自治区"


def test_every_county_lies_inside_its_parent(reference_data):
    for region in Region.objects.exclude(level=Region.Level.PROVINCE).select_related("parent"):
        prefix_length = 2 if region.parent.level == Region.Level.PROVINCE else 4
        assert region.code[:prefix_length] == region.parent.code[:prefix_length]
        assert region.full_name.endswith(region.name)
        assert region.full_name.startswith(Region.objects.get(code=region.province_code).name)


def test_the_2023_batch_has_exactly_50_areas_with_the_national_targets(reference_data):
    batch = Batch.objects.get(year=2023)
    assert batch.name == "2023年居家和社区基本养老服务提升行动项目"
    areas = PilotArea.objects.filter(batch=batch)
    assert areas.count() == 50
    totals = areas.aggregate(beds=Sum("target_beds"), person_times=Sum("target_person_times"))
    assert totals == {"beds": batch.target_beds, "person_times": batch.target_person_times}
    assert (batch.target_beds, batch.target_person_times) == (100_000, 200_000)


def test_only_changping_is_not_demo_data(reference_data):
    real = PilotArea.objects.filter(batch__year=2023, is_demo=False)
    assert [area.region.code for area in real] == ["110114"]
    assert str(real.get().region) == "北京市昌平区"


def test_every_province_has_an_area(reference_data):
    provinces = {area.region.province_code for area in PilotArea.objects.select_related("region")}
    assert len(provinces) == 31


def test_each_cycle_is_one_year_from_the_day_the_funds_arrived(reference_data):
    areas = list(PilotArea.objects.filter(batch__year=2023))
    assert len({area.funds_arrived_on for area in areas}) == 50
    for area in areas:
        assert dt.date(2023, 6, 1) <= area.funds_arrived_on <= dt.date(2023, 9, 30)
        assert area.cycle_start == area.funds_arrived_on
        assert (area.cycle_start, area.cycle_end) == one_year_cycle(area.funds_arrived_on)
        assert area.target_satisfaction == 90


def test_fund_allocations_follow_the_public_unit_costs(reference_data):
    for area in PilotArea.objects.prefetch_related("allocations"):
        amounts = {allocation.use: allocation.amount for allocation in area.allocations.all()}
        assert set(amounts) == {"beds", "home_visits"}
        assert 5000 <= amounts["beds"] / area.target_beds <= 6000
        assert 2000 <= amounts["home_visits"] / area.target_person_times <= 3000


def test_catalogues_hold_the_six_service_categories_and_the_retrofit_items(reference_data):
    assert list(ServiceCategory.objects.values_list("name", flat=True)) == [
        "生活照料",
        "基础照护",
        "探访关爱",
        "健康管理",
        "委托代办",
        "精神慰藉",
    ]
    assert ServiceCategory.objects.get(code="daily-living").name == "生活照料"
    assert ServiceItem.objects.get(code="cleaning").category.code == "daily-living"
    assert RetrofitCatalogItem.objects.get(code="grab-bar").name == "扶手"
    devices = RetrofitCatalogItem.objects.filter(is_device=True)
    assert devices.exists()
    assert set(devices.values_list("kind", flat=True)) == {"smart"}
    assert not RetrofitCatalogItem.objects.filter(is_device=False, kind="smart").exists()


def test_loading_the_reference_data_twice_changes_nothing(reference_data):
    before = _snapshot()
    history_rows = PilotArea.history.count()
    call_command("load_reference_data", verbosity=0)
    assert _snapshot() == before
    assert PilotArea.history.count() == history_rows


def test_a_cycle_starting_on_29_february_ends_on_28_february():
    assert one_year_cycle(dt.date(2024, 2, 29)) == (dt.date(2024, 2, 29), dt.date(2025, 2, 28))
    assert one_year_cycle(dt.date(2023, 7, 1)) == (dt.date(2023, 7, 1), dt.date(2024, 6, 30))


def test_reloading_the_reference_data_keeps_what_an_administrator_changed(reference_data):
    area = PilotArea.objects.get(region__code="110114")
    area.target_beds = 1234
    area.save()
    call_command("load_reference_data", verbosity=0)
    area.refresh_from_db()
    assert area.target_beds == 1234
