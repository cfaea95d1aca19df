"""The visit ledger as one PostgreSQL statement: its typed rows in visit order.

The same rows as `visits.visit_rows_queryset` with `visits._counting` (tests/exports/test_copy_ledgers.py):
visits as of the day by `DISTINCT ON (id)` over their history, their exceptions' state then (the
latest history row, open if none), whether each counts (completed, nothing holding it back, the
first such visit of its recipient that day among the ledger's visits, by start time then id) and the
words of the reasons and exceptions, sorted as the Python sorts "type:status:code" (code points:
`COLLATE "C"`), each word from the export vocabulary.
"""

import string

from django.conf import settings

from eldercare.visits.models import HOLDING_STATUSES, PhotoKind, VisitStatus

from .. import vocabulary as v
from .base import Context, Scope
from .recipients_sql import latest_versions, visit_prefilter
from .sql import literal, masked_sql, word_sql, yes_no_sql


def format_sql(template: str, **values: str) -> str:
    """A vocabulary template ("已作废：{reason}") as SQL concatenating its text and the given expressions."""
    parts = []
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        if text:
            parts.append(literal(text))
        if name is not None:
            parts.append(f"({values[name]})::text")
    return "(" + " || ".join(parts) + ")"


def _photo_link(kind: str, sha: str) -> str:
    from .visits import _PLACEHOLDER, _path_template

    base = getattr(settings, "PHOTO_LINK_BASE_URL", "").rstrip("/")
    before, after = _path_template(kind).split(str(_PLACEHOLDER), 1)
    link = f"{literal(base + before)} || v.id || {literal(after)}"
    return f"(CASE WHEN NULLIF({sha}, '') IS NULL THEN NULL ELSE {link} END)"


