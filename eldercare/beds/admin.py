from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.site import (
    HistoryAdmin,
    NoDeleteInlineMixin,
    NoDeleteMixin,
    PilotAreaListFilter,
    ServiceAdminMixin,
)
from eldercare.core.errors import DomainError
from eldercare.visits.admin.photos import ReadOnlyInlineFormSet, exif_text, sha256_html, thumbnail_html
from eldercare.visits.photos import check_photo

from .forms import BedApplyForm, BedTransitionForm, move_for
from .models import BedPhoto, BedStatus, FamilyCareBed, RetrofitCatalogItem, RetrofitItem
from .serializers import bed_photo_path
from .services import ALLOWED_TRANSITIONS, bed_photo_add

# The lifecycle fields: set only by beds.services, shown read-only on the change page.
LIFECYCLE_FIELDS = [
    "status",
    "applied_on",
    "design_provider",
    "plan_signed_on",
    "retrofit_provider",
    "retrofit_started_on",
    "retrofit_finished_on",
    "acceptance_provider",
    "accepted_on",
    "service_started_on",
    "withdrawn_on",
    "withdrawal_reason",
    "withdrawal_note",
]

# Kept in code (not a template file) so the beds app owns its one admin page. Every word on it is
# either Django's own msgid or comes translated through the context.
TRANSITION_TEMPLATE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block extrahead %}{{ block.super }}<script src="{% url 'admin:jsi18n' %}"></script>{{ media }}{% endblock %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} change-form{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url 'admin:app_list' app_label=opts.app_label %}">{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}">{{ original }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<p>{{ current_label }}: <strong>{{ original.get_status_display }}</strong></p>
{% if form.errors %}<p class="errornote">
{% blocktranslate trimmed count counter=form.errors.items|length %}Please correct the error below.
{% plural %}Please correct the errors below.{% endblocktranslate %}</p>
{{ form.non_field_errors }}{% endif %}
<form method="post" novalidate>{% csrf_token %}
<fieldset class="module aligned">
<div class="form-row{% if form.to_status.errors %} errors{% endif %}">{{ form.to_status.errors }}
<div class="flex-container">{{ form.to_status.label_tag }} {{ form.to_status }}</div></div>
</fieldset>
{% for status, label, fields in form.grouped_fields %}
<fieldset class="module aligned" id="move-{{ status }}"><h2>{{ label }}</h2>
{% for field in fields %}<div class="form-row{% if field.errors %} errors{% endif %}">{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div></div>{% endfor %}
</fieldset>
{% endfor %}
<div class="submit-row"><input type="submit" value="{% translate 'Save' %}" class="default">
<a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}" class="closelink">
{% translate 'Close' %}</a></div>
</form></div>{% endblock %}
"""
)


@admin.register(RetrofitCatalogItem)
class RetrofitCatalogItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_device", "reference_cost", "is_active"]
    list_filter = ["kind", "is_device", "is_active"]
    search_fields = ["code", "name"]


class RetrofitItemInline(NoDeleteInlineMixin, admin.TabularInline):
    model = RetrofitItem
    extra = 0
    fields = ["catalog_item", "room", "quantity", "cost", "serial_number", "installed_on", "warranty_months"]
    autocomplete_fields = ["catalog_item"]


class BedPhotoDisplayMixin:
    """The columns a stored photo shows: thumbnail (served after the scope check), hash, size, EXIF."""

    @admin.display(description=_("photo"))
    def thumbnail(self, photo: BedPhoto) -> str:
        return thumbnail_html(bed_photo_path(photo.pk), photo.get_stage_display())

    @admin.display(description=_("SHA-256"))
    def sha256_short(self, photo: BedPhoto) -> str:
        return sha256_html(photo.sha256)

    @admin.display(description=_("size"))
    def size(self, photo: BedPhoto) -> str:
        if photo.size_bytes is None:
            return gettext("unknown")
        pixels = f"{photo.width} × {photo.height} · " if photo.width else ""
        return f"{pixels}{filesizeformat(photo.size_bytes)}"

    @admin.display(description=_("EXIF location and time"))
    def exif(self, photo: BedPhoto) -> str:
        return exif_text(photo.exif_latitude, photo.exif_longitude, photo.taken_at)

    @admin.display(description=_("uploaded"))
    def uploaded(self, photo: BedPhoto) -> str:
        who = photo.uploaded_by.get_username() if photo.uploaded_by else "—"
        return f"{who} · {timezone.localtime(photo.created_at).strftime('%Y-%m-%d %H:%M')}"


class BedPhotoInline(BedPhotoDisplayMixin, NoDeleteInlineMixin, admin.TabularInline):
    """The bed's stored photos, read-only: evidence is never replaced."""

    model = BedPhoto
    formset = ReadOnlyInlineFormSet
    extra = 0
    max_num = 0
    fields = ["thumbnail", "stage", "item", "taken_on", "sha256_short", "size", "exif", "uploaded"]
    readonly_fields = fields
    verbose_name_plural = _("evidence photos")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item__catalog_item", "uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False  # BedPhotoAddInline adds, through the service

    def has_change_permission(self, request, obj=None):
        return False


class BedPhotoForm(forms.ModelForm):
    """A new photo, checked as every photo is before the page is saved; `bed_photo_add` stores it."""

    checked = None

    class Meta:
        model = BedPhoto
        fields = ["stage", "image", "item", "taken_on"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            try:
                self.checked = check_photo(upload)
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from None
        return upload


class BedPhotoAddInline(NoDeleteInlineMixin, admin.TabularInline):
    """Empty rows to add photos; saved by `FamilyCareBedAdmin.save_formset` through `bed_photo_add`."""

    model = BedPhoto
    form = BedPhotoForm
    extra = 1
    fields = ["stage", "image", "item", "taken_on"]
    verbose_name = _("new evidence photo")
    verbose_name_plural = _("add evidence photos")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_formset(self, request, obj=None, **kwargs):
        # Remembered on the request (admin instances are shared between threads) so the item
        # choice below lists only this bed's items, not every item of every bed.
        request._eldercare_bed = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "item":
            bed = getattr(request, "_eldercare_bed", None)
            kwargs["queryset"] = RetrofitItem.objects.filter(bed=bed).select_related("catalog_item")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FamilyCareBed)
class FamilyCareBedAdmin(NoDeleteMixin, ServiceAdminMixin, HistoryAdmin):
    list_display = ["recipient", "area", "status", "applied_on", "accepted_on", "service_started_on"]
    list_filter = ["status", PilotAreaListFilter, "withdrawal_reason"]
    list_select_related = ["recipient", "area__region", "area__batch"]
    search_fields = ["recipient__name", "=recipient__resident_id", "platform_account"]
    autocomplete_fields = ["recipient"]
    date_hierarchy = "applied_on"
    show_full_result_count = False
    inlines = [RetrofitItemInline, BedPhotoInline, BedPhotoAddInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["recipient", "applied_on"]})]
        return [
            (None, {"fields": ["recipient", "area", "lifecycle"]}),
            (
                _("Lifecycle"),
                {"fields": LIFECYCLE_FIELDS, "description": _("Use the buttons above to move the bed on.")},
            ),
            (_("Monitoring platform"), {"fields": ["platform_account"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["recipient", "area", "lifecycle", *LIFECYCLE_FIELDS]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BedApplyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        # Items and photos belong to an existing bed; the application itself is just who and when.
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not BedPhoto:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these, as formset.save() would have set them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for photo_form in formset.forms:
            data = getattr(photo_form, "cleaned_data", None) or {}
            checked = getattr(photo_form, "checked", None)
            if not data.get("image") or checked is None:
                continue  # a stored photo's row (read-only), or an empty row
            try:
                result = bed_photo_add(
                    bed=form.instance,
                    stage=data["stage"],
                    upload=data["image"],
                    item=data.get("item"),
                    taken_on=data.get("taken_on"),
                    acting_user=request.user,
                    checked=checked,
                )
            except DomainError as error:  # the same photo already stored as another stage
                self.message_user(request, error.message, messages.WARNING)
            else:
                if result.created:
                    formset.new_objects.append(result.photo)
        return None

    @admin.display(description=_("next steps"))
    def lifecycle(self, bed: FamilyCareBed) -> str:
        allowed = ALLOWED_TRANSITIONS[bed.status]
        if not allowed:
            return _("None: the bed is withdrawn.")
        url = reverse("admin:beds_familycarebed_transition", args=[bed.pk])
        return format_html_join(
            " ",
            '<a class="button" href="{}?{}">{}</a>',
            (
                (url, urlencode({"to_status": status.value}), move_for(bed.status, status).label)
                for status in BedStatus
                if status in allowed
            ),
        )

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="beds_familycarebed_transition",
            )
        ]
        return urls + super().get_urls()

    def transition_view(self, request, object_id):
        """Move a bed one step through its lifecycle, through the service for that step."""
        # Through the admin's (scoped) queryset: a bed outside the user's scope answers 404.
        bed = get_object_or_404(self.get_queryset(request).select_related("recipient", "area"), pk=object_id)
        if not self.has_change_permission(request, bed):
            raise PermissionDenied
        if request.method == "POST":
            form = BedTransitionForm(request.POST, bed=bed, acting_user=request.user)
            if form.is_valid():
                moved = form.save()
                if moved is not None:
                    self.log_change(request, moved, [{"changed": {"fields": ["status"]}}])
                    self.message_user(
                        request,
                        _("The bed is now: %(status)s.") % {"status": moved.get_status_display()},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:beds_familycarebed_change", args=[bed.pk]))
        else:
            form = BedTransitionForm(initial={"to_status": request.GET.get("to_status")}, bed=bed)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Move the bed on"),
            "subtitle": str(bed),
            "opts": self.opts,
            "original": bed,
            "form": form,
            "media": self.media + form.media,
            "current_label": _("Current status"),
        }
        return TemplateResponse(request, TRANSITION_TEMPLATE, context)


@admin.register(RetrofitItem)
class RetrofitItemAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["catalog_item", "bed", "room", "quantity", "cost", "serial_number", "installed_on"]
    list_filter = ["catalog_item__kind", "room"]
    list_select_related = ["catalog_item", "bed__recipient"]
    search_fields = ["=serial_number", "bed__recipient__name", "catalog_item__name"]
    autocomplete_fields = ["bed", "catalog_item"]
    show_full_result_count = False


@admin.register(BedPhoto)
class BedPhotoAdmin(BedPhotoDisplayMixin, NoDeleteMixin, admin.ModelAdmin):
    """Every evidence photo with its hash, read-only; photos are added on the bed's page or through the API."""

    list_display = ["thumbnail", "bed", "stage", "item", "taken_on", "sha256_short", "size", "created_at"]
    list_filter = ["stage"]
    list_select_related = ["bed__recipient", "item__catalog_item"]
    search_fields = ["bed__recipient__name", "=sha256"]
    show_full_result_count = False
    fields = ["thumbnail", "bed", "stage", "item", "taken_on", "sha256", "content_type", "size", "exif", "uploaded"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
