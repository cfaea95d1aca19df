"""The demo world: invented providers, caregivers, recipients, beds, visits and payments.

Everything comes from one `random.Random(seed)` and each area's cycle, never from the clock,
so the same seed, size and `today` give the same rows (names, ID numbers, dates, UUIDs). Only
the bookkeeping columns (`created_at`, history dates) depend on when it runs. Every row is
flagged `is_demo` where the model has the flag, and provider names start with 示例·.

Rows are written with bulk inserts in dependency order; at the default size (2,000 recipients,
about 20,000 visits) it takes a few seconds on SQLite.
"""

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from eldercare.areas.models import Batch, Disbursement, FundAllocation, FundUse, PilotArea
from eldercare.beds.models import BedStatus, FamilyCareBed, RetrofitCatalogItem, RetrofitItem, WithdrawalReason
from eldercare.core.errors import DomainError
from eldercare.core.validators import age_on, credit_code_check_char, resident_id_check_char
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    CapabilityLevel,
    EconomicCategory,
    Recipient,
)
from eldercare.rollups.services import recompute_all
from eldercare.visits.models import Satisfaction, ServiceCategory, ServiceItem, Visit, VisitStatus
from eldercare.visits.verification import verify_visits

DEFAULT_RECIPIENTS = 2000
DEFAULT_SEED = 2023
DEMO_PREFIX = "示例·"
CHANGE_REASON = "seed_demo"
# Rows per INSERT: bounds memory per statement; Django lowers it further to the backend's
# bound-parameter limit (999 on SQLite, so about 40 visits a statement there).
BATCH_SIZE = 500

# Provincial capitals (lat, lon) by the first two digits of the division code: a plausible centre
# for invented homes. 北京市昌平区 has its own, real centre.
PROVINCE_CENTRES = {
    "11": (39.904, 116.407), "12": (39.125, 117.190), "13": (38.042, 114.514), "14": (37.870, 112.549),
    "15": (40.842, 111.749), "21": (41.805, 123.431), "22": (43.817, 125.323), "23": (45.803, 126.534),
    "31": (31.230, 121.473), "32": (32.060, 118.796), "33": (30.274, 120.155), "34": (31.820, 117.227),
    "35": (26.074, 119.296), "36": (28.682, 115.858), "37": (36.651, 117.120), "41": (34.746, 113.625),
    "42": (30.593, 114.305), "43": (28.228, 112.939), "44": (23.129, 113.264), "45": (22.817, 108.366),
    "46": (20.044, 110.199), "50": (29.563, 106.551), "51": (30.572, 104.066), "52": (26.647, 106.630),
    "53": (25.038, 102.718), "54": (29.652, 91.172), "61": (34.341, 108.940), "62": (36.061, 103.834),
    "63": (36.617, 101.778), "64": (38.487, 106.231), "65": (43.825, 87.617),
}  # fmt: skip
KNOWN_CENTRES = {"110114": (40.2206, 116.2312)}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
SURNAME_WEIGHTS = [max(2, 40 - index) for index in range(len(SURNAMES))]
ELDER_GIVEN = {
    "M": _words(
        "建国 国强 德明 志强 文华 玉山 福生 长林 宝山 振华 永祥 树林 春生 金山 国庆 建华 德胜 志明 广福 庆云 "
        "洪涛 满仓 有福 学文 万全 荣华 家驹 明 强 林 军 福 忠 仁 义 斌 山 海 勇 华 成"
    ),
    "F": _words(
        "秀英 桂英 玉兰 秀兰 凤英 淑珍 桂兰 玉珍 凤兰 淑英 秀珍 玉梅 桂芳 秀云 玉英 兰英 素珍 翠兰 淑兰 金凤 "
        "春花 月娥 秀梅 桂珍 玉华 凤琴 淑华 素芬 兰 英 珍 芳 梅 娟 凤 琴 霞 华"
    ),
}
YOUNGER_GIVEN = {
    "M": _words("伟 磊 强 军 海涛 建军 晓东 志刚 鹏 浩 涛 建伟 永刚"),
    "F": _words("丽 静 敏 燕 红梅 海燕 丽娟 春梅 晓红 丽华 小红 艳 慧 娜 婷 雪梅 玉洁 晓燕 秀芳 桂香"),
}
STREETS = _words("城关街道 城北街道 城南街道 东关街道 西关街道 新华街道 建设街道 和平街道 兴隆镇 长青镇 南口镇 北辰镇")
COMMUNITIES = _words("幸福里社区 阳光社区 和平社区 康乐社区 永安社区 新华社区 团结社区 光明社区 东园社区 西苑社区")
VILLAGES = _words("王庄村 李家村 东营村 西河村 前进村 红星村 大柳树村 小营村 马坊村 高庄村")
HOME_VISIT_BRANDS = _words("康颐 福寿 颐和 乐龄 安康 仁爱 惠民 孝亲 夕阳红 康乐 长青 福满堂")
RETROFIT_BRANDS = _words("安居 宜居 康居 筑福 安心 恒安")
ASSESSMENT_BRANDS = _words("衡信 正衡 明鉴 公信 民评 守正")

