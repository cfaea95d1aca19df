"""`{% exports_visible user as flag %}`: whether the site's header links to the exports (templates/layout.html)."""

from django import template

from ..selectors import can_export

register = template.Library()


@register.simple_tag
def exports_visible(user) -> bool:
    return can_export(user)
