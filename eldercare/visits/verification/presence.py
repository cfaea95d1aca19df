"""Was the caregiver there: the check-in location and the evidence of presence, one rule each.

The check-in location (`checkin_finding`): a fix whose reported accuracy is no worse than the
batch's radius is far when its distance from home is beyond the radius (the best estimate is what an
EVV reviewer compares, as without an accuracy). A fix whose accuracy is worse than the radius cannot
place the caregiver at the door or away from it: IMPRECISE_CHECKIN, unless even the nearest point of
its accuracy circle lies beyond the radius, which is a far check-in however imprecise the fix (so a
large accuracy never hides a check-in kilometres away).

The evidence (`Evidence`, loaded by `load_evidence` for a whole chunk, one query each): MISSING_PHOTO where the
batch requires photos and the start or end photo is missing; UNCONFIRMED where the batch requires
the older person's confirmation and there is none; DISPUTED whenever the older person answered that
the visit did not take place, whatever the batch says.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from eldercare.core.geo import great_circle_distance_m

from ..models import ExceptionType, PhotoKind, Visit, VisitConfirmation, VisitPhoto, VisitStatus
from .details import missing_photos_detail


@dataclass(frozen=True)
class Finding:
    type: str
    detail: str = ""


@dataclass(frozen=True)
class Evidence:
    """What the camera and the older person say of a visit: the kinds of photo taken, the confirmation."""

    photo_kinds: frozenset[str] = frozenset()
    took_place: bool | None = None  # None: the older person has not answered


NO_EVIDENCE = Evidence()
REQUIRED_PHOTOS = (PhotoKind.START, PhotoKind.END)


def checkin_finding(visit: Visit, recipient, radius: int) -> Finding | None:
    """Far or imprecise check-in, or None (see the module's docstring for the rule and why).

    Reads only the check-in's coordinates and accuracy and the home's coordinates, so the query form
    hands it plain rows of the visits its distance narrows to.
    """
    if None in (visit.checkin_latitude, visit.checkin_longitude, recipient.home_latitude, recipient.home_longitude):
        return None
    distance = great_circle_distance_m(
        float(visit.checkin_latitude),
        float(visit.checkin_longitude),
        float(recipient.home_latitude),
        float(recipient.home_longitude),
    )
    accuracy = visit.checkin_accuracy_m
    if accuracy is None:
        if distance > radius:
            return Finding(ExceptionType.FAR_CHECKIN, _("%(metres)d m from home") % {"metres": round(distance)})
        return None
    accuracy = float(accuracy)
    shown = {"metres": round(distance), "accuracy": round(accuracy)}
    if distance > radius and (accuracy <= radius or distance - accuracy > radius):
        return Finding(ExceptionType.FAR_CHECKIN, _("%(metres)d m from home (±%(accuracy)d m)") % shown)
    if accuracy > radius:
        return Finding(ExceptionType.IMPRECISE_CHECKIN, _("±%(accuracy)d m, %(metres)d m from home") % shown)
    return None


def evidence_findings(batch, evidence: Evidence) -> list[Finding]:
    """MISSING_PHOTO, UNCONFIRMED, DISPUTED; `batch` needs only `photos_required` and `confirmation_required`."""
    found: list[Finding] = []
    if batch.photos_required:
        missing = [kind for kind in REQUIRED_PHOTOS if kind not in evidence.photo_kinds]
        if missing:
            found.append(Finding(ExceptionType.MISSING_PHOTO, missing_photos_detail(missing)))
    if evidence.took_place is None and batch.confirmation_required:
        found.append(Finding(ExceptionType.UNCONFIRMED))
    if evidence.took_place is False:
        found.append(Finding(ExceptionType.DISPUTED))
    return found


def load_evidence(visits: list[Visit]) -> dict[int, Evidence]:
    """The evidence of these visits: one query for the confirmations, one for photos where a batch needs them."""
    ids = [visit.pk for visit in visits if visit.status == VisitStatus.COMPLETED]
    if not ids:
        return {}
    kinds: dict[int, set[str]] = defaultdict(set)
    if any(visit.area.batch.photos_required for visit in visits):
        for visit_id, kind in VisitPhoto.objects.filter(visit_id__in=ids).values_list("visit_id", "kind"):
            kinds[visit_id].add(kind)
    answers = dict(VisitConfirmation.objects.filter(visit_id__in=ids).values_list("visit_id", "took_place"))
    return {
        pk: Evidence(photo_kinds=frozenset(kinds.get(pk, ())), took_place=answers.get(pk))
        for pk in set(kinds) | set(answers)
    }
