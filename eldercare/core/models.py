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
