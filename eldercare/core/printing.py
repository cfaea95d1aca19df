"""Printing Chinese: the CJK font embedded in every PDF, the red of official documents, Chinese dates.

Shared by the exports' PDF (exports.writers) and the confirmation cards (confirmations.cards): a
missing or incomplete font is a clear error in the user's language, never boxes for glyphs.
"""

import datetime as dt
import os
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import DomainError

PDF_FONT_NAME = "EldercareCJK"
RED = "#c8102e"  # the red of a 红头 title block


def cjk_font():
    """The embedded CJK TrueType font; a clear error when it is not installed (never boxes for glyphs)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = settings.EXPORT_CJK_FONT
    if not path or not os.path.exists(path):
        raise DomainError(
            _(
                "PDF exports need a Chinese TrueType font, which is not installed at %(path)s. "
                "Ask the administrator to install the fonts-wqy-microhei package or set EXPORT_CJK_FONT."
            )
            % {"path": path},
            code="pdf_font_missing",
        )
    try:
        registered = pdfmetrics.getFont(PDF_FONT_NAME)
        if getattr(registered, "_eldercare_path", None) == path:
            return registered
    except KeyError:
        pass
    try:
        font = TTFont(PDF_FONT_NAME, path, subfontIndex=settings.EXPORT_CJK_FONT_INDEX)
    except TTFError as error:
        raise DomainError(
            _("The font %(path)s cannot be embedded in a PDF: %(error)s") % {"path": path, "error": error},
            code="pdf_font_unusable",
        ) from error
    font._eldercare_path = path
    pdfmetrics.registerFont(font)
    return font


def require_glyphs(font, texts: Iterable[str]) -> None:
    """Refuse texts the font cannot draw (a PDF would show empty boxes)."""
    covered = font.face.charToGlyph  # code point → glyph
    missing = sorted({char for text in texts for char in text if ord(char) > 0x7F and ord(char) not in covered})
    if missing:
        raise DomainError(
            _("The PDF font has no glyphs for %(chars)s; install a complete CJK font.")
            % {"chars": "".join(missing[:20])},
            code="pdf_font_incomplete",
        )


def chinese_date(value) -> str:
    """2026-12-02 → 2026年12月2日 (a date, or the ISO text of one)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"
