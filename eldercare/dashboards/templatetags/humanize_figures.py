"""Small filters for the dashboards' figures: grouped digits and bar widths."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value) -> str:
    """12345 → 12,345; money to whole yuan, so tables line up."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal | float):
        return f"{value:,.0f}"
    return f"{value:,}"


@register.filter
def clamp_percent(value) -> str:
    """A CSS width: the percentage limited to 0–100, with a dot whatever the language."""
    if value is None:
        return "0"
    return f"{min(max(float(value), 0.0), 100.0):.1f}"


@register.filter
def get_item(mapping, key):
    """mapping[key], or 0 when absent (a count per area that has none)."""
    return (mapping or {}).get(key, 0)
