from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "eldercare.visits"
    verbose_name = _("Home-care visits")
