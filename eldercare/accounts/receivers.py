"""Receivers that write the audit log: logins, failed logins, lockouts, logouts, and every change to
the records of `core.audit.AUDITED_MODELS` (through simple_history's history rows).

Connected in `AccountsConfig.ready`. Each writes in the transaction of the change it records, so a
rolled-back change leaves no audit row and a committed one always has its row.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from eldercare.core.audit import AUDITED_MODELS, audit_record
from eldercare.core.models import AuditEvent

Action = AuditEvent.Action
# Bookkeeping fields: a save that changes only these changed nothing anyone decided.
TIMESTAMP_FIELDS = frozenset({"created_at", "updated_at"})


def on_logged_in(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN, user=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` with asterisks; keep only the name.
    username = str(credentials.get("username") or credentials.get("email") or "")
    audit_record(action=Action.LOGIN_FAILED, request=request, username=username)


def on_logged_out(sender, request, user, **kwargs):
    audit_record(action=Action.LOGOUT, user=user, request=request, username=user.get_username() if user else "")


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(
        action=Action.LOCKED_OUT,
        request=request,
        username=username or "",
        details={"ip_address": ip_address} if ip_address else None,
    )


def _changed_fields(history_instance) -> tuple[list[str], dict]:
    """The names of the fields this history row changed, and the previous row's values of a few of them."""
    # The row written just before this one (by id: history dates follow the clock, which can jump).
    history_model = type(history_instance)
    pk_name = history_instance.instance_type._meta.pk.attname
    previous = (
        history_model.objects.filter(
            **{pk_name: getattr(history_instance, pk_name), "history_id__lt": history_instance.history_id}
        )
        .order_by("-history_id")
        .first()
    )
    if previous is None:
        return [], {}
    delta = history_instance.diff_against(previous, foreign_keys_are_objs=False)
    changes = [change for change in delta.changes if change.field not in TIMESTAMP_FIELDS]
    return [change.field for change in changes], {change.field: change.old for change in changes}


def _action_for(label: str, history_type: str, instance, changed: list[str], before: dict) -> str:
    if history_type == "+":
        return Action.ROLE_CHANGED if label == "accounts.roleassignment" else Action.CREATE
    if history_type == "-":
        return Action.ROLE_CHANGED if label == "accounts.roleassignment" else Action.DELETE
    if label == "accounts.roleassignment":
        return Action.ROLE_CHANGED
    if label == "visits.visit" and "status" in changed and instance.status == "voided":
        return Action.VOID
    if label == "visits.visitexception" and "status" in changed and before.get("status") == "open":
        return Action.REVIEW
    return Action.CHANGE


def _role_details(instance) -> dict:
    return {
        "role": instance.role,
        "province": instance.province_id,
        "area": instance.area_id,
        "provider": instance.provider_id,
        "township": instance.township_id,
        "caregiver": instance.caregiver_id,
        "user": instance.user_id,
    }


def on_history_record(sender, instance, history_instance, history_user=None, history_change_reason=None, **kw):
    """One audit event for each history row of an audited record: who, when, from where, why and what."""
    label = instance._meta.label_lower
    if label not in AUDITED_MODELS:
        return
    history_type = history_instance.history_type
    changed, before = _changed_fields(history_instance) if history_type == "~" else ([], {})
    if history_type == "~" and not changed:
        return  # saved without a change: nothing to account for
    details = {"history_id": history_instance.history_id}
    if changed:
        details["fields"] = changed
    if label == "accounts.roleassignment":
        details["now"] = _role_details(instance)
        if before:
            details["before"] = {name: before[name] for name in changed if name in details["now"]}
    request = getattr(HistoricalRecords.context, "request", None)
    audit_record(
        action=_action_for(label, history_type, instance, changed, before),
        user=history_user or (getattr(request, "user", None) if request is not None else None),
        request=request,
        obj=instance,
        reason=history_change_reason or "",
        details=details,
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="eldercare_audit_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="eldercare_audit_login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="eldercare_audit_logout")
    post_create_historical_record.connect(on_history_record, dispatch_uid="eldercare_audit_history")
    try:
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover - axes is a requirement
        return
    user_locked_out.connect(on_locked_out, dispatch_uid="eldercare_audit_locked_out")
