from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobileConfig(AppConfig):
    name = "eldercare.mobile"
    verbose_name = _("Caregiver's phone")
