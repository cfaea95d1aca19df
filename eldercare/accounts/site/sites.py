"""The admin site: every ModelAdmin registered on it is scoped, and every admin page follows the input policy."""

from django.contrib import admin

from eldercare.core.admin import RecountRequestAdmin
from eldercare.core.admin_policy import guard_posts
from eldercare.core.models import RecountRequest

from .options import ScopedAdminMixin


class EldercareAdminSite(admin.AdminSite):
    """The admin site: every ModelAdmin registered on it is scoped (see `ScopedAdminMixin`).

    Installed as the default site by `eldercare.accounts.apps.EldercareAdminConfig`, so
    `django.contrib.admin.site` and `@admin.register` are this site.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Registered here, not at the end of a module: the site's modules are imported while
        # `admin.site` is being built, and a registration made then would go to an instance that
        # is thrown away.
        self.register(RecountRequest, RecountRequestAdmin)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ScopedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (ScopedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        return super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view, cacheable=False):
        # Every admin page: a POST holding control characters is refused before it (core.admin_policy).
        return super().admin_view(guard_posts(view), cacheable)
