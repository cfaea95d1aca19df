from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class NoDeleteQuerySet(models.QuerySet):
    """Evidence for payment is never hard-deleted: a bulk delete is refused outright."""

    def delete(self):
        from .errors import DomainError

        raise DomainError(_("These records are evidence and cannot be deleted; void them instead."))


class AuditEventQuerySet(models.QuerySet):
    """The audit log is append-only: bulk updates and deletes are refused outright."""

    def update(self, **kwargs):
        from .errors import DomainError

        raise DomainError(_("The audit log is append-only: its entries cannot be changed."))

    def delete(self):
        from .errors import DomainError

        raise DomainError(_("The audit log is append-only: its entries cannot be deleted."))


class AuditEvent(models.Model):
    """An append-only audit log entry (审计日志): who did what, when, from where, and why.

    Rows are only ever inserted (`core.audit.audit_record`); the admin shows them read-only, and
    on PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE even to the table's owner. Production
    connects as a role that owns no table, so it cannot drop or disable them either (README).
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        LOCKED_OUT = "locked_out", _("Locked out after failed logins")
        ROLE_CHANGED = "role_changed", _("Role or scope changed")
        REVEAL = "reveal", _("Personal data revealed")
        EXPORT = "export", _("Export")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        VOID = "void", _("Voided")
        REVIEW = "review", _("Exception reviewed")
        DELETE = "delete", _("Deleted")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")

    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "auth.User", verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        # A guard, not a rule: an entry is written once (on PostgreSQL a trigger refuses it too).
        if not self._state.adding:
            from .errors import DomainError

            raise DomainError(_("The audit log is append-only: its entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from .errors import DomainError

        raise DomainError(_("The audit log is append-only: its entries cannot be deleted."))


class RecountRequest(models.Model):
    """Roll-up work still to do (待重算): a transactional outbox, drained by a Celery task.

    A service that changes an input of a rule writes these rows in its own transaction, so the
    work is as durable as the change itself; a lost publish, a broker outage or a killed worker
    only delays it until the next drain (`eldercare.rollups.queue`). Plain ids, not foreign
    keys: rows are written on every change and deleted once drained, and `core` knows no domain.

    - `recipient_id`: recount this recipient (and re-total their area);
    - `area_id` (no recipient): recompute every recipient of the area and its totals;
    - `verify_from` (and `verify_until`): first re-verify the visits (of the recipient, or of the
      area) from this day on (up to that day).
    """

    id = models.BigAutoField(_("ID"), primary_key=True)
    recipient_id = models.BigIntegerField(_("recipient id"), null=True, blank=True)
    area_id = models.BigIntegerField(_("pilot area id"), null=True, blank=True)
    verify_from = models.DateField(_("re-verify visits from"), null=True, blank=True)
    # Open-ended when empty; a bulk upload names the one day of its new visits.
    verify_until = models.DateField(_("re-verify visits until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=96, blank=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending recount")
        verbose_name_plural = _("pending recounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_id__isnull=False) | models.Q(area_id__isnull=False),
                name="recount_request_names_recipient_or_area",
            ),
        ]

    def __str__(self) -> str:
        target = f"recipient {self.recipient_id}" if self.recipient_id else f"area {self.area_id}"
        return f"#{self.pk} {target} {self.reason}"
