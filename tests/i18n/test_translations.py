"""The Chinese catalogue: every model label is translated, the .po is complete, and messages follow the language."""

import ast
import datetime as dt
import gettext
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from eldercare.beds import services as bed_services
from eldercare.beds.models import BedStatus
from eldercare.core.errors import DomainError
from eldercare.visits.services import visit_void
from tests.factories import FamilyCareBedFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
CJK = re.compile(r"[\u4e00-\u9fff]")


def eldercare_models():
    """Every model of the eldercare apps, from the app registry.

    Left out: the history models django-simple-history generates ("historical …"). Their fields are
    copies of the models' own, checked there, plus the library's history_* fields, whose labels are
    plain English derived from field names that no catalogue can translate.
    """
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("eldercare.")
        for model in config.get_models()
        if getattr(model, "instance_type", None) is None
    ]


def model_labels(model) -> list[tuple[str, object]]:
    """(where, lazy label) for the model's names, each field's verbose_name and each choice label."""
    name = model._meta.label
    labels = [(f"{name} verbose_name", model._meta.verbose_name)]
    labels.append((f"{name} verbose_name_plural", model._meta.verbose_name_plural))
    for field in model._meta.get_fields():
        # Reverse relations have no label of their own; the auto primary key is Django's "ID".
        if field.auto_created and (not field.concrete or field.primary_key):
            continue
        labels.append((f"{name}.{field.name} verbose_name", field.verbose_name))
        for value, label in getattr(field, "flatchoices", None) or []:
            labels.append((f"{name}.{field.name} choice {value!r}", label))
    return labels


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgid, msgid_plural and msgstr(s); enough for these checks."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": set(), "obsolete": False}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if "msgid" in entry:
            entry["msgstrs"] = [text for k, text in entry.items() if k.startswith("msgstr")]
            entries.append(entry)
    return entries


def test_the_registry_holds_the_eldercare_models():
    # Guards the tests below against passing over an empty list.
    assert len(eldercare_models()) >= 20
    assert apps.get_model("beds", "FamilyCareBed") in eldercare_models()


def test_every_eldercare_app_name_is_chinese():
    with translation.override("zh-hans"):
        untranslated = [
            config.name
            for config in apps.get_app_configs()
            if config.name.startswith("eldercare.") and not CJK.search(str(config.verbose_name))
        ]
    assert untranslated == []


@pytest.mark.parametrize("model", eldercare_models(), ids=lambda model: model._meta.label)
def test_every_model_field_and_choice_label_renders_in_chinese(model):
    with translation.override("zh-hans"):
        untranslated = [(where, str(label)) for where, label in model_labels(model) if not CJK.search(str(label))]
    assert untranslated == []


def test_the_same_labels_render_in_english_under_en():
    # The labels are msgids, not Chinese literals: switching the language switches them.
    with translation.override("en"):
        assert str(apps.get_model("beds", "FamilyCareBed")._meta.verbose_name) == "family care bed"
        assert BedStatus.ACCEPTED.label == "Accepted (验收合格)"
    with translation.override("zh-hans"):
        assert BedStatus.ACCEPTED.label == "验收合格"


def test_the_catalogue_has_no_untranslated_and_no_fuzzy_entry():
    entries = [e for e in read_po(CATALOGUE / "django.po") if e["msgid"] and not e["obsolete"]]
    assert len(entries) > 400
    untranslated = [e["msgid"] for e in entries if not all(e["msgstrs"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], "translate these (see `make messages`)"
    assert fuzzy == [], "check these msgmerge guesses and drop the fuzzy flag"


def test_the_catalogue_header_is_not_fuzzy_and_has_one_plural_form():
    header = next(e for e in read_po(CATALOGUE / "django.po") if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "nplurals=1; plural=0;" in header["msgstr"]


def test_the_compiled_catalogue_matches_the_po_file():
    # The .mo is committed (a fresh machine may lack gettext): it must be compiled from the current .po.
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    stale = []
    for e in read_po(CATALOGUE / "django.po"):
        if not e["msgid"] or e["obsolete"] or "fuzzy" in e["flags"] or not all(e["msgstrs"]):
            continue
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]  # gettext's key with a context
        key = (msgid, 0) if "msgid_plural" in e else msgid
        if compiled.get(key) != e["msgstrs"][0]:
            stale.append(e["msgid"])
    assert stale == [], "run `manage.py compilemessages --ignore=.venv`"


def test_python_format_placeholders_survive_translation():
    for e in read_po(CATALOGUE / "django.po"):
        if "python-format" in e["flags"] and all(e["msgstrs"]):
            wanted = sorted(re.findall(r"%\(\w+\)", e["msgid"]))
            for text in e["msgstrs"]:
                assert sorted(re.findall(r"%\(\w+\)", text)) == wanted, e["msgid"]


@pytest.mark.django_db
def test_a_refused_bed_transition_speaks_the_users_language():
    bed = FamilyCareBedFactory()
    assert bed.status == BedStatus.APPLIED

    with translation.override("zh-hans"), pytest.raises(DomainError) as chinese:
        bed_services.bed_start_service(bed=bed, started_on=dt.date(2023, 8, 1))
    with translation.override("en"), pytest.raises(DomainError) as english:
        bed_services.bed_start_service(bed=bed, started_on=dt.date(2023, 8, 1))

    assert str(chinese.value) == "床位当前为“申请”，不能变更为“服务中”。"
    assert str(english.value) == "A bed that is Applied (申请) cannot become In service (服务中)."
    assert chinese.value.code == english.value.code == "illegal_transition"


def test_a_service_message_is_chinese_by_default_and_english_under_en(log_visit):
    visit = log_visit()
    # No override: the project's default language (zh-hans) applies.
    with pytest.raises(DomainError) as caught:
        visit_void(visit=visit, reason=" ")
    assert str(caught.value) == "请填写作废服务记录的原因。"
    # The message is kept lazy, so the admin and the API render it in each user's language.
    with translation.override("en"):
        assert str(caught.value.message) == "Give a reason for voiding the visit."


def test_the_admin_index_is_chinese_by_default_and_english_on_request(client, django_user_model):
    admin = django_user_model.objects.create_superuser("translator-check", password="x")
    client.force_login(admin)

    chinese = client.get("/admin/").content.decode()
    english = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "居家和社区基本养老服务提升行动" in chinese
    assert "家庭养老床位" in chinese and "Family care beds" not in chinese
    assert "Home and Community Basic Elderly Care Service Improvement Action" in english
    assert "Family care beds" in english
