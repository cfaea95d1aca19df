"""Which visits count toward a recipient's 30, which are flagged for review, and what a change invalidates.

- `rules` (and `presence` for whether the caregiver was there: far or imprecise check-in, missing
  photo, unconfirmed and disputed visits): each rule as a function of plain values;
- `checks`: the Python form, one visit at a time (`findings_for`, `derive_findings`), and
  `count_decision`;
- `query`: the query form, set-based (`derive_findings_in_db`): a few statements narrow a set of
  visits to those that may raise each exception, and the same rule functions decide and word them;
- `store`: `verify_visits(ids)`, which stores the query form's findings and `Visit.is_countable`;
- `contract`: the one table of which input change (model, field) invalidates which visits and roll-ups,
  and `invalidate`, which writes that work into the durable recount queue; services that store a
  visit's photo or confirmation call `contract.reverify_visit_after_evidence(visit)` (or `invalidate`).
"""

from .checks import (
    OVERLAP_SEARCH_MARGIN,
    OVERLAP_WINDOW,
    VERIFY_CHUNK,
    VERIFY_ROUND,
    CountDecision,
    Finding,
    count_decision,
    countable_visits,
    derive_findings,
    findings_for,
    holding_exception_exists,
    overlap_partner_ids,
    verify_open_window,
    verify_visits,
)
from .presence import NO_EVIDENCE, Evidence, load_evidence
from .query import Scope, derive_findings_in_db
from .store import store_countability, verify_all_visits

__all__ = [
    "OVERLAP_SEARCH_MARGIN",
    "OVERLAP_WINDOW",
    "VERIFY_CHUNK",
    "VERIFY_ROUND",
    "NO_EVIDENCE",
    "Scope",
    "CountDecision",
    "Evidence",
    "Finding",
    "count_decision",
    "countable_visits",
    "derive_findings",
    "derive_findings_in_db",
    "findings_for",
    "holding_exception_exists",
    "load_evidence",
    "overlap_partner_ids",
    "store_countability",
    "verify_all_visits",
    "verify_open_window",
    "verify_visits",
]
