"""Writing the audit log. Every path that must leave a trace calls `audit_record`, in its transaction.

`audit_record` is the stable entry point for every app (exports call it with action="export").
Logins, failed logins and logouts are recorded by receivers of Django's auth signals, and every
change to the records in `AUDITED_MODELS` by a receiver of simple_history's
`post_create_historical_record` (see `eldercare.accounts.receivers`): the history row says what
changed, the audit event says who, when, from which address and why.
"""

from django.conf import settings
from django.db.models import Model

from .models import AuditEvent

# Records whose every change (create, change, void, review, role change) is written to the audit
# log, by label_lower. They must keep a simple_history `HistoricalRecords()`.
AUDITED_MODELS = frozenset(
    {
        "visits.visit",
        "visits.visitexception",
        "beds.familycarebed",
        "beds.retrofititem",
        "recipients.recipient",
        "recipients.capabilityassessment",
        "areas.batch",
        "areas.pilotarea",
        "areas.fundallocation",
        "areas.disbursement",
        "accounts.roleassignment",
    }
)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies, the address the
    outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a client cannot forge)."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return meta.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    user=None,
    request=None,
    obj: Model | None = None,
    reason: str = "",
    details: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one event to the audit log."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = user if user is not None and getattr(user, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        user=authenticated,
        username=(username or (authenticated.get_username() if authenticated else ""))[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        ip_address=client_ip(request),
        reason=reason or "",
        details=details or {},
    )


def audit_record_many(*, action: str, user, objects, reason: str = "", details: dict | None = None) -> int:
    """Append one event per object in a single insert (bulk actions such as fee confirmation)."""
    authenticated = user if user is not None and getattr(user, "is_authenticated", False) else None
    events = [
        AuditEvent(
            user=authenticated,
            username=(authenticated.get_username() if authenticated else "")[:150],
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            reason=reason,
            details=details or {},
        )
        for obj in objects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
