from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BedsConfig(AppConfig):
    name = "eldercare.beds"
    verbose_name = _("Family care beds")
