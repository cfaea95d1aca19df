from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfirmationsConfig(AppConfig):
    """The older person's confirmation: printable cards with a QR code, and the page it opens."""

    name = "eldercare.confirmations"
    verbose_name = _("Confirmations by the older person (服务确认)")
