"""Townships (街道/乡镇): the code scheme and its kind, the real townships of 北京市昌平区 loaded with the
reference data, `import_regions` (all or nothing, every bad row with its line and column), township
writes audited, and a recipient's township inside their area's county."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import translation
from openpyxl import Workbook

from eldercare.accounts.models import Role
from eldercare.accounts.services import role_grant
from eldercare.areas.importers import read_township_rows
from eldercare.areas.models import Region, Township
from eldercare.areas.township_services import township_save, townships_import
from eldercare.areas.townships import TownshipKind, township_kind, township_lies_in_area
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.recipients.services import recipient_create, recipient_update
from tests.factories import CountyFactory, PilotAreaFactory, ProvinceFactory, RecipientFactory, make_resident_id

HEADER = "code,name,county_code\n"


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English; the Chinese catalogue is checked in tests/i18n."""
    with translation.override("en"):
        yield


@pytest.fixture
def changping(db):
    return CountyFactory(parent=ProvinceFactory(code="110000"), code="110114", name="昌平区", full_name="北京市昌平区")


def _write(tmp_path, text, name="townships.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_regions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _state():
    return list(Township.objects.order_by("pk").values()), Township.history.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("110114001", TownshipKind.SUBDISTRICT),
        ("110114099", TownshipKind.SUBDISTRICT),
        ("110114104", TownshipKind.TOWN),
        ("110114199", TownshipKind.TOWN),
        ("130124200", TownshipKind.TOWNSHIP),
        ("130124399", TownshipKind.TOWNSHIP),
        ("654203400", TownshipKind.OTHER),
        ("654203500", TownshipKind.OTHER),
        ("110114901", None),  # reserved for demo townships
        ("110114601", None),
        ("11011400", None),
        ("", None),
        ("abcdefghi", None),
    ],
)
def test_the_kind_follows_from_the_seventh_digit(code, kind):
    assert township_kind(code) == kind


def test_the_real_townships_of_changping_come_with_the_reference_data(reference_data):
    townships = Township.objects.filter(region__code="110114")
    assert townships.count() == 22
    assert not townships.filter(is_demo=True).exists()
    assert townships.get(code="110114001").name == "城北街道"
    assert townships.get(code="110114104").kind == TownshipKind.TOWN
    kinds = {township.kind for township in townships}
    assert kinds == {TownshipKind.SUBDISTRICT, TownshipKind.TOWN}
    # Loading again changes nothing.
    before = _state()
    call_command("load_reference_data", verbosity=0)
    assert _state() == before


def test_a_good_file_creates_then_renames_and_a_second_import_changes_nothing(changping, tmp_path):
    out, _err = _import(_write(tmp_path, HEADER + "110114001,城北街道,110114\n110114104,阳坊镇,110114\n"))
    assert "2 created, 0 renamed, 0 unchanged" in out
    assert Township.objects.get(code="110114001").region == changping
    assert AuditEvent.objects.filter(object_type="areas.township", action="create").count() == 2
    assert Township.history.count() == 2
    out, _err = _import(_write(tmp_path, HEADER + "110114001,城北街道办事处,110114\n110114104,阳坊镇,110114\n"))
    assert "0 created, 1 renamed, 1 unchanged" in out
    assert Township.objects.get(code="110114001").name == "城北街道办事处"
    before = _state()
    out, _err = _import(_write(tmp_path, HEADER + "110114001,城北街道办事处,110114\n110114104,阳坊镇,110114\n"))
    assert "0 created, 0 renamed, 2 unchanged" in out
    assert _state() == before


def test_chinese_headers_twelve_digit_codes_and_xlsx_are_read(changping, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["统计用区划代码", "名称", "区县代码"])
    sheet.append([110114001000, "城北街道", 110114])
    sheet.append(["110114104000", "阳坊镇", "110114"])
    path = tmp_path / "townships.xlsx"
    workbook.save(path)
    out, _err = _import(path)
    assert "2 created" in out
    assert set(Township.objects.values_list("code", flat=True)) == {"110114001", "110114104"}


def test_a_dry_run_writes_nothing(changping, tmp_path):
    before = _state()
    out, _err = _import(_write(tmp_path, HEADER + "110114001,城北街道,110114\n"), "--dry-run")
    assert "Dry run" in out and "1 created" in out
    assert _state() == before


BAD_ROWS = [
    ("11011400,城北街道,110114", "code", "is not a township code"),
    ("110114000,城北街道,110114", "code", "is not a township code"),
    ("011014001,城北街道,110114", "code", "is not a township code"),
    ("110114601,城北街道,110114", "code", "7th digit"),
    ("110114901,城北街道,110114", "code", "7th digit"),
    ("110115001,城北街道,110114", "code", "does not start with"),
    ("110114001,,110114", "name", "is empty"),
    ("110114001," + "长" * 65 + ",110114", "name", "longer than 64"),
    ("110114001,城北街道,1101", "county_code", "is not 6 digits"),
    ("110114001,城北街道,999999", "county_code", "no region has the division code 999999"),
    ("110000001,城北街道,110000", "county_code", "is a province"),
]
LABELS = {"code": "乡级区划代码", "name": "名称", "county_code": "区县代码"}


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS)
def test_every_bad_row_is_named_with_its_line_and_column_and_nothing_changes(changping, tmp_path, row, column, message):
    before = _state()
    text = HEADER + "110114104,阳坊镇,110114\n" + row + "\n"
    with pytest.raises(CommandError, match="1 row"):
        _import(_write(tmp_path, text))
    assert _state() == before
    result = townships_import(rows=read_township_rows(_write(tmp_path, text)))
    assert result.errors and {error.line for error in result.errors} == {3}
    messages = " ".join(str(error) for error in result.errors)
    assert messages.startswith("Line 3:")
    assert LABELS[column] in messages and message in messages, messages


