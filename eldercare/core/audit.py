"""Writing the audit log. Every path that must leave a trace calls `audit_record`, in its transaction."""

from django.db.models import Model

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind the reverse proxy of a deployment, REMOTE_ADDR is the proxy; the README's settings
    # make the proxy set X-Forwarded-For and we trust only its first hop.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


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
        username=username or (authenticated.get_username() if authenticated else ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        ip_address=client_ip(request),
        reason=reason,
        details=details or {},
    )
