from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "eldercare.fees"
    verbose_name = _("Fee confirmation (服务费用确认)")
