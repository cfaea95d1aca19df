"""The visit ledger and the ledger of exceptions and their resolutions, as of a day."""

import functools

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse

from eldercare.visits.models import HOLDING_STATUSES, PhotoKind, Visit, VisitException, VisitPhoto, VisitStatus

from .. import vocabulary as v
from ..models import ExportKind
from ..selectors import GroupConcat, exceptions_as_of, visits_as_of
from .base import (
    AREA_CODE,
    AREA_NAME,
    COORDINATE,
    COUNT,
    Column,
    Ledger,
    Report,
    Scope,
    Source,
    _date_range,
    _split,
    derived,
    masked,
    word,
)


def _minutes(row, _context) -> int:
    return int((row["ended_at"] - row["started_at"]).total_seconds() // 60)


# A photo's column holds its SHA-256 and a link to its image (the API serves it to signed-in users in
# scope); `PHOTO_LINK_BASE_URL` makes the link absolute, so it opens from a spreadsheet.
_PLACEHOLDER = 987654321987


def _photo_link(kind: str) -> Source:
    def link(row, _context) -> str:
        if not row[f"photo_{kind}_sha256"]:
            return ""
        base = getattr(settings, "PHOTO_LINK_BASE_URL", "").rstrip("/")
        return base + _path_template(kind).replace(str(_PLACEHOLDER), str(row["id"]))

    return Source(("id", f"photo_{kind}_sha256"), link)


@functools.cache
def _path_template(kind: str) -> str:
    """The image's address with a placeholder for the visit: one `reverse` a kind, not one a row."""
    return reverse(f"api:visit-photo-{kind}-image", kwargs={"pk": _PLACEHOLDER})


def with_photos(visits, end):
    """Each visit's start and end photo stored by `end` (a photo is never replaced): their SHA-256."""
    for kind in PhotoKind.values:
        stored = VisitPhoto.objects.filter(visit_id=OuterRef("id"), kind=kind, created_at__lt=end)
        visits = visits.annotate(**{f"photo_{kind}_sha256": Subquery(stored.values("sha256")[:1])})
    return visits


# --- Visit ledger -------------------------------------------------------------------------------

VISITS = Ledger(
    ExportKind.VISITS,
    "上门服务台账",
    (
        Column("服务编号", "int", 10, "id"),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("服务机构", "str", 22, "provider__name"),
        Column("服务人员", "str", 10, "caregiver__name"),
        Column("服务人员工号", "str", 10, "caregiver__employee_number"),
        Column("服务对象编号", "int", 10, "recipient_id"),
        Column("服务对象姓名", "str", 10, "recipient__name"),
        Column("身份证号（脱敏）", "str", 20, masked("recipient__resident_id")),
        Column("服务类别", "str", 10, "category__name"),
        Column("服务日期", "date", 11, "service_date"),
        Column("开始时间", "datetime", 19, "started_at"),
        Column("结束时间", "datetime", 19, "ended_at"),
        Column("时长（分钟）", "int", 8, Source(("started_at", "ended_at"), _minutes), COUNT),
        Column("签到纬度", "dec", 11, "checkin_latitude", COORDINATE),
        Column("签到经度", "dec", 11, "checkin_longitude", COORDINATE),
        Column("签退纬度", "dec", 11, "checkout_latitude", COORDINATE),
        Column("签退经度", "dec", 11, "checkout_longitude", COORDINATE),
        Column("满意度", "str", 8, word("satisfaction", "satisfaction")),
        Column("状态", "str", 8, word("visit_status", "status")),
        Column("作废原因", "str", 16, "void_reason"),
        Column("费用确认时间", "datetime", 19, "fee_confirmed_at"),
        Column("是否计入", "str", 8, derived("counts_word")),
        Column("不计入原因", "str", 30, derived("reasons")),
        Column("异常及处理", "str", 40, derived("exceptions")),
        Column("开始照片SHA-256", "str", 66, "photo_start_sha256"),
        Column("开始照片链接", "str", 30, _photo_link("start")),
        Column("结束照片SHA-256", "str", 66, "photo_end_sha256"),
        Column("结束照片链接", "str", 30, _photo_link("end")),
        Column("录入时间", "datetime", 19, "created_at"),
    ),
    also_fetch=("id", "status", "void_reason", "countable", "counting_visit", "exception_text"),
)
# The ledger's labels, for callers that look a column up by name.
VISIT_COLUMNS = list(VISITS.columns)


def visit_rows_queryset(scope: Scope):
    """The visit ledger's query: visits as of the day, with their counting and their exceptions then."""
    exceptions = (
        exceptions_as_of(scope.end)
        .filter(visit_id=OuterRef("id"))
        .values("visit_id")
        .annotate(
            text=GroupConcat(
                Concat(
                    "type",
                    Value(":"),
                    "as_of_status",
                    Value(":"),
                    Coalesce("as_of_reason_code", Value(""), output_field=TextField()),
                    output_field=TextField(),
                )
            )
        )
        .values("text")
    )
    visits = scope.narrow(visits_as_of(scope.end))
    visits = _date_range(visits, scope.filters, "service_date")
    return with_photos(visits.annotate(exception_text=Subquery(exceptions)), scope.end).order_by("id")


def _exception_words(text: str | None) -> tuple[list[str], list[str]]:
    """All exceptions as "type（status，code）" and the holding ones as reasons."""
    listed, holding = [], []
    for part in _split(text):
        kind, status, code = (part.split(":") + ["", ""])[:3]
        listed.append(
            f"{v.word('exception_type', kind)}（{v.word('exception_status', status)}{'，' + code if code else ''}）"
        )
        if status in HOLDING_STATUSES:
            holding.append(
                v.REASON_EXCEPTION.format(
                    type=v.word("exception_type", kind), status=v.word("exception_status", status)
                )
            )
    return listed, holding


def _counting(row: dict) -> None:
    """Whether the visit counts, why not, and its exceptions: three columns read them."""
    listed, holding = _exception_words(row["exception_text"])
    reasons = []
    if row["status"] == VisitStatus.VOIDED:
        reasons.append(v.REASON_VOIDED.format(reason=row["void_reason"]))
    reasons += holding
    counts = bool(row["countable"]) and row["counting_visit"] == row["id"]
    if row["countable"] and not counts:
        reasons.append(v.REASON_NOT_FIRST.format(pk=row["counting_visit"]))
    row["counts_word"] = v.yes_no(counts)
    row["reasons"] = "；".join(reasons)
    row["exceptions"] = "；".join(listed)


def visit_ledger(scope: Scope, *, engine: str = "auto") -> Report:
    """The ledger's report: on PostgreSQL one statement (reports.visits_sql), streamed as CSV by COPY;
    elsewhere the queryset above with `_counting`. `engine` "sql" or "python" forces one way."""
    use_sql = engine == "sql" or (engine == "auto" and connection.vendor == "postgresql")
    context = scope.context()
    copy = None
    if use_sql:
        from .streaming import typed_rows
        from .visits_sql import visit_rows_sql

        def rows():
            sql, params = visit_rows_sql(scope, context)
            yield from typed_rows(sql, params, len(VISIT_COLUMNS))

        def copy():
            return visit_rows_sql(scope, context)

    else:

        def rows():
            yield from VISITS.rows(VISITS.query(visit_rows_queryset(scope)), context, step=_counting)

    estimate = _date_range(scope.narrow(Visit.objects.all()), scope.filters, "service_date").count()
    return Report(VISITS.kind, VISITS.title, VISIT_COLUMNS, rows(), estimate, copy=copy)


# --- Exceptions and resolutions --------------------------------------------------------------------

EXCEPTIONS = Ledger(
    ExportKind.EXCEPTIONS,
    "异常及处理台账",
    (
        Column("异常编号", "int", 8, "id"),
        Column("服务编号", "int", 10, "visit_id"),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("服务机构", "str", 22, "provider__name"),
        Column("服务日期", "date", 11, "visit__service_date"),
        Column("异常类型", "str", 14, word("exception_type", "type")),
        Column("严重程度", "str", 6, word("severity", "severity")),
        Column("说明", "str", 30, "as_of_detail"),
        Column("状态", "str", 12, word("exception_status", "as_of_status")),
        Column("处理原因代码", "str", 12, "as_of_reason_code"),
        Column("处理说明", "str", 24, "as_of_note"),
        Column("处理时间", "datetime", 19, "as_of_resolved_at"),
        Column("处理人", "str", 10, "as_of_resolved_by"),
        Column("发现时间", "datetime", 19, "created_at"),
    ),
)
EXCEPTION_COLUMNS = list(EXCEPTIONS.columns)


def exception_ledger(scope: Scope) -> Report:
    def rows():
        exceptions = _date_range(scope.narrow(exceptions_as_of(scope.end)), scope.filters, "visit__service_date")
        yield from EXCEPTIONS.rows(EXCEPTIONS.query(exceptions.order_by("id")), scope.context())

    estimate = scope.narrow(VisitException.objects.all()).count()
    return Report(EXCEPTIONS.kind, EXCEPTIONS.title, EXCEPTION_COLUMNS, rows(), estimate)
