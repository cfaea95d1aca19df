"""Visit.photo_start and photo_end become VisitPhoto rows, then the two fields go (and their history columns).

Every non-empty field whose file is in storage becomes a VisitPhoto of its kind pointing at the same
file (nothing is copied or changed: the SHA-256 is of the file as it is stored), described from its
header (`eldercare.visits.photos.describe_stored`), dated from the visit's history (the first history
row that held the name), uploaded by nobody known. A file missing from storage is skipped and
counted in the output; a visit that already has a photo of that kind keeps it. Reversing writes the
names back into the two fields and keeps the rows.
"""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery

KINDS = {"start": "photo_start", "end": "photo_end"}
BATCH = 500


def set_at(HistoricalVisit, field: str):
    """When the visit's history first held the current file name: when the photo was set."""
    return Subquery(
        HistoricalVisit.objects.filter(id=OuterRef("pk"), **{field: OuterRef(field)})
        .values("id")
        .annotate(first=Min("history_date"))
        .values("first")[:1]
    )


def photo_rows(visits, storage, VisitPhoto, describe):
    """VisitPhoto rows, with when each photo was set, for (visit id, kind, file name, set at, entered at)
    tuples; and how many files were missing from storage."""
    rows, missing = [], 0
    for visit_id, kind, name, when, entered in visits:
        try:
            with storage.open(name, "rb") as opened:
                data = opened.read()
        except (FileNotFoundError, OSError, ValueError):
            missing += 1
            continue
        rows.append((VisitPhoto(visit_id=visit_id, kind=kind, image=name, **describe(data)), when or entered))
    return rows, missing


def move_photos(apps, schema_editor):
    from django.core.files.storage import default_storage

    from eldercare.visits.photos import describe_stored

    Visit = apps.get_model("visits", "Visit")
    VisitPhoto = apps.get_model("visits", "VisitPhoto")
    HistoricalVisit = apps.get_model("visits", "HistoricalVisit")
    moved = missing = kept = 0
    for kind, field in KINDS.items():
        visits = (
            Visit.objects.exclude(**{field: ""})
            .exclude(**{f"{field}__isnull": True})
            .annotate(set_at=set_at(HistoricalVisit, field))
            .order_by("pk")
            .values_list("pk", field, "set_at", "created_at")
        )
        taken = set(VisitPhoto.objects.filter(kind=kind).values_list("visit_id", flat=True))
        pending = []
        for pk, name, when, entered in visits.iterator(chunk_size=BATCH):
            if pk in taken:
                kept += 1
                continue
            pending.append((pk, kind, name, when, entered))
            if len(pending) >= BATCH:
                moved, missing = _store(pending, VisitPhoto, describe_stored, default_storage, moved, missing)
                pending = []
        moved, missing = _store(pending, VisitPhoto, describe_stored, default_storage, moved, missing)
    if schema_editor.connection.vendor == "postgresql":
        # The rows' foreign-key checks are deferred to the end of the transaction; PostgreSQL refuses to
        # alter a table with pending trigger events, so they run now, before the fields are dropped.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if moved or missing or kept:
        print(
            f"\n  visits: {moved} photos moved to VisitPhoto, {missing} files missing from storage (skipped), "
            f"{kept} already there"
        )


def _store(pending, VisitPhoto, describe, storage, moved, missing):
    rows, lost = photo_rows(pending, storage, VisitPhoto, describe)
    created = VisitPhoto.objects.bulk_create([photo for photo, _when in rows])
    # created_at is set on insert (auto_now_add); the time the photo was set is written back after.
    for photo, (_row, when) in zip(created, rows, strict=True):
        photo.created_at = when
    VisitPhoto.objects.bulk_update(created, ["created_at"])
    return moved + len(created), missing + lost


def names_back(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    VisitPhoto = apps.get_model("visits", "VisitPhoto")
    for kind, field in KINDS.items():
        for visit_id, name in VisitPhoto.objects.filter(kind=kind).values_list("visit_id", "image").iterator():
            Visit.objects.filter(pk=visit_id).update(**{field: name})


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0006_phone_evidence"),
    ]

    operations = [
        migrations.RunPython(move_photos, names_back),
        migrations.RemoveField(
            model_name="historicalvisit",
            name="photo_end",
        ),
        migrations.RemoveField(
            model_name="historicalvisit",
            name="photo_start",
        ),
        migrations.RemoveField(
            model_name="visit",
            name="photo_end",
        ),
        migrations.RemoveField(
            model_name="visit",
            name="photo_start",
        ),
    ]
