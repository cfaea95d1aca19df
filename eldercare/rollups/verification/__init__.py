"""Proofs that the roll-ups and the stored verification equal what the raw records say.

- `recount`: the plain check (`verify_rollups`), an independent recount from visit status and the
  stored exceptions;
- `deep`: the deep check (`verify_rollups --deep [--sample N]`), which re-derives the exceptions
  and countable flags from the raw inputs and recounts from those;
- `reverify`: verification re-run on every visit (`recompute_rollups --reverify`);
- `nightly`: the deep sample the nightly reconcile ends with;
- `report`: differences, pending work in the recount queue, and the result both checks return.
"""

from .deep import RECIPIENT_GROUP, sample_visit_ids, verify_deep
from .nightly import DEEP_SAMPLE_QUEUED, claim_nightly_deep_sample, nightly_deep_sample
from .recount import area_differences, verify_all, verify_recount
from .report import (
    Difference,
    PendingWork,
    VerificationResult,
    pending_work,
    queue_report,
    wait_for_recount_queue,
)
from .reverify import reverify_visits

__all__ = [
    "DEEP_SAMPLE_QUEUED",
    "RECIPIENT_GROUP",
    "Difference",
    "PendingWork",
    "VerificationResult",
    "area_differences",
    "claim_nightly_deep_sample",
    "nightly_deep_sample",
    "pending_work",
    "queue_report",
    "reverify_visits",
    "sample_visit_ids",
    "verify_all",
    "verify_deep",
    "verify_recount",
    "wait_for_recount_queue",
]
