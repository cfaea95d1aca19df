"""The staff page for imports: download a template, upload a filled one, see the preview, confirm.

The preview is a dry run of the very import the confirmation makes: row count, rows already
imported, every bad cell. The uploaded file is kept server-side between the two steps, under a
random name in `UPLOAD_FOLDER`; the confirm form carries only a signed token naming that file, the
kind and the user, valid for `TOKEN_MAX_AGE` seconds, so a forged or stale token is refused and one
user cannot confirm another's file. The file is deleted when imported.

Only users who may write every kind of record imported, everywhere, use the page (`may_import`:
a row's area is not checked against a narrower scope); everyone else, district and street officials
included, gets the 403 page with a sentence saying why.
"""

import secrets
import tempfile
import time
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eldercare.accounts.scoping import can_write, scope_of
from eldercare.core.errors import DomainError
from eldercare.core.spreadsheets import MAX_FILE_BYTES
from eldercare.providers.models import Caregiver
from eldercare.recipients.models import CapabilityAssessment, Recipient
from eldercare.visits.models import Visit

from .columns import KINDS
from .runner import import_file
from .template import write_template

UPLOAD_FOLDER = Path(tempfile.gettempdir()) / "eldercare-imports"
TOKEN_SALT = "eldercare.imports.upload"
TOKEN_MAX_AGE = 60 * 60
PREVIEW_ROWS = 200


# What each kind of import writes: whoever uses the page must be allowed to write all of it.
IMPORTED_MODELS = {
    "recipients": (Recipient, CapabilityAssessment),
    "caregivers": (Caregiver,),
    "visits": (Visit,),
}


def may_import(user) -> bool:
    """Whether `user` may write every record an import can write, in every area (the rows are not scoped)."""
    if not scope_of(user).everything:
        return False
    return all(can_write(user, model=model) for models in IMPORTED_MODELS.values() for model in models)


def _allowed(request) -> None:
    if not may_import(request.user):
        raise PermissionDenied(
            _(
                "Imports write recipients, caregivers and visits in every area; only system administrators "
                "may use them. Ask one to import your file."
            )
        )


def _page(request, status: int = 200, **context):
    context.setdefault("kinds", [(kind.name, kind.title) for kind in KINDS.values()])
    context.setdefault("title", _("Import from an Excel template"))
    return render(request, "imports/upload.html", context, status=status)


@login_required
def download_template(request, kind: str):
    _allowed(request)
    if kind not in KINDS:
        raise Http404
    path = write_template(KINDS[kind], Path(tempfile.mkdtemp()) / f"{kind}.xlsx")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{KINDS[kind].title}导入模板.xlsx")


def _store(upload) -> Path:
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DomainError(_("Give a .csv or .xlsx file, not %(suffix)s.") % {"suffix": suffix or "?"})
    if upload.size > MAX_FILE_BYTES:
        raise DomainError(
            _("The file is %(size).1f MB; files up to %(limit)d MB are accepted.")
            % {"size": upload.size / 1024 / 1024, "limit": MAX_FILE_BYTES // 1024 // 1024}
        )
    UPLOAD_FOLDER.mkdir(mode=0o700, exist_ok=True)
    # Previews never confirmed leave their files; whatever their tokens no longer open goes.
    stale = time.time() - TOKEN_MAX_AGE
    for old in UPLOAD_FOLDER.iterdir():
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    path = UPLOAD_FOLDER / f"{secrets.token_hex(16)}{suffix}"
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    return path


def _lines_shown(lines: list[int]) -> str:
    shown = ", ".join(str(line) for line in lines[:PREVIEW_ROWS])
    return f"{shown} …" if len(lines) > PREVIEW_ROWS else shown


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    _allowed(request)
    if request.method == "GET":
        return _page(request)
    kind = request.POST.get("kind", "")
    upload_file = request.FILES.get("file")
    if kind not in KINDS or upload_file is None:
        return _page(request, status=400, problem=_("Choose the kind of records and a file."))
    path = None
    try:
        path = _store(upload_file)
        report = import_file(kind, path, acting_user=request.user, dry_run=True)
    except DomainError as error:
        if path is not None:
            path.unlink(missing_ok=True)
        return _page(request, status=400, problem=str(error.message), kind=kind)
    if not (report.ok and report.created):
        path.unlink(missing_ok=True)  # nothing to confirm: the file is not kept
    token = signing.dumps({"file": path.name, "kind": kind, "user": request.user.pk}, salt=TOKEN_SALT)
    return _page(
        request,
        kind=kind,
        kind_title=KINDS[kind].title,
        report=report,
        columns=KINDS[kind].columns,
        preview=[(row.line, [row.raw.get(column.key, "") for column in KINDS[kind].columns]) for row in report.preview][
            :PREVIEW_ROWS
        ],
        token=token if report.ok and report.created else "",
        skipped_shown=_lines_shown(report.skipped_lines),
    )


@login_required
@require_http_methods(["POST"])
def confirm(request):
    _allowed(request)
    try:
        data = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return _page(request, status=400, problem=_("This preview has expired or is not valid; upload the file again."))
    path = UPLOAD_FOLDER / Path(str(data.get("file", ""))).name
    if data.get("user") != request.user.pk or data.get("kind") not in KINDS or not path.exists():
        return _page(request, status=400, problem=_("This preview has expired or is not valid; upload the file again."))
    try:
        report = import_file(data["kind"], path, acting_user=request.user)
    except DomainError as error:
        return _page(request, status=400, problem=str(error.message))
    if report.ok:
        path.unlink(missing_ok=True)
    return _page(request, kind=data["kind"], kind_title=KINDS[data["kind"]].title, report=report, done=report.ok)
