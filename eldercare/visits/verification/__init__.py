"""Which visits count toward a recipient's 30, which are flagged for review, and what a change invalidates.

- `checks`: the verification rules (`findings_for`), `verify_visits`, `count_decision`;
- `presence`: the rules on whether the caregiver was there: far or imprecise check-in, missing photo,
  unconfirmed and disputed visits, with the evidence they read (`load_evidence`);
- `contract`: the one table of which input change (model, field) invalidates which visits and roll-ups,
  and `invalidate`, which writes that work into the durable recount queue; services that store a
  visit's photo or confirmation call `contract.reverify_visit_after_evidence(visit)` (or `invalidate`).
"""

from .checks import (
    OVERLAP_SEARCH_MARGIN,
    VERIFY_CHUNK,
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

__all__ = [
    "OVERLAP_SEARCH_MARGIN",
    "VERIFY_CHUNK",
    "NO_EVIDENCE",
    "CountDecision",
    "Evidence",
    "Finding",
    "count_decision",
    "countable_visits",
    "derive_findings",
    "findings_for",
    "holding_exception_exists",
    "load_evidence",
    "overlap_partner_ids",
    "verify_open_window",
    "verify_visits",
]
