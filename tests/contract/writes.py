"""Writing through the admin as a browser does, and through the API and the importer."""

import datetime as dt
from decimal import Decimal
from io import StringIO

from django import forms
from django.core.management import call_command
from django.db.models import Model
from django.urls import reverse


def _add_form(data: dict, form) -> None:
    """Add a bound form's current values as the browser would post them back."""
    for bound in form:
        field = bound.field
        if isinstance(field, forms.FileField):
            continue  # no new upload: the stored file stays
        value = bound.value()
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                if part is not None:
                    data[f"{bound.html_name}{suffix}"] = str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value is None or value is False:
            continue
        elif value is True:
            data[bound.html_name] = "on"
        else:
            data[bound.html_name] = str(value)


def current_form_data(response) -> dict:
    """What the browser posts back unchanged: the main form, every inline form and the management forms."""
    data: dict = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        _add_form(data, inline.formset.management_form)
        for form in inline.formset.forms:
            _add_form(data, form)
    return data


def inline_key(data: dict, prefix: str, pk: int, name: str) -> str:
    """The posted name of field `name` of the inline form (of formset `prefix`) that edits row `pk`."""
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and str(value) == str(pk):
            return key.removesuffix("-id") + f"-{name}"
    raise AssertionError(f"no {prefix} inline form edits #{pk}: {sorted(data)}")


def _errors(response) -> str:
    if response.context is None:
        return f"{response.status_code} {response.get('Location', '')}"
    found = []
    if "adminform" in response.context:
        found.append(response.context["adminform"].form.errors)
        for inline in response.context.get("inline_admin_formsets", []):
            found.append(inline.formset.errors)
            found.append(inline.formset.non_form_errors())
    if "form" in response.context:
        found.append(response.context["form"].errors)
    return repr(found)


def _set(data: dict, form, name: str, key: str, value) -> None:
    """Set field `name` (posted as `key`) to `value` as the browser would: records by id, ticks as "on"."""
    widget = form.fields[name].widget
    data.pop(key, None)
    if isinstance(widget, forms.MultiWidget):
        for suffix, part in zip(widget.widgets_names, widget.decompress(value), strict=True):
            data[f"{key}{suffix}"] = str(part)
    elif isinstance(value, Model):
        data[key] = str(value.pk)
    elif value is True:
        data[key] = "on"
    elif value is not False and value is not None:
        data[key] = str(value)


def admin_change(client, obj, changes: dict | None = None, *, inline: dict | None = None, expect_ok: bool = True):
    """Open the admin change page of `obj`, change some fields, post the whole form; it must save
    (or, with `expect_ok=False`, it must be refused: the form comes back and its page is returned).

    `inline` maps (formset prefix, row pk, field) to a new value.
    """
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200, page
    data = current_form_data(page)
    form = page.context["adminform"].form
    for name, value in (changes or {}).items():
        _set(data, form, name, form[name].html_name, value)
    formsets = {inline.formset.prefix: inline.formset for inline in page.context["inline_admin_formsets"]}
    for (prefix, pk, name), value in (inline or {}).items():
        _set(data, formsets[prefix].empty_form, name, inline_key(data, prefix, pk, name), value)
    response = client.post(url, data)
    if not expect_ok:
        assert response.status_code == 200, response.status_code
        return response.content.decode()
    assert response.status_code == 302, _errors(response)
    return response


def admin_add(client, model, fields: dict):
    """Open the admin add page of `model`, fill in `fields`, post the whole form; it must save."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    page = client.get(url)
    assert page.status_code == 200, page
    data = current_form_data(page)
    form = page.context["adminform"].form
    for name, value in fields.items():
        _set(data, form, name, form[name].html_name, value)
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return response


def admin_inline_add(client, parent, prefix: str, fields: dict):
    """Add one row to the inline `prefix` on `parent`'s change page and post the whole form; it must save."""
    opts = parent._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[parent.pk])
    page = client.get(url)
    assert page.status_code == 200, page
    data = current_form_data(page)
    formset = next(
        inline.formset for inline in page.context["inline_admin_formsets"] if inline.formset.prefix == prefix
    )
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        _set(data, formset.empty_form, name, f"{prefix}-{index}-{name}", value)
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return response


def admin_post(client, url: str, data: dict):
    """Post an admin page of our own (a transition, a void, an action); it must redirect."""
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return response


def _json(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def as_json(data: dict) -> dict:
    """Records by id, dates in ISO 8601, decimals as text."""
    return {name: _json(value) for name, value in data.items()}


def api_write(client, method: str, url: str, data: dict, *, expect: int = 200):
    """Send `data` (see `as_json`) as JSON; the API must answer `expect`."""
    response = getattr(client, method)(url, as_json(data), format="json")
    assert response.status_code == expect, response.content.decode()
    return response


def import_areas(tmp_path, area, *, funds_arrived_on="", **targets) -> str:
    """Import the official list with one row, for `area`'s region, through `manage.py import_pilot_areas`."""
    row = {
        "target_beds": area.target_beds,
        "target_person_times": area.target_person_times,
        "target_satisfaction": area.target_satisfaction,
        **targets,
    }
    path = tmp_path / "list.csv"
    path.write_text(
        "区划代码,地区名称,省份,资金下达日期,床位目标,人次目标,满意度目标\n"
        f"{area.region.code},{area.region.name},,{funds_arrived_on},{row['target_beds']},"
        f"{row['target_person_times']},{row['target_satisfaction']}\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_pilot_areas", str(path), "--batch", str(area.batch.year), stdout=out)
    return out.getvalue()
