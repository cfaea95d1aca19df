"""The nightly deep sample: once the reconcile's last area is done, re-derive a random sample.

The nightly reconcile rebuilds the roll-ups from the stored verification; this sample checks that
verification itself against the raw records, so a change made behind the services' back shows up
within a day. The result goes into the log, into its own verification run, and onto the reconcile
run (`differences`, `note`), where the admin's list of runs shows it.
"""

import logging

from django.conf import settings

from ..models import RollupRun
from .deep import verify_deep
from .report import VerificationResult

logger = logging.getLogger(__name__)

# Written on the reconcile run by the task that queues the sample; the sample replaces it with its
# result (so a run still saying this had its sample lost).
DEEP_SAMPLE_QUEUED = "deep sample queued"


def claim_nightly_deep_sample(run_id: int) -> bool:
    """Whether the caller should queue the deep sample of this reconcile run: once, when it is finished.

    Several area tasks may finish at once; a conditional update lets exactly one of them claim it.
    """
    if settings.NIGHTLY_DEEP_SAMPLE <= 0:
        return False
    claimed = RollupRun.objects.filter(pk=run_id, finished_at__isnull=False, note="").update(note=DEEP_SAMPLE_QUEUED)
    return claimed == 1


def nightly_deep_sample(*, run_id: int | None = None, size: int | None = None) -> VerificationResult:
    """Re-derive `size` (default NIGHTLY_DEEP_SAMPLE) random visits; log the result and store it.

    The seed is the reconcile run's id: a different sample each night, and
    `verify_rollups --deep --sample N --seed <run id>` draws the same one again.
    """
    size = size if size is not None else settings.NIGHTLY_DEEP_SAMPLE
    seed = run_id or 0
    result = verify_deep(sample=size, seed=seed)
    summary = result.summary()
    if result.clean:
        logger.info("Nightly deep sample clean: %s", summary)
    else:
        logger.error("Nightly deep sample found differences: %s", summary)
    if run_id is not None:
        RollupRun.objects.filter(pk=run_id).update(
            differences=result.difference_count, note=f"{summary}\n(verification run #{result.run_id})"
        )
    return result