ECONOMIC_WEIGHTS = {
    EconomicCategory.EXTREMELY_POOR: 15,
    EconomicCategory.MINIMUM_ALLOWANCE: 45,
    EconomicCategory.NEAR_MINIMUM: 24,
    EconomicCategory.EXPENSE_HARDSHIP: 13,
    EconomicCategory.NONE: 3,
}
LEVEL_WEIGHTS = {
    CapabilityLevel.INTACT: 3,
    CapabilityLevel.MILD: 12,
    CapabilityLevel.MODERATE: 25,
    CapabilityLevel.SEVERE: 40,
    CapabilityLevel.COMPLETE: 20,
}
WORSE = {
    CapabilityLevel.INTACT: CapabilityLevel.MILD,
    CapabilityLevel.MILD: CapabilityLevel.MODERATE,
    CapabilityLevel.MODERATE: CapabilityLevel.SEVERE,
    CapabilityLevel.SEVERE: CapabilityLevel.COMPLETE,
    CapabilityLevel.COMPLETE: CapabilityLevel.COMPLETE,
}
BED_STATE_WEIGHTS = {
    BedStatus.APPLIED: 8,
    BedStatus.ASSESSED: 8,
    BedStatus.RETROFITTING: 10,
    BedStatus.AWAITING_ACCEPTANCE: 8,
    BedStatus.ACCEPTED: 18,
    BedStatus.IN_SERVICE: 40,
    BedStatus.WITHDRAWN: 8,
}
# The lifecycle in order, with the (min, max) days each step takes after the previous one.
BED_STEPS = (
    (BedStatus.ASSESSED, (5, 25)),
    (BedStatus.RETROFITTING, (3, 20)),
    (BedStatus.AWAITING_ACCEPTANCE, (5, 30)),
    (BedStatus.ACCEPTED, (3, 20)),
    (BedStatus.IN_SERVICE, (1, 10)),
)
BED_ORDER = (BedStatus.APPLIED, *(status for status, _ in BED_STEPS))
WITHDRAWAL_WEIGHTS = {
    WithdrawalReason.DIED: 35,
    WithdrawalReason.MOVED: 20,
    WithdrawalReason.DECLINED: 30,
    WithdrawalReason.INELIGIBLE: 10,
    WithdrawalReason.OTHER: 5,
}
ROOM_KEYWORDS = (
    (("扶手", "防滑", "淋浴", "坐便", "水浸"), RetrofitItem.Room.BATHROOM),
    (("床", "护栏", "防压疮", "夜灯"), RetrofitItem.Room.BEDROOM),
    (("烟雾", "燃气"), RetrofitItem.Room.KITCHEN),
    (("门", "坡道", "高差"), RetrofitItem.Room.ENTRANCE),
)
# Visits start in one of four daily slots, jittered by up to 20 minutes; a visit lasts at most
# 120 minutes, so a caregiver's visits in different slots never overlap.
VISIT_SLOTS = (dt.time(8, 0), dt.time(10, 30), dt.time(14, 0), dt.time(16, 30))
CATEGORY_WEIGHTS = (35, 20, 15, 15, 8, 7)
SATISFACTION_WEIGHTS = {Satisfaction.SATISFIED: 88, Satisfaction.FAIRLY_SATISFIED: 9, Satisfaction.DISSATISFIED: 3}
METRES_PER_DEGREE = 111_000


@dataclass
class DemoSummary:
    areas: int = 0
    providers: int = 0
    caregivers: int = 0
    recipients: int = 0
    assessments: int = 0
    beds_by_status: dict = field(default_factory=dict)
    retrofit_items: int = 0
    visits: int = 0
    recipients_30_plus: int = 0
    recipients_in_progress: int = 0
    disbursements: int = 0

    @property
    def beds(self) -> int:
        return sum(self.beds_by_status.values())


@dataclass
class _AreaContext:
    area: PilotArea
    cycle_start: dt.date
    cycle_end: dt.date
    last_day: dt.date  # the cycle's last day, or today if the cycle is still running
    centre: tuple
    address_prefix: str
    home_visit_providers: list = field(default_factory=list)
    retrofit_provider: Provider | None = None
    design_provider: Provider | None = None
    acceptance_provider: Provider | None = None
    caregivers: dict = field(default_factory=dict)  # provider credit code -> [Caregiver]


