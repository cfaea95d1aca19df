"""`{% dashboards_visible user as flag %}`: whether the header links to the dashboards (templates/layout.html)."""

from django import template

from ..selectors import sees_dashboards

register = template.Library()


@register.simple_tag
def dashboards_visible(user) -> bool:
    return sees_dashboards(user)
