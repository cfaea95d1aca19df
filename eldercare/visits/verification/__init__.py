"""Which visits count toward a recipient's 30, which are flagged for review, and what a change invalidates.

- `checks`: the verification rules (`findings_for`), `verify_visits`, `count_decision`;
- `contract`: the one table of which input change (model, field) invalidates which visits and roll-ups,
  and `invalidate`, which writes that work into the durable recount queue.
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

__all__ = [
    "OVERLAP_SEARCH_MARGIN",
    "VERIFY_CHUNK",
    "CountDecision",
    "Finding",
    "count_decision",
    "countable_visits",
    "derive_findings",
    "findings_for",
    "holding_exception_exists",
    "overlap_partner_ids",
    "verify_open_window",
    "verify_visits",
]