def visit_rows_sql(scope: Scope, context: Context) -> tuple[str, dict]:
    area_ids = scope.area_ids()
    labels = sorted(context.areas.items())
    params = {
        "end": scope.end,
        "areas": area_ids,
        "provider": scope.provider.pk if scope.provider is not None else None,
        "holding": [str(status) for status in HOLDING_STATUSES],
        "completed": str(VisitStatus.COMPLETED),
        "voided": str(VisitStatus.VOIDED),
        "date_from": scope.filters.get("date_from"),
        "date_to": scope.filters.get("date_to"),
        "label_ids": [pk for pk, _label in labels],
        "label_codes": [code for _pk, (code, _name) in labels],
        "label_names": [name for _pk, (_code, name) in labels],
        **{f"photo_{kind}": str(kind) for kind in PhotoKind.values},
    }
    narrowing = ""
    if scope.provider is not None:
        narrowing += " AND v.provider_id = %(provider)s"
    if scope.filters.get("date_from"):
        narrowing += " AND v.service_date >= CAST(%(date_from)s AS date)"
    if scope.filters.get("date_to"):
        narrowing += " AND v.service_date <= CAST(%(date_to)s AS date)"
    visits = latest_versions(
        "visits_historicalvisit",
        "h.area_id, h.provider_id, h.caregiver_id, h.recipient_id, h.category_id, h.service_date, h.started_at, "
        "h.ended_at, h.checkin_latitude, h.checkin_longitude, h.checkout_latitude, h.checkout_longitude, "
        "h.satisfaction, h.status, h.void_reason, h.fee_confirmed_at, h.created_at",
        where=visit_prefilter(area_ids),
    )
    exceptions = latest_versions("visits_historicalvisitexception", "h.status, h.reason_code_id")
    type_word, status_word = word_sql("exception_type", "e.type"), word_sql("exception_status", "e.status")
    listed = (
        f"{type_word} || '（' || {status_word} || "
        "(CASE WHEN COALESCE(e.code, '') <> '' THEN '，' || e.code ELSE '' END) || '）'"
    )
    held_reason = format_sql(v.REASON_EXCEPTION, type=type_word, status=status_word)
    counts = "(c.countable AND c.counting_visit = v.id)"
    not_first = format_sql(v.REASON_NOT_FIRST, pk="c.counting_visit")
    reasons = (
        "NULLIF(concat_ws('；', "
        f"CASE WHEN v.status = %(voided)s THEN {format_sql(v.REASON_VOIDED, reason='v.void_reason')} END, "
        "ew.held_reasons, "
        f"CASE WHEN c.countable AND c.counting_visit <> v.id THEN {not_first} END"
        "), '')"
    )
    photo_joins = "".join(
        f"""
        LEFT JOIN visits_visitphoto photo_{kind}
            ON photo_{kind}.visit_id = v.id AND photo_{kind}.kind = %(photo_{kind})s
           AND photo_{kind}.created_at < %(end)s"""
        for kind in PhotoKind.values
    )
    sql = f"""
        WITH visit AS MATERIALIZED (
            SELECT v.* FROM ({visits}) v
            WHERE v.history_type <> '-' AND v.area_id = ANY(%(areas)s){narrowing}
        ),
        exception_state AS (
            SELECT x.visit_id, x.type, COALESCE(state.status, 'open') AS status, rc.code
            FROM visits_visitexception x
            LEFT JOIN ({exceptions}) state ON state.id = x.id
            LEFT JOIN visits_reviewreasoncode rc ON rc.id = state.reason_code_id
            WHERE x.created_at < %(end)s
        ),
        exception_words AS (
            SELECT e.visit_id,
                   bool_or(e.status = ANY(%(holding)s)) AS held,
                   string_agg({listed}, '；' ORDER BY e.sort_key COLLATE "C") AS listed,
                   string_agg({held_reason}, '；' ORDER BY e.sort_key COLLATE "C")
                       FILTER (WHERE e.status = ANY(%(holding)s)) AS held_reasons
            FROM (
                SELECT s.*, s.type || ':' || s.status || ':' || COALESCE(s.code, '') AS sort_key FROM exception_state s
            ) e
            GROUP BY e.visit_id
        ),
        counting AS (
            SELECT k.id, k.countable,
                   first_value(k.id) OVER (
                       PARTITION BY k.recipient_id, k.service_date, k.countable ORDER BY k.started_at, k.id
                   ) AS counting_visit
            FROM (
                SELECT v.id, v.recipient_id, v.service_date, v.started_at,
                       (v.status = %(completed)s AND ew.held IS NOT TRUE) AS countable
                FROM visit v LEFT JOIN exception_words ew ON ew.visit_id = v.id
            ) k
        ),
        recipient AS (
            -- Each person's name and masked number once, not once a visit.
            SELECT r.id, r.name, {masked_sql("r.resident_id")} AS masked_id FROM recipients_recipient r
        ),
        label AS (
            SELECT * FROM unnest(%(label_ids)s::bigint[], %(label_codes)s::text[], %(label_names)s::text[])
                AS l(id, code, name)
        )
        SELECT
            v.id AS c0,
            label.code AS c1,
            label.name AS c2,
            p.name AS c3,
            cg.name AS c4,
            cg.employee_number AS c5,
            v.recipient_id AS c6,
            r.name AS c7,
            r.masked_id AS c8,
            cat.name AS c9,
            v.service_date AS c10,
            v.started_at AS c11,
            v.ended_at AS c12,
            floor(date_part('epoch', v.ended_at - v.started_at) / 60)::bigint AS c13,
            v.checkin_latitude AS c14,
            v.checkin_longitude AS c15,
            v.checkout_latitude AS c16,
            v.checkout_longitude AS c17,
            {word_sql("satisfaction", "NULLIF(v.satisfaction, '')")} AS c18,
            {word_sql("visit_status", "NULLIF(v.status, '')")} AS c19,
            v.void_reason AS c20,
            v.fee_confirmed_at AS c21,
            {yes_no_sql(counts)} AS c22,
            {reasons} AS c23,
            ew.listed AS c24,
            photo_start.sha256 AS c25,
            {_photo_link("start", "photo_start.sha256")} AS c26,
            photo_end.sha256 AS c27,
            {_photo_link("end", "photo_end.sha256")} AS c28,
            v.created_at AS c29
        FROM visit v
        JOIN counting c ON c.id = v.id
        LEFT JOIN exception_words ew ON ew.visit_id = v.id
        LEFT JOIN label ON label.id = v.area_id
        LEFT JOIN providers_provider p ON p.id = v.provider_id
        LEFT JOIN providers_caregiver cg ON cg.id = v.caregiver_id
        LEFT JOIN recipient r ON r.id = v.recipient_id
        LEFT JOIN visits_servicecategory cat ON cat.id = v.category_id{photo_joins}
        ORDER BY v.id
    """
    return sql, params
