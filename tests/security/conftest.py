"""The security world: two pilot areas in two provinces, each with its provider, people, beds, visits,
exceptions, money and roll-ups, and one user for every role, scoped to the first ("own") side.

Every name on the second ("foreign") side carries the marker FRNB, so a page that shows any of it is
caught by a plain substring check, whatever part of the page leaked it (a row, a filter choice, an
autocomplete result, a count label).
"""

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from eldercare.accounts.models import Role
from eldercare.applications.models import Application, ApplicationKind, ApplicationStep
from eldercare.areas.models import Township
from eldercare.beds.models import BedPhoto
from eldercare.core.models import RecountRequest
from eldercare.fees.models import FeeSheet, FeeSheetLine
from eldercare.recipients.enrolments import enrolment_create
from eldercare.recipients.models import ConfirmationCard
from eldercare.rollups.models import AreaDailySnapshot, AreaProgress, BatchProgress, RecipientProgress, RollupRun
from eldercare.visits.models import (
    ExceptionStatus,
    ExceptionType,
    PhotoKind,
    ReviewReasonCode,
    Severity,
    VisitConfirmation,
    VisitException,
    VisitPhoto,
)
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    CountyFactory,
    DisbursementFactory,
    FamilyCareBedFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    ProvinceFactory,
    RecipientFactory,
    RetrofitItemFactory,
    ServiceItemFactory,
    VisitFactory,
    make_resident_id,
    make_user,
)

FOREIGN_MARKER = "FRNB"
OWN_MARKER = "OWNA"
PASSWORD = "a-long-and-unusual-password-42"

# Every role of DOMAIN.md, scoped to the own side (province 110000, area 110114, provider A).
ROLES = [
    Role.NATIONAL_OFFICIAL,
    Role.PROVINCIAL_OFFICIAL,
    Role.DISTRICT_OFFICIAL,
    Role.STREET_OFFICIAL,
    Role.PROVIDER_STAFF,
    Role.CAREGIVER,
    Role.AUDITOR,
]
# Roles that see the whole country: for them no row is foreign.
NATIONWIDE_ROLES = {Role.NATIONAL_OFFICIAL}


class Side:
    """One pilot area and everything in it."""

    def __init__(self, *, province_code: str, region_code: str, marker: str, sequence: int):
        now = timezone.now()
        province = ProvinceFactory(code=province_code, name=f"省{marker}")
        region = CountyFactory(parent=province, code=region_code, name=f"区{marker}", full_name=f"区县{marker}")
        self.area = PilotAreaFactory(region=region)
        self.provider = ProviderFactory(name=f"机构{marker}", contact_name=f"联系人{marker}")
        self.provider.areas.add(self.area)
        self.caregiver = CaregiverFactory(provider=self.provider, name=f"护理员{marker}", phone="13700001111")
        self.township = Township.objects.create(region=region, code=f"{region_code}001", name=f"街道{marker}")
        self.recipient = RecipientFactory(
            area=self.area,
            township=self.township,
            provider=self.provider,
            name=f"老人{marker}",
            resident_id=make_resident_id(division=region_code, sequence=sequence),
            phone="13812345678",
            guardian_phone="13987654321",
        )
        self.assessment = AssessmentFactory(recipient=self.recipient, assessor_name=f"评估员{marker}")
        self.enrolment = enrolment_create(recipient=self.recipient, area=self.area)
        self.application = Application.objects.create(
            kind=ApplicationKind.HOME_VISITS,
            recipient=self.recipient,
            township=self.township,
            area=self.area,
            provider=self.provider,
            note=f"申请{marker}",
        )
        ApplicationStep.objects.create(application=self.application, action="create", to_state="draft", at=now)
        self.bed = FamilyCareBedFactory(recipient=self.recipient, platform_account=f"platform-{marker}")
        self.item = RetrofitItemFactory(bed=self.bed, serial_number=f"SN-{marker}")
        self.photo = BedPhoto.objects.create(
            bed=self.bed, stage=BedPhoto.Stage.BEFORE, image=SimpleUploadedFile(f"{marker}.jpg", b"jpeg")
        )
        self.visit = VisitFactory(recipient=self.recipient, provider=self.provider, caregiver=self.caregiver)
        self.visit.items.add(ServiceItemFactory())
        self.visit_photo = VisitPhoto.objects.create(
            visit=self.visit,
            kind=PhotoKind.START,
            image=SimpleUploadedFile(f"{marker}-start.jpg", b"jpeg"),
            sha256=hashlib.sha256(marker.encode()).hexdigest(),
            content_type="image/jpeg",
            width=640,
            height=480,
            size_bytes=4,
        )
        self.card = ConfirmationCard.objects.create(recipient=self.recipient, key=f"card-key-{marker}")
        self.confirmation = VisitConfirmation.objects.create(
            visit=self.visit, card=self.card, took_place=True, rating="satisfied"
        )
        self.exception = VisitException.objects.create(
            visit=self.visit,
            type=ExceptionType.TOO_LONG,
            severity=Severity.WARNING,
            status=ExceptionStatus.OPEN,
            area=self.area,
            provider=self.provider,
            detail=f"异常{marker}",
        )
        self.fee_sheet = FeeSheet.objects.create(provider=self.provider, area=self.area, month=dt.date(2023, 7, 1))
        self.fee_line = FeeSheetLine.objects.create(sheet=self.fee_sheet, visit=self.visit)
        self.allocation = FundAllocationFactory(area=self.area, document_number=f"DOC-{marker}")
        self.disbursement = DisbursementFactory(area=self.area, payee=f"收款人{marker}")
        RecipientProgress.objects.create(recipient=self.recipient, area=self.area, counted_visits=3, computed_at=now)
        AreaProgress.objects.create(area=self.area, recipients=1, computed_at=now)
        AreaDailySnapshot.objects.create(area=self.area, day=dt.date(2023, 8, 1), recipients=1, computed_at=now)
        from eldercare.rollups.models import ProviderAreaStats

        ProviderAreaStats.objects.create(area=self.area, provider=self.provider, computed_at=now)


