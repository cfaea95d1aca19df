from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo world (示例数据): `manage.py seed_demo`. It has no models; it writes through the domain apps."""

    name = "eldercare.demo"
    verbose_name = _("Demo data")