@dataclass
class _RecipientPlan:
    recipient: Recipient
    visit_from: dt.date | None = None
    visit_until: dt.date | None = None
    bed_from: dt.date | None = None
    last_assessed_on: dt.date | None = None
    caregiver_index: int = 0
    categories: tuple = ()


def organisation_code_check_char(body: str) -> str:
    """The check character of a 9-character organisation code (GB 11714), the 9th to 17th of a credit code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight for char, weight in zip(body, weights, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _DemoWorld:
    def __init__(self, *, recipients: int, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.size = recipients
        self.today = today
        self.tz = timezone.get_default_timezone()
        self.summary = DemoSummary()
        # Values that must stay unique even when demo data is added to a database that has some.
        self.resident_ids = set(Recipient.objects.values_list("resident_id", flat=True))
        self.credit_codes = set(Provider.objects.values_list("credit_code", flat=True))
        self.vouchers = set(Disbursement.objects.values_list("area_id", "voucher_number"))
        # Visit UUIDs come from the seed too; a second run into the same database shifts them by
        # the number of recipients already there, so the same seed cannot repeat a UUID.
        self.uuid_salt = Recipient.objects.count() * 0x9E3779B97F4A7C15
        self.catalogue = list(RetrofitCatalogItem.objects.filter(is_active=True).order_by("kind", "code"))
        self.categories = list(ServiceCategory.objects.order_by("sort_order", "code"))
        self.category_weights = [
            CATEGORY_WEIGHTS[i] if i < len(CATEGORY_WEIGHTS) else 5 for i in range(len(self.categories))
        ]
        self.service_items: dict[int, list[ServiceItem]] = {}
        for item in ServiceItem.objects.filter(is_active=True).order_by("code"):
            self.service_items.setdefault(item.category_id, []).append(item)
        self.allocations = {(a.area_id, a.use): a.amount for a in FundAllocation.objects.all()}
        self.providers: list[Provider] = []
        self.provider_areas: list[tuple[Provider, PilotArea]] = []
        self.caregivers: list[Caregiver] = []
        self.plans: list[_RecipientPlan] = []
        self.assessments: list[CapabilityAssessment] = []
        self.beds: list[FamilyCareBed] = []
        self.items: list[RetrofitItem] = []
        self.visits: list[Visit] = []
        self.visit_items: list[tuple[Visit, ServiceItem]] = []
        self.disbursements: list[Disbursement] = []

    # --- small generators ----------------------------------------------------------------------

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def person_name(self, sex: str, *, elder: bool) -> str:
        given = (ELDER_GIVEN if elder else YOUNGER_GIVEN)[sex]
        return self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0] + self.rng.choice(given)

    def credit_code(self, division: str, *, company: bool) -> str:
        prefix = "91" if company else "52"
        series = "MA" if company else "MJ"
        while True:
            body = series + "".join(self.rng.choice("0123456789") for _ in range(6))
            first17 = prefix + division + body + organisation_code_check_char(body)
            code = first17 + credit_code_check_char(first17)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def resident_id(self, division: str, birth: dt.date, sex: str) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in self.resident_ids:
                self.resident_ids.add(number)
                return number

    def near(self, point: tuple, metres: float, *, exactly: bool = False) -> tuple[Decimal, Decimal]:
        """A point within (or `exactly` at) about `metres` of `point`, as 6-decimal latitude and longitude."""
        latitude, longitude = point
        distance = metres * (1 if exactly else math.sqrt(self.rng.random())) / METRES_PER_DEGREE
        angle = self.rng.uniform(0, 2 * math.pi)
        latitude += distance * math.sin(angle)
        longitude += distance * math.cos(angle) / math.cos(math.radians(latitude))
        return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")

    def address(self, context: _AreaContext) -> str:
        street = self.rng.choice(STREETS)
        if street.endswith("镇") and self.rng.random() < 0.6:
            return f"{context.address_prefix}{street}{self.rng.choice(VILLAGES)}{self.rng.randint(1, 320)}号"
        building, unit, floor = self.rng.randint(1, 30), self.rng.randint(1, 6), self.rng.randint(1, 7)
        return (
            f"{context.address_prefix}{street}{self.rng.choice(COMMUNITIES)}"
            f"{building}号楼{unit}单元{floor}0{self.rng.randint(1, 4)}室"
        )

    # --- areas and organisations ---------------------------------------------------------------

    def area_context(self, area: PilotArea) -> _AreaContext:
        start = area.cycle_start or dt.date(area.batch.year, 7, 1)
        end = area.cycle_end or start.replace(year=start.year + 1) - dt.timedelta(days=1)
        code = area.region.code
        if code in KNOWN_CENTRES:
            centre = KNOWN_CENTRES[code]
        else:
            base = PROVINCE_CENTRES.get(code[:2], (34.0, 108.0))
            centre = (base[0] + self.rng.uniform(-0.6, 0.6), base[1] + self.rng.uniform(-0.6, 0.6))
        return _AreaContext(
            area=area,
            cycle_start=start,
            cycle_end=end,
            last_day=min(self.today, end),
            centre=centre,
            address_prefix=area.region.full_name or area.region.name,
        )

    def provider(self, context: _AreaContext, suffix: str, brands: list, *, company: bool, **roles) -> Provider:
        region = context.area.region
        provider = Provider(
            name=f"{DEMO_PREFIX}{region.name}{self.rng.choice(brands)}{suffix}",
            credit_code=self.credit_code(region.code, company=company),
            contact_name=self.person_name(self.rng.choice("MF"), elder=False),
            is_demo=True,
            **roles,
        )
        self.providers.append(provider)
        self.provider_areas.append((provider, context.area))
        return provider

    def area_providers(self, context: _AreaContext) -> None:
        """Two or three organisations an area; the retrofit organisation never accepts its own works."""
        home = self.provider(context, "居家养老服务中心", HOME_VISIT_BRANDS, company=False, offers_home_visits=True)
        retrofit = self.provider(
            context, "适老化改造工程有限公司", RETROFIT_BRANDS, company=True, does_bed_retrofit=True
        )
        if self.rng.random() < 0.5:
            home.does_acceptance = True
            retrofit.does_assessment_design = True
            context.design_provider, context.acceptance_provider = retrofit, home
            context.home_visit_providers = [home]
        else:
            assessor = self.provider(
                context,
                "养老评估咨询中心",
                ASSESSMENT_BRANDS,
                company=False,
                does_assessment_design=True,
                does_acceptance=True,
                offers_home_visits=True,
            )
            context.design_provider = context.acceptance_provider = assessor
            context.home_visit_providers = [home, assessor]
        context.retrofit_provider = retrofit

    def area_caregivers(self, context: _AreaContext, served: dict) -> None:
        for number, provider in enumerate(context.home_visit_providers, start=1):
            count = max(3, math.ceil(served.get(provider.credit_code, 0) / 8))
            staff = []
            for index in range(1, count + 1):
                sex = "F" if self.rng.random() < 0.8 else "M"
                staff.append(
                    Caregiver(
                        provider=provider,
                        name=self.person_name(sex, elder=False),
                        employee_number=f"HL{number}{index:03d}",
                    )
                )
            context.caregivers[provider.credit_code] = staff
            self.caregivers.extend(staff)

    # --- recipients and assessments ------------------------------------------------------------

    def recipient(self, context: _AreaContext) -> _RecipientPlan:
        area = context.area
        sex = self.rng.choice("MF")
        age_days = int(self.rng.triangular(60.05, 100, 78) * 365.25)
        birth = context.cycle_start - dt.timedelta(days=age_days)
        while age_on(birth, context.cycle_start) < 60:
            birth -= dt.timedelta(days=1)
        name = self.person_name(sex, elder=True)
        latitude, longitude = self.near(context.centre, 6000)
        recipient = Recipient(
            resident_id=self.resident_id(area.region.code, birth, sex),
            name=name,
            sex=sex,
            birth_date=birth,
            area=area,
            economic_category=_weighted(self.rng, ECONOMIC_WEIGHTS),
            address=self.address(context),
            home_latitude=latitude,
            home_longitude=longitude,
            guardian_name=name[0] + self.rng.choice(YOUNGER_GIVEN[self.rng.choice("MF")]),
            is_demo=True,
        )
        plan = _RecipientPlan(recipient=recipient)
        self.assess(context, plan)
        return plan

    def assess(self, context: _AreaContext, plan: _RecipientPlan) -> None:
        """One assessment before (or early in) the cycle; some are reassessed mid-cycle."""
        if self.rng.random() < 0.85:
            first_on = context.cycle_start - self.days(15, 400)
        else:
            first_on = context.cycle_start + self.days(0, 45)
        first_on = min(first_on, self.today)
        level = _weighted(self.rng, LEVEL_WEIGHTS)
        history = [(first_on, level)]
        if level != CapabilityLevel.INTACT and self.rng.random() < 0.12:
            again_on = context.cycle_start + self.days(60, 240)
            if again_on <= context.last_day:
                # Most people get worse; a few improve from 失能 to 部分失能 after rehabilitation.
                improved = level in DISABLED_LEVELS and self.rng.random() < 0.2
                history.append((again_on, CapabilityLevel.MODERATE if improved else WORSE[level]))
        for assessed_on, assessed_level in history:
            self.assessments.append(
                CapabilityAssessment(
                    recipient=plan.recipient,
                    assessed_on=assessed_on,
                    level=assessed_level,
                    assessor_name=self.person_name(self.rng.choice("MF"), elder=False),
                    assessor_provider=context.design_provider,
                    note="复评（示例）" if assessed_on != first_on else "",
                )
            )
        plan.last_assessed_on = history[-1][0]
        if plan.recipient.economic_category == EconomicCategory.NONE:
            return
        for assessed_on, assessed_level in history:
            if assessed_level in DISABLED_LEVELS and plan.visit_from is None:
                plan.visit_from = assessed_on
            elif assessed_level not in DISABLED_LEVELS and plan.visit_from is not None:
                plan.visit_until = assessed_on - dt.timedelta(days=1)
            if assessed_level in DISABLED_LEVELS | PARTIALLY_DISABLED_LEVELS and plan.bed_from is None:
                plan.bed_from = assessed_on

    # --- family care beds ----------------------------------------------------------------------

    def bed(self, context: _AreaContext, plan: _RecipientPlan, status: str) -> None:
        """A bed in `status`, with dates that fit between its application and the area's last day."""
        withdraw = status == BedStatus.WITHDRAWN
        if withdraw:
            status = self.rng.choice(BED_ORDER)
        steps = [(step, self.days(*span)) for step, span in BED_STEPS]
        reached = BED_ORDER.index(status)
        earliest = max(context.cycle_start, plan.bed_from)
        withdrawal_gap = self.days(5, 60) if withdraw else dt.timedelta(0)
        while True:
            needed = sum((gap for _, gap in steps[:reached]), withdrawal_gap)
            room = (context.last_day - earliest - needed).days
            if room >= 0 or reached == 0:
                break
            reached -= 1
        if room < 0:
            return
        applied_on = earliest + dt.timedelta(days=self.rng.randint(0, min(room, 200)))
        bed = FamilyCareBed(
            recipient=plan.recipient, area=context.area, applied_on=applied_on, status=BED_ORDER[reached]
        )
        day = applied_on
        for step, gap in steps[:reached]:
            day += gap
            if step == BedStatus.ASSESSED:
                bed.design_provider, bed.plan_signed_on = context.design_provider, day
            elif step == BedStatus.RETROFITTING:
                bed.retrofit_provider, bed.retrofit_started_on = context.retrofit_provider, day
            elif step == BedStatus.AWAITING_ACCEPTANCE:
                bed.retrofit_finished_on = day
            elif step == BedStatus.ACCEPTED:
                bed.acceptance_provider, bed.accepted_on = context.acceptance_provider, day
            else:
                bed.service_started_on = day
                bed.platform_account = f"JT{context.area.region.code}{self.rng.randrange(10**6):06d}"
        if bed.retrofit_started_on:
            self.retrofit_items(context, bed, finished_on=bed.retrofit_finished_on or day)
        if withdraw:
            bed.status = BedStatus.WITHDRAWN
            bed.withdrawn_on = day + withdrawal_gap
            bed.withdrawal_reason = _weighted(self.rng, WITHDRAWAL_WEIGHTS)
            gone = (WithdrawalReason.DIED, WithdrawalReason.MOVED)
            if bed.withdrawal_reason in gone and plan.last_assessed_on > bed.withdrawn_on:
                bed.withdrawal_reason = WithdrawalReason.DECLINED  # reassessed later, so still here
            if bed.withdrawal_reason == WithdrawalReason.OTHER:
                bed.withdrawal_note = "子女接回外地同住（示例）"
            if bed.withdrawal_reason in gone and plan.visit_from:
                stop = bed.withdrawn_on - dt.timedelta(days=1)
                plan.visit_until = min(plan.visit_until or stop, stop)
        self.beds.append(bed)

    def retrofit_items(self, context: _AreaContext, bed: FamilyCareBed, *, finished_on: dt.date) -> None:
        """Accessibility items and smart devices, kept under the batch's cost cap for most beds."""
        accessibility = [item for item in self.catalogue if not item.is_device]
        devices = [item for item in self.catalogue if item.is_device]
        chosen = self.rng.sample(accessibility, min(len(accessibility), self.rng.randint(2, 5)))
        chosen += self.rng.sample(devices, min(len(devices), self.rng.randint(2, 4)))
        cap = context.area.batch.bed_cost_cap if self.rng.random() < 0.95 else Decimal("1e9")
        total = Decimal(0)
        span = max(0, (finished_on - bed.retrofit_started_on).days)
        for catalog_item in chosen:
            quantity = self.rng.randint(1, 3) if "扶手" in catalog_item.name else 1
            unit = catalog_item.reference_cost or Decimal(self.rng.randint(100, 800))
            cost = (unit * quantity * Decimal(self.rng.randint(85, 110)) / 100).quantize(Decimal("0.01"))
            if total + cost > cap:
                continue
            total += cost
            installed_on = bed.retrofit_started_on + dt.timedelta(days=self.rng.randint(0, span))
            item = RetrofitItem(
                bed=bed,
                catalog_item=catalog_item,
                room=next(
                    (room for words, room in ROOM_KEYWORDS if any(w in catalog_item.name for w in words)),
                    RetrofitItem.Room.WHOLE_HOME,
                ),
                quantity=quantity,
                cost=cost,
                installed_on=installed_on,
            )
            if catalog_item.is_device:
                item.serial_number = (
                    f"{catalog_item.code[:3].upper()}{installed_on:%y%m}{self.rng.randrange(10**8):08d}"
                )
                item.warranty_months = self.rng.choice((12, 12, 24, 36))
            self.items.append(item)

    # --- visits --------------------------------------------------------------------------------

    def visits_for(self, context: _AreaContext, plan: _RecipientPlan, booked: set) -> int:
        """A recipient's visits: some reach 30 within the cycle, most are in progress, a few not started."""
        recipient = plan.recipient
        start = max(context.cycle_start, plan.visit_from) + self.days(0, 30)
        # Up to yesterday at the latest: a visit later today would lie in the future.
        end = min(context.last_day, self.today - dt.timedelta(days=1), plan.visit_until or context.last_day)
        available = (end - start).days + 1
        if available <= 0:
            return 0
        draw = self.rng.random()
        if draw < 0.35:
            planned = self.rng.randint(30, 48)
        elif draw < 0.92:
            planned = self.rng.randint(1, 29)
        else:
            return 0
        mean_gap = max(1.0, min(available / planned * self.rng.uniform(0.6, 0.95), 15.0))
        staff = context.caregivers[recipient.provider.credit_code]
        home = (float(recipient.home_latitude), float(recipient.home_longitude))
        day, made = start, 0
        while made < planned and day <= end:
            if self.visit(plan, day, staff, home, booked):
                made += 1
            day += dt.timedelta(days=max(1, round(self.rng.expovariate(1 / mean_gap))))
        return made

    def visit(self, plan: _RecipientPlan, day: dt.date, staff: list, home: tuple, booked: set) -> bool:
        rng = self.rng
        order = [staff[(plan.caregiver_index + offset) % len(staff)] for offset in range(len(staff))]
        slots = rng.sample(range(len(VISIT_SLOTS)), len(VISIT_SLOTS))
        found = next(((c, s) for c in order for s in slots if (id(c), day, s) not in booked), None)
        if found is None:
            return False
        caregiver, slot = found
        booked.add((id(caregiver), day, slot))
        started_at = dt.datetime.combine(day, VISIT_SLOTS[slot], tzinfo=self.tz) + dt.timedelta(
            minutes=rng.randint(0, 20)
        )
        draw = rng.random()
        minutes = rng.randint(10, 25) if draw < 0.03 else rng.randint(30, 44) if draw < 0.08 else rng.randint(45, 120)
        ended_at = started_at + dt.timedelta(minutes=minutes)
        # One check-in in a hundred is far from home, so the exception queue has something to show.
        far = rng.random() < 0.01
        checkin = self.near(home, rng.uniform(600, 2000) if far else 150, exactly=far)
        checkout = self.near(home, 150)
        category = plan.categories[rng.randrange(len(plan.categories))]
        visit = Visit(
            client_uuid=uuid.UUID(int=(rng.getrandbits(128) ^ self.uuid_salt), version=4),
            recipient=plan.recipient,
            area=plan.recipient.area,
            provider=plan.recipient.provider,
            caregiver=caregiver,
            category=category,
            started_at=started_at,
            ended_at=ended_at,
            service_date=timezone.localdate(started_at, self.tz),
            checkin_latitude=checkin[0],
            checkin_longitude=checkin[1],
            checkout_latitude=checkout[0],
            checkout_longitude=checkout[1],
            satisfaction=_weighted(rng, SATISFACTION_WEIGHTS) if rng.random() < 0.85 else "",
        )
        if rng.random() < 0.005:
            visit.status = VisitStatus.VOIDED
            visit.void_reason = "重复录入（示例）"
            visit.voided_at = ended_at + dt.timedelta(hours=rng.randint(2, 48))
        self.visits.append(visit)
        choices = self.service_items.get(category.pk, [])
        for item in rng.sample(choices, min(len(choices), rng.randint(1, 2))):
            self.visit_items.append((visit, item))
        return True

    # --- payments ------------------------------------------------------------------------------

    def area_disbursements(self, context: _AreaContext, *, accepted_beds: int, visits: int) -> None:
        first_day = context.cycle_start + dt.timedelta(days=20)
        if context.last_day < first_day:
            return
        progress = min(1.0, ((context.last_day - context.cycle_start).days + 1) / 365)
        uses = (
            (FundUse.BEDS, context.retrofit_provider, accepted_beds * 5500),
            (FundUse.HOME_VISITS, context.home_visit_providers[0], visits * 85),
        )
        number = 0
        for use, payee, estimate in uses:
            allocated = self.allocations.get((context.area.pk, use))
            total = allocated * Decimal(self.rng.uniform(0.45, 0.95) * progress) if allocated else Decimal(estimate)
            count = self.rng.randint(2, 5)
            if total < count:
                continue
            span = (context.last_day - first_day).days
            dates = sorted(first_day + dt.timedelta(days=self.rng.randint(0, span)) for _ in range(count))
            shares = [self.rng.uniform(0.5, 1.5) for _ in range(count)]
            for paid_on, share in zip(dates, shares, strict=True):
                number += 1
                voucher = f"SL{context.area.region.code}-{number:04d}"
                while (context.area.pk, voucher) in self.vouchers:
                    number += 1
                    voucher = f"SL{context.area.region.code}-{number:04d}"
                self.vouchers.add((context.area.pk, voucher))
                amount = (total * Decimal(share / sum(shares))).quantize(Decimal("0.01"))
                self.disbursements.append(
                    Disbursement(
                        area=context.area,
                        paid_on=paid_on,
                        amount=amount,
                        use=use,
                        payee=payee.name,
                        voucher_number=voucher,
                    )
                )

    # --- the whole world -----------------------------------------------------------------------

    def build(self, areas: list[PilotArea]) -> None:
        weights = [2.0 if area.region.code in KNOWN_CENTRES else self.rng.uniform(0.6, 1.4) for area in areas]
        counts = _share(self.size, weights)
        bed_number = 0
        for area, count in zip(areas, counts, strict=True):
            context = self.area_context(area)
            self.area_providers(context)
            plans = [self.recipient(context) for _ in range(count)]
            served: dict[str, int] = {}
            for plan in plans:
                if plan.visit_from and plan.visit_from <= context.last_day and self.rng.random() < 0.9:
                    provider = self.rng.choice(context.home_visit_providers)
                    plan.recipient.provider = provider
                    served[provider.credit_code] = served.get(provider.credit_code, 0) + 1
                    plan.caregiver_index = self.rng.randrange(100)
                    picks = self.rng.randint(1, 3)
                    plan.categories = tuple(self.rng.choices(self.categories, weights=self.category_weights, k=picks))
            self.area_caregivers(context, served)
            beds_before = len(self.beds)
            for plan in plans:
                if plan.bed_from and plan.bed_from <= context.last_day and self.rng.random() < 0.45:
                    # The first beds cycle through every state so even a small world shows them all.
                    states = list(BED_STATE_WEIGHTS)
                    status = states[bed_number] if bed_number < len(states) else _weighted(self.rng, BED_STATE_WEIGHTS)
                    bed_number += 1
                    self.bed(context, plan, status)
            booked: set = set()
            visits = sum(self.visits_for(context, plan, booked) for plan in plans if plan.recipient.provider)
            accepted = sum(
                1 for bed in self.beds[beds_before:] if bed.accepted_on and bed.status != BedStatus.WITHDRAWN
            )
            self.area_disbursements(context, accepted_beds=accepted, visits=visits)
            self.plans.extend(plans)
        self.summary.areas = len(areas)

    def _date_history(self) -> None:
        """Date each row's creation history when it happened in the demo world, not when the command ran.

        The as-of exports read history rows dated on or before their day; rows dated "now" would
        make every export of a past day empty.
        """

        def at(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(9), tzinfo=self.tz)

        first_cycle = min((plan.recipient.area.cycle_start for plan in self.plans), default=self.today)
        for row in [*self.providers, *self.caregivers]:
            row._history_date = at(first_cycle - dt.timedelta(days=60))
        for plan in self.plans:
            plan.recipient._history_date = at(plan.recipient.area.cycle_start - dt.timedelta(days=30))
        for assessment in self.assessments:
            assessment._history_date = at(assessment.assessed_on)
        for bed in self.beds:
            # One history row with the bed's final state: dated when it reached that state.
            reached = [
                bed.applied_on,
                bed.plan_signed_on,
                bed.retrofit_started_on,
                bed.retrofit_finished_on,
                bed.accepted_on,
                bed.service_started_on,
                bed.withdrawn_on,
            ]
            bed._history_date = at(max(day for day in reached if day))
        for item in self.items:
            item._history_date = at(item.installed_on or item.bed.applied_on)
        for disbursement in self.disbursements:
            disbursement._history_date = at(disbursement.paid_on)

    def save(self) -> None:
        reason = CHANGE_REASON
        self._date_history()
        bulk_create_with_history(self.providers, Provider, batch_size=BATCH_SIZE, default_change_reason=reason)
        Provider.areas.through.objects.bulk_create(
            [Provider.areas.through(provider=p, pilotarea=a) for p, a in self.provider_areas], batch_size=BATCH_SIZE
        )
        bulk_create_with_history(self.caregivers, Caregiver, batch_size=BATCH_SIZE, default_change_reason=reason)
        recipients = [plan.recipient for plan in self.plans]
        bulk_create_with_history(recipients, Recipient, batch_size=BATCH_SIZE, default_change_reason=reason)
        for model, rows in (
            (CapabilityAssessment, self.assessments),
            (FamilyCareBed, self.beds),
            (RetrofitItem, self.items),
            (Disbursement, self.disbursements),
        ):
            bulk_create_with_history(rows, model, batch_size=BATCH_SIZE, default_change_reason=reason)
        Visit.objects.bulk_create(self.visits, batch_size=BATCH_SIZE)
        Visit.items.through.objects.bulk_create(
            [Visit.items.through(visit=v, serviceitem=i) for v, i in self.visit_items], batch_size=BATCH_SIZE
        )
        # Entered when the visit ended, not now: otherwise every demo visit would look late-entered.
        pks = [visit.pk for visit in self.visits]
        for index in range(0, len(pks), BATCH_SIZE):
            Visit.objects.filter(pk__in=pks[index : index + BATCH_SIZE]).update(
                created_at=F("ended_at"), updated_at=F("ended_at")
            )
        # Each visit's creation history, dated when it was entered (the as-of exports read it).
        for visit in self.visits:
            visit.created_at = visit.updated_at = visit.ended_at
            visit._history_date = visit.ended_at
        Visit.history.bulk_history_create(self.visits, batch_size=BATCH_SIZE, default_change_reason=reason)

    def summarise(self) -> DemoSummary:
        summary = self.summary
        summary.providers, summary.caregivers = len(self.providers), len(self.caregivers)
        summary.recipients, summary.assessments = len(self.plans), len(self.assessments)
        for bed in self.beds:
            summary.beds_by_status[bed.status] = summary.beds_by_status.get(bed.status, 0) + 1
        summary.retrofit_items, summary.visits = len(self.items), len(self.visits)
        per_recipient: dict[str, int] = {}
        for visit in self.visits:
            if visit.status == VisitStatus.COMPLETED:
                key = visit.recipient.resident_id
                per_recipient[key] = per_recipient.get(key, 0) + 1
        summary.recipients_30_plus = sum(1 for n in per_recipient.values() if n >= 30)
        summary.recipients_in_progress = sum(1 for n in per_recipient.values() if n < 30)
        summary.disbursements = len(self.disbursements)
        return summary


