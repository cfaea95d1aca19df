from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "eldercare.core"
    verbose_name = _("Core")

    def ready(self):
        from . import history_guard, lookups, read_guard

        lookups.register()  # field__among=[…]: one array parameter on PostgreSQL

        read_guard.connect()  # reads survive stored timestamps Python cannot hold
        history_guard.connect()  # a long reason never fails a write in its history row
