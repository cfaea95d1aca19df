"""`{% area_table_row %}` writes the overview's area rows exactly as the template markup it replaced did."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from eldercare.dashboards.selectors import BAND_LABELS, BAND_SEVERITY, FAILED, NO_DATA, ON_TRACK, Headline

# The markup of dashboards/overview.html before the tag (the loop's body), kept here as the reference.
MARKUP = """{% load i18n humanize_figures %}
      <tr data-area="{{ row.code }}" data-band="{{ row.band }}">
        <th scope="row" data-sort="{{ row.name }}"><a href="{% url 'dashboards:area' area_code=row.code %}{% if keep %}?{{ keep }}{% endif %}">{{ row.name }}</a>{% if row.area.is_demo %} <span class="demo" title="{% translate 'Invented for demonstration; not part of the official list.' %}">{% translate "demo" %}</span>{% endif %}</th>
        <td data-sort="{{ row.code }}">{{ row.code }}</td>
        <td class="num" data-sort="{{ row.elapsed_percent|stringformat:'s' }}">{{ row.elapsed_percent }}</td>
        {% with h=row.headline.person_times %}<td class="num" data-sort="{{ h.value|default_if_none:'-1'|stringformat:'s' }}">{{ h.value|figure }} / {{ h.target|figure }}</td>
        <td class="num band-{{ h.band }}" data-sort="{{ h.percent|default_if_none:'-1'|stringformat:'s' }}"><span class="mark" aria-hidden="true"></span>{{ h.percent|default_if_none:"—" }}</td>{% endwith %}
        {% with h=row.headline.beds %}<td class="num" data-sort="{{ h.value|default_if_none:'-1'|stringformat:'s' }}">{{ h.value|figure }} / {{ h.target|figure }}</td>
        <td class="num band-{{ h.band }}" data-sort="{{ h.percent|default_if_none:'-1'|stringformat:'s' }}"><span class="mark" aria-hidden="true"></span>{{ h.percent|default_if_none:"—" }}</td>{% endwith %}
        {% with h=row.headline.satisfaction %}<td class="num band-{{ h.band }}" data-sort="{{ h.percent|default_if_none:'-1'|stringformat:'s' }}"><span class="mark" aria-hidden="true"></span>{{ h.percent|default_if_none:"—" }}</td>{% endwith %}
        {% with h=row.headline.funds %}<td class="num band-{{ h.band }}" data-sort="{{ h.percent|default_if_none:'-1'|stringformat:'s' }}"><span class="mark" aria-hidden="true"></span>{{ h.percent|default_if_none:"—" }}</td>{% endwith %}
        {% with n=overview.without_provider|get_item:row.area.pk %}<td class="num" data-sort="{{ n }}">{{ n|figure }}</td>{% endwith %}
        <td class="band-{{ row.band }} status" data-sort="{{ row.band_severity }}"><span class="mark" aria-hidden="true"></span>{{ row.band_label }}{% if row.snapshot_day and row.snapshot_day != as_of %} <small>({% blocktranslate with day=row.snapshot_day|date:"Y-m-d" %}snapshot of {{ day }}{% endblocktranslate %})</small>{% endif %}</td>
      </tr>"""  # noqa: E501
TAG = "{% load area_table %}\n{% area_table_row row %}"


def _row(pk, *, name, demo, snapshot_day, band, figures):
    headline = {
        key: Headline(key, key, value, target, percent, None, figure_band)
        for key, (value, target, percent, figure_band) in figures.items()
    }
    return SimpleNamespace(
        code="110114",
        name=name,
        band=band,
        band_label=BAND_LABELS[band],
        band_severity=BAND_SEVERITY[band],
        area=SimpleNamespace(pk=pk, is_demo=demo),
        elapsed_percent=Decimal("100.0"),
        headline=headline,
        snapshot_day=snapshot_day,
    )


ROWS = [
    _row(
        1,
        name="北京市昌平区",
        demo=False,
        snapshot_day=None,
        band=FAILED,
        figures={
            "person_times": (2653, 4000, Decimal("66.3"), FAILED),
            "beds": (1505, 2000, Decimal("75.2"), FAILED),
            "satisfaction": (Decimal("97.0"), Decimal("90.0"), Decimal("97.0"), ON_TRACK),
            "funds": (Decimal("1234567.89"), Decimal("2000000.00"), Decimal("61.7"), FAILED),
        },
    ),
    _row(
        2,
        name='示例<区> & "某县"',
        demo=True,
        snapshot_day=dt.date(2024, 1, 12),
        band=NO_DATA,
        figures={
            "person_times": (None, None, None, NO_DATA),
            "beds": (None, 200, None, NO_DATA),
            "satisfaction": (None, Decimal("90.0"), None, NO_DATA),
            "funds": (None, None, None, NO_DATA),
        },
    ),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("row", ROWS, ids=["figures", "demo-without-figures"])
@pytest.mark.parametrize(
    ("keep", "as_of"), [("", None), ("batch=2023&as_of=2024-01-15", dt.date(2024, 1, 15)), ("batch=2023", None)]
)
def test_the_tag_writes_the_markups_row(row, keep, as_of, language):
    context = {"row": row, "keep": keep, "as_of": as_of, "overview": SimpleNamespace(without_provider={1: 12345})}
    with translation.override(language):
        expected = Template(MARKUP).render(Context(context))
        written = Template(TAG).render(Context(context))
    assert written == expected
    assert row.name not in written or "&" not in row.name  # the names are escaped
