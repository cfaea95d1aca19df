"""The demo world's townships (街道/乡镇) and applications, in every state of the workflow.

1. `place_in_townships` (before the world is written): a region with no township yet gets 2–4 demo
   townships, marked 示例, their codes the county's code and 9xx, a range GB/T 10114 never assigns,
   so an invented code can never equal a real one (`areas.townships`). A region whose official list is
   loaded (北京市昌平区 with the reference data) keeps its real townships. Every recipient of the
   world is placed in a township of their region; in 昌平区 the first one, 城北街道 (110114001), gets
   the people the applications are for, so the demo street official (ensure_demo_admin) sees them.
2. `add_applications` (once the world is written and counted): in one running area (昌平区 when it
   runs) an application in every state, for home-visit service and for a family care bed, moved
   through `applications.services` as the system; one of them failed, was reopened, changed and
   submitted again, so its trail shows the whole round.

Randomness comes from its own generator seeded with the world's seed, so the rest of the world is
drawn exactly as without it.
"""

import random

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eldercare.applications import services
from eldercare.applications.models import ApplicationKind, ApplicationState
from eldercare.areas.models import Township
from eldercare.areas.townships import DEMO_CATEGORY_DIGIT
from eldercare.recipients.selectors import Purpose, eligibility_on

from ..names import SURNAME_WEIGHTS, SURNAMES, YOUNGER_GIVEN
from .base import BATCH_SIZE, CHANGE_REASON, DEMO_MARK

# Common township names; a demo township is one of these with 示例 after it (Township.__str__).
TOWNSHIP_NAMES = ("城关街道", "城东街道", "城西街道", "新华街道", "建设街道", "和平镇", "新城镇", "河西乡", "东关镇")
TOWNSHIPS_PER_REGION = (2, 4)
DEMO_TOWNSHIP_OF_CHANGPING = "110114001"  # 城北街道: where the demo street official works
SHOWCASE_REGION = "110114"
STREET_TITLE, COUNTY_TITLE = "街道民政科科长", "区民政局养老服务科科长"
Kind, State = ApplicationKind, ApplicationState


def _rng(seed: int) -> random.Random:
    return random.Random(f"workflow-{seed}")


def _townships_of(region, rng: random.Random) -> list[Township]:
    existing = list(Township.objects.filter(region=region).order_by("code"))
    if existing:
        return existing
    count = rng.randint(*TOWNSHIPS_PER_REGION)
    names = rng.sample(TOWNSHIP_NAMES, count)
    made = [
        Township(region=region, code=f"{region.code}{DEMO_CATEGORY_DIGIT}{index + 1:02d}", name=name, is_demo=True)
        for index, name in enumerate(names)
    ]
    bulk_create_with_history(made, Township, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON)
    return list(Township.objects.filter(region=region).order_by("code"))


def place_in_townships(world, *, seed: int) -> None:
    """Give every region of the world its townships and every planned recipient one of them."""
    rng = _rng(seed)
    by_region: dict[int, list[Township]] = {}
    for area_plan in world.area_plans:
        region = area_plan.area.region
        if region.pk not in by_region:
            by_region[region.pk] = _townships_of(region, rng)
        townships = by_region[region.pk]
        first = next((t for t in townships if t.code == DEMO_TOWNSHIP_OF_CHANGPING), townships[0])
        for index, plan in enumerate(area_plan.recipients):
            # The first people of each area live in its first township: the showcase's applicants.
            plan.recipient.township = first if index < 12 else rng.choice(townships)


def _reviewer(rng: random.Random) -> str:
    sex = rng.choice(("M", "F"))
    return rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0] + rng.choice(YOUNGER_GIVEN[sex])


def _showcase(world):
    running = [plan for plan in world.area_plans if plan.running] or world.area_plans
    return next((plan for plan in running if plan.area.region.code == SHOWCASE_REGION), running[0])


# (kind, the state to bring it to, whether its failed review is reopened and submitted again)
SHOWCASE = [
    (Kind.HOME_VISITS, State.DRAFT, False),
    (Kind.HOME_VISITS, State.SUBMITTED, False),
    (Kind.HOME_VISITS, State.STREET_PASSED, False),
    (Kind.HOME_VISITS, State.STREET_FAILED, False),
    (Kind.HOME_VISITS, State.COUNTY_PASSED, False),
    (Kind.HOME_VISITS, State.COUNTY_FAILED, False),
    (Kind.HOME_VISITS, State.ASSIGNED, False),
    (Kind.HOME_VISITS, State.SUBMITTED, True),
    (Kind.FAMILY_CARE_BED, State.SUBMITTED, False),
    (Kind.FAMILY_CARE_BED, State.COUNTY_PASSED, False),
]
NEEDS_APPROVAL = {State.COUNTY_PASSED, State.ASSIGNED}


def add_applications(world, *, seed: int) -> int:
    """Applications in every state in the showcase area, through the services; returns how many."""
    rng = _rng(seed + 1)
    area_plan = _showcase(world)
    township = area_plan.recipients[0].recipient.township if area_plan.recipients else None
    people = [plan.recipient for plan in area_plan.recipients if plan.recipient.township == township]
    today = timezone.localdate()
    eligible = [person for person in people if eligibility_on(person, today, purpose=Purpose.HOME_VISIT)]
    others = [person for person in people if person not in eligible]
    organisations = area_plan.organisations
    made = 0
    for kind, state, reopened in SHOWCASE:
        pool = eligible if state in NEEDS_APPROVAL else (others or eligible)
        if not pool:
            continue
        person = pool.pop(0)
        _bring_to(person, kind, state, reopened, area_plan.area, organisations, rng)
        made += 1
    return made


def _review(rng, title: str, passed: bool) -> dict:
    opinion = "材料齐全，符合条件。" if passed else "低保证明已过期，请补充后重新提交。"
    return {"passed": passed, "reviewer_name": _reviewer(rng), "reviewer_title": title, "opinion": opinion + DEMO_MARK}


def _bring_to(person, kind, state, reopened, area, organisations, rng) -> None:
    move = services.application_transition
    application = services.application_create(
        kind=kind, recipient=person, user=None, area=area, note="独居，行动不便。" + DEMO_MARK
    )
    if state == State.DRAFT:
        return
    application = move(application, "submit", None)
    if reopened:
        application = move(application, "street_review", None, **_review(rng, STREET_TITLE, False))
        application = move(application, "reopen", None, opinion="已补充材料。" + DEMO_MARK)
        application = services.application_update(
            application=application, user=None, note="独居，行动不便；已补充低保证明。" + DEMO_MARK
        )
        move(application, "submit", None)
        return
    if state == State.SUBMITTED:
        return
    street_passed = state != State.STREET_FAILED
    application = move(application, "street_review", None, **_review(rng, STREET_TITLE, street_passed))
    if state in (State.STREET_PASSED, State.STREET_FAILED):
        return
    county_passed = state != State.COUNTY_FAILED
    review = _review(rng, COUNTY_TITLE, county_passed)
    if county_passed and kind == Kind.HOME_VISITS:
        review["provider"] = organisations.home_visit[0]
    elif county_passed:
        review["design_provider"], review["acceptance_provider"] = organisations.design, organisations.acceptance
    application = move(application, "county_review", None, **review)
    if state == State.ASSIGNED:
        caregivers = organisations.caregivers[organisations.home_visit[0].credit_code][:2]
        move(application, "assign", None, caregivers=caregivers)