class World:
    def __init__(self):
        self.own = Side(province_code="110000", region_code="110114", marker=OWN_MARKER, sequence=101)
        self.foreign = Side(province_code="310000", region_code="310115", marker=FOREIGN_MARKER, sequence=202)
        now = timezone.now()
        BatchProgress.objects.create(batch=self.own.area.batch, computed_at=now)
        RollupRun.objects.create(kind=RollupRun.Kind.choices[0][0], started_at=now, finished_at=now)
        RecountRequest.objects.create(area_id=self.own.area.pk, reason="matrix")
        ReviewReasonCode.objects.create(code="ok", label="核实无误", decision=ReviewReasonCode.Decision.ACCEPT)
        self.users = {role: self._user(role) for role in ROLES}
        # Someone on the foreign side, who owns rows of their own (an export job, say).
        self.foreign_official = make_user(
            "foreign-district", Role.DISTRICT_OFFICIAL, area=self.foreign.area, password=PASSWORD
        )
        self.owned = {}
        self._export_jobs()
        from eldercare.accounts.tokens import token_issue

        self.api_token, _text = token_issue(user=self.foreign_official)  # API tokens: administrators only

    def _user(self, role):
        own = self.own
        scope = {
            Role.PROVINCIAL_OFFICIAL: {"province": own.area.region.parent},
            Role.DISTRICT_OFFICIAL: {"area": own.area},
            Role.STREET_OFFICIAL: {"township": own.township},
            Role.PROVIDER_STAFF: {"provider": own.provider},
            Role.CAREGIVER: {"provider": own.provider},
            Role.AUDITOR: {"area": own.area},
        }.get(role, {})
        return make_user(f"user-{role}", role, password=PASSWORD, **scope)

    def _export_jobs(self):
        from eldercare.exports.models import ExportJob

        def job(user, marker):
            return ExportJob.objects.create(
                requester=user,
                kind="visits",
                format="csv",
                scope_level="area",
                scope_code="110114",
                scope_label=f"导出{marker}",
                as_of=dt.date(2023, 8, 1),
            )

        for user in self.users.values():
            job(user, OWN_MARKER)
        self.foreign_export = job(self.foreign_official, FOREIGN_MARKER)

    def client_for(self, role) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


@pytest.fixture
def world(db):
    return World()
