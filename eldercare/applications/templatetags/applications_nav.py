"""`{% applications_visible user as flag %}`: whether the header links to the applications page."""

from django import template

from eldercare.accounts.scoping import can_read_model

from ..models import Application

register = template.Library()


@register.simple_tag
def applications_visible(user) -> bool:
    return bool(user and user.is_authenticated and can_read_model(user, Application))
