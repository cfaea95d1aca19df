"""`{% area_table_row row %}`: one row of the overview's table of pilot areas (dashboards/overview.html).

The same HTML the template markup gave, cell for cell, built in one pass: fifty rows of eleven cells
each took the template engine about 20 ms, a fifth of the national page (issue 14's dashboards p95).
Values go through `render_value_in_context` and the filters the markup used, so they are localised
and escaped as before; tests/dashboards/test_area_table.py holds the rows to the markup's.
"""

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .humanize_figures import figure

register = template.Library()

MARK = '<span class="mark" aria-hidden="true"></span>'


def _sort_key(value) -> str:
    """`value|default_if_none:'-1'|stringformat:'s'`."""
    return conditional_escape("-1" if value is None else f"{value}")


@register.simple_tag(takes_context=True)
def area_table_row(context, row) -> str:
    def show(value) -> str:
        return render_value_in_context(value, context)

    def percent_cell(headline) -> str:
        shown = mark_safe("—") if headline.percent is None else headline.percent
        return (
            f'<td class="num band-{show(headline.band)}" data-sort="{_sort_key(headline.percent)}">'
            f"{MARK}{show(shown)}</td>"
        )

    def value_cell(headline) -> str:
        return (
            f'<td class="num" data-sort="{_sort_key(headline.value)}">'
            f"{conditional_escape(figure(headline.value))} / {conditional_escape(figure(headline.target))}</td>"
        )

    keep = context.get("keep")
    link = conditional_escape(reverse("dashboards:area", kwargs={"area_code": row.code}))
    if keep:
        link += f"?{show(keep)}"
    demo = ""
    if row.area.is_demo:
        title = gettext("Invented for demonstration; not part of the official list.")
        demo = f' <span class="demo" title="{title}">{gettext("demo")}</span>'
    without_provider = (context.get("overview").without_provider or {}).get(row.area.pk, 0)
    snapshot = ""
    as_of = context.get("as_of")
    if row.snapshot_day and row.snapshot_day != as_of:
        day = show(date_filter(row.snapshot_day, "Y-m-d"))
        snapshot = f" <small>({gettext('snapshot of %(day)s') % {'day': day}})</small>"
    headline = row.headline
    lines = [
        f'      <tr data-area="{show(row.code)}" data-band="{show(row.band)}">',
        f'        <th scope="row" data-sort="{show(row.name)}"><a href="{link}">{show(row.name)}</a>{demo}</th>',
        f'        <td data-sort="{show(row.code)}">{show(row.code)}</td>',
        f'        <td class="num" data-sort="{conditional_escape(f"{row.elapsed_percent}")}">'
        f"{show(row.elapsed_percent)}</td>",
        f"        {value_cell(headline['person_times'])}",
        f"        {percent_cell(headline['person_times'])}",
        f"        {value_cell(headline['beds'])}",
        f"        {percent_cell(headline['beds'])}",
        f"        {percent_cell(headline['satisfaction'])}",
        f"        {percent_cell(headline['funds'])}",
        f'        <td class="num" data-sort="{show(without_provider)}">'
        f"{conditional_escape(figure(without_provider))}</td>",
        f'        <td class="band-{show(row.band)} status" data-sort="{show(row.band_severity)}">'
        f"{MARK}{show(row.band_label)}{snapshot}</td>",
        "      </tr>",
    ]
    return mark_safe("\n".join(lines))