def _share(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), giving every share one first if possible."""
    base = 1 if total >= len(weights) else 0
    rest = total - base * len(weights)
    exact = [rest * w / sum(weights) for w in weights]
    counts = [base + int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def latest_batch_areas() -> list[PilotArea]:
    batch = Batch.objects.order_by("-year").first()
    if batch is None:
        return []
    return list(batch.areas.select_related("batch", "region").order_by("region__code"))


@transaction.atomic
def demo_world_create(*, today: dt.date, recipients: int = DEFAULT_RECIPIENTS, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Invent a reproducible demo world over the latest batch's pilot areas."""
    if recipients < 0:
        raise DomainError(_("The number of recipients cannot be negative."), field="recipients")
    areas = latest_batch_areas()
    world = _DemoWorld(recipients=recipients, seed=seed, today=today)
    if not areas or not world.catalogue or not world.categories:
        raise DomainError(
            _("Load the pilot areas and catalogues first (manage.py load_reference_data)."), code="no_reference_data"
        )
    world.build(areas)
    world.save()
    # 1. Verify the visits as entry would have (exceptions, countability), as of the end of `today`.
    end_of_today = dt.datetime.combine(today, dt.time.max, tzinfo=world.tz)
    verify_visits([visit.pk for visit in world.visits], now=end_of_today)
    # 2. Bring the roll-ups up to date so the dashboards show the demo world at once.
    recompute_all(areas=areas, today=today)
    return world.summarise()
