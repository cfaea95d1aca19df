from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "eldercare.accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        from . import receivers

        receivers.connect()


class EldercareAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the scoped site as `admin.site` (listed in INSTALLED_APPS instead of it)."""

    default = False  # AccountsConfig stays this module's default config
    default_site = "eldercare.accounts.site.EldercareAdminSite"