def test_every_problem_of_every_row_is_reported_in_one_pass(changping, tmp_path):
    text = HEADER + "110114001,城北街道,110114\nbad,,1101\n110114001,again,110114\n110114005,城南街道,110114\n"
    result = townships_import(rows=read_township_rows(_write(tmp_path, text)))
    by_line = {}
    for error in result.errors:
        by_line.setdefault(error.line, []).append(error.message)
    assert set(by_line) == {3, 4}
    assert len(by_line[3]) == 3  # code, county code and name all named
    assert "already appears on line 2" in by_line[4][0]
    assert not Township.objects.exists()


def test_files_without_the_columns_or_rows_are_refused(changping, tmp_path):
    with pytest.raises(CommandError, match="区县代码"):
        _import(_write(tmp_path, "code,name\n110114001,城北街道\n"))
    with pytest.raises(CommandError, match="no data rows"):
        _import(_write(tmp_path, HEADER))
    with pytest.raises(CommandError, match=".txt"):
        _import(_write(tmp_path, HEADER, name="list.txt"))


def test_the_model_holds_the_code_to_its_county_and_demo_codes_to_their_range(changping):
    other = CountyFactory(code="110115", parent=changping.parent)
    for township, field in [
        (Township(region=changping, code="110115001", name="错"), "code"),
        (Township(region=changping, code="110114601", name="错"), "code"),
        (Township(region=changping, code="110114001", name="示例", is_demo=True), "code"),
        (Township(region=changping.parent, code="110000001", name="错"), "region"),
    ]:
        with pytest.raises(ValidationError) as refused:
            township.full_clean()
        assert field in refused.value.message_dict, township.code
    Township(region=other, code="110115901", name="示例街道", is_demo=True).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Township.objects.create(region=changping, code="110114901", name="不是示例")
    with pytest.raises(IntegrityError), transaction.atomic():
        Township.objects.create(region=changping, code="110114001", name="示例", is_demo=True)


def test_township_save_is_audited_and_refuses_unknown_fields(changping):
    township = township_save(township=Township(), region=changping, code="110114001", name="城北街道")
    event = AuditEvent.objects.get(object_type="areas.township", object_id=str(township.pk))
    assert event.action == "create"
    township_save(township=township, name="城北街道办事处")
    assert AuditEvent.objects.filter(object_type="areas.township", action="change").count() == 1
    assert township.history.count() == 2
    with pytest.raises(DomainError):
        township_save(township=township, colour="red")
    with pytest.raises(ValidationError):
        township_save(township=Township(), region=changping, code="110115001", name="错")


def test_a_township_lies_in_its_county_or_the_prefecture_city_above_it(changping):
    prefecture = Region.objects.create(
        code="130100", name="石家庄市", level="prefecture", parent=ProvinceFactory(code="130000", name="河北省")
    )
    county = CountyFactory(code="130102", parent=prefecture)
    township = Township.objects.create(region=county, code="130102001", name="某街道")
    assert township_lies_in_area(township, PilotAreaFactory(region=county))
    assert township_lies_in_area(township, PilotAreaFactory(region=prefecture))
    assert not township_lies_in_area(township, PilotAreaFactory(region=changping))


def test_a_recipients_township_must_lie_in_their_area(changping):
    area = PilotAreaFactory(region=changping)
    here = Township.objects.create(region=changping, code="110114001", name="城北街道")
    elsewhere = Township.objects.create(
        region=CountyFactory(code="110115", parent=changping.parent), code="110115001", name="别处"
    )
    fields = {
        "resident_id": make_resident_id(division="110114", sequence=501),
        "name": "张老人",
        "area": area,
        "economic_category": "minimum_allowance",
        "address": "城北街道1号",
    }
    with pytest.raises(DomainError) as refused:
        recipient_create(township=elsewhere, **fields)
    assert refused.value.field == "township" and "does not lie in" in str(refused.value.message)
    person = recipient_create(township=here, **fields)
    with pytest.raises(DomainError):
        recipient_update(recipient=person, township=elsewhere)
    assert recipient_update(recipient=person, township=None).township is None
    # Recipients registered before townships were kept have none, and stay valid.
    assert RecipientFactory(area=area).township is None


def test_grant_role_gives_a_street_official_a_township(changping):
    Township.objects.create(region=changping, code="110114001", name="城北街道")
    PilotAreaFactory(region=changping)
    out = StringIO()
    call_command("grant_role", "jiedao", "street_official", "--township", "110114001", "--reason", "任命", stdout=out)
    assignment = role_grant(username="jiedao", role=Role.STREET_OFFICIAL, township_code="110114001", reason="again")
    assert assignment.township.code == "110114001" and assignment.user.is_staff
    assert "城北街道" in out.getvalue()
    with pytest.raises(CommandError, match="needs a township"):
        call_command("grant_role", "jiedao2", "street_official", "--reason", "x")
    with pytest.raises(CommandError, match="No township has the code 110114999"):
        call_command("grant_role", "jiedao2", "street_official", "--township", "110114999", "--reason", "x")
    with pytest.raises(CommandError, match="does not take --township"):
        call_command(
            "grant_role",
            "official2",
            "district_official",
            "--area",
            "110114",
            "--township",
            "110114001",
            "--reason",
            "x",
        )
    with pytest.raises(CommandError, match="the following arguments are required: --reason"):
        call_command("grant_role", "jiedao3", "street_official", "--township", "110114001")
    from eldercare.accounts.models import RoleAssignment

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.filter(pk=assignment.pk).update(township=None)
