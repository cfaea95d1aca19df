"""Import recipients (with their township and, when given, a capability assessment) through the
recipients' bulk registration service (`recipients.bulk_register`, the bulk twin of
`recipient_create` and `assessment_record`: the same rules, history rows, audit events and recount).

Looked up in bulk, one query each whatever the file's size: the ID numbers already registered
(skipped, so a file imported twice changes nothing), the townships, the pilot areas of the named
batches and the providers. Checked here: what the cells say together (a township outside the
batch's pilot areas, a sex the ID number contradicts, half an assessment).

A person already registered (matched by ID number, `normalize_resident_id`) is skipped whatever the
row says, its batch year included: an import registers people, it never moves or enrols anyone
already known, so a roster imported again for a later batch cannot put a person in a second batch
by accident. Enrolling someone in another batch is `recipients.enrolments.enrolment_create` (the
enrolment admin and API).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from eldercare.areas.models import PilotArea, Township
from eldercare.core.validators import normalize_resident_id, parse_resident_id
from eldercare.providers.models import Provider
from eldercare.recipients.bulk_register import Registration, recipients_register_many
from eldercare.recipients.models import Recipient

from .columns import RECIPIENTS
from .reading import CellError, ParsedRow, service_errors

# The column a repeated row is named by.
KEY_COLUMN = "resident_id"
KIND = RECIPIENTS
IMPORT_REASON = "import_records"
ASSESSMENT_KEYS = ("assessed_on", "level", "assessor_name")
# A model field's column, where the two names differ.
FIELD_COLUMNS = {"area": "batch", "recipient": "resident_id"}
CHUNK = 2000


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_keys(rows: list[ParsedRow]) -> set[str]:
    numbers = sorted({normalize_resident_id(row.values["resident_id"]) for row in rows if "resident_id" in row.values})
    found = set()
    for chunk in _chunks(numbers):
        found.update(Recipient.objects.filter(resident_id__in=chunk).values_list("resident_id", flat=True))
    return found


def row_key(row: ParsedRow) -> str | None:
    value = row.values.get("resident_id")
    return normalize_resident_id(value) if value else None


class _References:
    def __init__(self, rows: list[ParsedRow]):
        codes = {row.values["township"] for row in rows if "township" in row.values}
        self.townships = {t.code: t for t in Township.objects.filter(code__in=codes).select_related("region")}
        years = {row.values["batch"] for row in rows if "batch" in row.values}
        self.areas = {
            (area.batch.year, area.region_id): area
            for area in PilotArea.objects.filter(batch__year__in=years).select_related("batch", "region")
        }
        credit_codes = {
            row.values[key] for row in rows for key in ("provider", "assessor_provider") if key in row.values
        }
        self.providers = {p.credit_code: p for p in Provider.objects.filter(credit_code__in=credit_codes)}

    def area_of(self, year: int, township: Township) -> PilotArea | None:
        region = township.region
        return self.areas.get((year, region.pk)) or self.areas.get((year, region.parent_id))


def _header(key: str) -> str:
    return KIND.column(key).header


def _row_problems(row: ParsedRow, refs: _References) -> list[CellError]:
    """What the row's cells say wrongly together (the services check each record's own rules)."""
    problems = []
    values = row.values
    township = refs.townships.get(values.get("township"))
    if township is not None and "batch" in values and refs.area_of(values["batch"], township) is None:
        problems.append(
            CellError(
                row.line,
                _header("township"),
                _("The township %(township)s lies in no pilot area of the %(year)d batch.")
                % {"township": township.code, "year": values["batch"]},
            )
        )
    if "resident_id" in values:
        # Checked here too: a bad number would also fail the model's derived fields and constraints,
        # and the clerk needs the one message that says what to correct.
        try:
            info = parse_resident_id(values["resident_id"])
        except ValidationError as error:
            info = None
            problems.extend(CellError(row.line, _header("resident_id"), message) for message in error.messages)
        if info is not None and values.get("sex", info.sex) != info.sex:
            problems.append(
                CellError(row.line, _header("sex"), _("The sex does not match the one the ID number encodes."))
            )
    given = [key for key in (*ASSESSMENT_KEYS, "assessor_provider") if key in values]
    if given:
        problems.extend(
            CellError(row.line, _header(key), _("An assessment needs its date, level and assessor."))
            for key in ASSESSMENT_KEYS
            if key not in values
        )
    return problems


def write_rows(rows: list[ParsedRow], acting_user) -> tuple[int, int, list[CellError]]:
    """Register every row's recipient (and assessment) at once; the records created and every refusal."""
    refs = _References(rows)
    entries, lines, errors = [], [], []
    for row in rows:
        problems = _row_problems(row, refs)
        if problems:
            errors.extend(problems)
            continue
        values = row.values
        township = refs.townships[values["township"]]
        fields = {
            "resident_id": values["resident_id"],
            "name": values["name"],
            "area": refs.area_of(values["batch"], township),
            "township": township,
            "economic_category": values["economic_category"],
            "address": values["address"],
            "provider": refs.providers.get(values.get("provider")),
        }
        fields.update({key: values[key] for key in ("phone", "guardian_name", "guardian_phone") if key in values})
        assessment = None
        if "assessed_on" in values:
            assessment = {
                "assessed_on": values["assessed_on"],
                "level": values["level"],
                "assessor_name": values["assessor_name"],
                "assessor_provider": refs.providers.get(values.get("assessor_provider")),
            }
        entries.append(Registration(fields=fields, assessment=assessment))
        lines.append(row.line)
    if errors:
        return 0, 0, errors
    created, refusals = recipients_register_many(entries=entries, acting_user=acting_user, reason=IMPORT_REASON)
    for index, refusal in sorted(refusals.items()):
        errors.extend(service_errors(lines[index], refusal, KIND, FIELD_COLUMNS))
    return len(created), 0, errors
